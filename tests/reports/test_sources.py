"""/reports/sources/: per-source figures, sorting, and bad sort values."""

import re

import pytest

from .html import with_attribute

URL = "/reports/sources/"


def figures(page: str) -> dict[str, dict[str, str]]:
    """slug -> {column: text} for the table's rows."""
    rows = {}
    for slug, body in re.findall(r'<tr data-source-slug="([^"]+)">(.*?)</tr>', page, flags=re.S):
        cells = re.findall(r'<td[^>]*data-column="(\w+)"[^>]*>(.*?)</td>', body, flags=re.S)
        rows[slug] = {name: re.sub(r"<[^>]+>", "", value).strip() for name, value in cells}
    return rows


def order(page: str) -> list[str]:
    return [row["data-source-slug"] for row in with_attribute(page, "data-source-slug")]


def test_seed_figures(reader_client, seed):
    rows = figures(reader_client.get(URL).content.decode())
    assert rows["telegram-channel-affiliated-with-kataib-hezbollah"] == {
        "kind": "social channel",
        "reliability": "F",
        "claims_originated": "1",
        "claims_relayed": "0",
        "disputes_against": "1",
        "disputes_raised": "0",
    }
    assert rows["kataib-hezbollah"]["disputes_raised"] == "1"
    assert rows["kataib-hezbollah"]["claims_originated"] == "0"
    # Reuters: origin of "No casualties", relay on four chains.
    assert (rows["reuters"]["claims_originated"], rows["reuters"]["claims_relayed"]) == ("1", "4")
    # Antiwar.com: three claims of its own, relays six; US officials originate three.
    assert rows["antiwarcom"]["claims_originated"] == "3"
    assert rows["antiwarcom"]["claims_relayed"] == "6"
    assert rows["us-officials"]["claims_originated"] == "3"
    assert rows["us-officials"]["disputes_against"] == "0"


def test_default_order_is_by_name(reader_client, seed):
    slugs = order(reader_client.get(URL).content.decode())
    assert slugs[0] == "antiwarcom"
    assert slugs[-1] == "us-officials"
    assert len(slugs) == 9


def test_sort_by_each_figure(reader_client, seed):
    relayed = order(reader_client.get(URL + "?sort=-claims_relayed").content.decode())
    assert relayed[:3] == ["antiwarcom", "reuters", "stars-and-stripes"]
    raised = order(reader_client.get(URL + "?sort=-disputes_raised").content.decode())
    assert raised[0] == "kataib-hezbollah"
    originated = order(reader_client.get(URL + "?sort=claims_originated").content.decode())
    assert originated[-3:] == ["antiwarcom", "iraqi-officials", "us-officials"]
    page = reader_client.get(URL + "?sort=claims_relayed").content.decode()
    # The header links flip the direction of the current column.
    assert 'href="?sort=-claims_relayed"' in page
    assert 'aria-sort="ascending" data-column="claims_relayed"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?sort=popularity", "Cannot sort by “popularity”"),
        ("?order=name", "Unknown query parameter “order”"),
        ("?page=x", "“x” is not a page of this report"),
    ],
)
def test_bad_sort_is_a_400_with_the_message(reader_client, seed, query, message):
    response = reader_client.get(URL + query)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "<tbody>" not in page
