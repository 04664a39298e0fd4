"""/reports/sources/: figures, sorting, search and kind, page words; clean report URLs."""

import re

import pytest

from tests.conftest import TELEGRAM_TEXT

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


def test_search_finds_sources_by_words_in_the_name(reader_client, seed):
    page = reader_client.get(URL + "?search=kataib").content.decode()
    assert order(page) == ["kataib-hezbollah", "telegram-channel-affiliated-with-kataib-hezbollah"]
    # The box keeps what was typed.
    assert 'name="search" value="kataib"' in page
    assert order(reader_client.get(URL + "?search=officials").content.decode()) == [
        "iraqi-officials",
        "us-officials",
    ]


def test_kind_filter_and_search_combine_and_keep_the_sort(reader_client, seed):
    page = reader_client.get(URL + "?kind=armed_group").content.decode()
    assert order(page) == ["kataib-hezbollah", "popular-mobilization-forces"]
    assert '<option value="armed_group" selected>' in page
    both = reader_client.get(URL + "?kind=armed_group&search=popular").content.decode()
    assert order(both) == ["popular-mobilization-forces"]
    # A column header keeps the filters and changes only the sort.
    sorted_page = reader_client.get(URL + "?kind=official&sort=-claims_originated")
    html = sorted_page.content.decode()
    assert order(html) == ["iraqi-officials", "us-officials", "pentagon-official"]
    assert 'href="?kind=official&amp;sort=claims_originated"' in html


def test_no_match_says_so(reader_client, seed):
    page = reader_client.get(URL + "?search=nobody-at-all").content.decode()
    assert order(page) == []
    assert "No source matches these filters." in page


def test_unknown_kind_is_a_400_listing_the_kinds(reader_client, seed):
    response = reader_client.get(URL + "?kind=broadcaster")
    assert response.status_code == 400
    page = response.content.decode()
    assert "“broadcaster” is not a valid choice. Allowed values: news_agency, news_outlet" in page
    assert "Kinds: news_agency, news_outlet, government, official," in page
    assert "<tbody>" not in page


def test_alphabetical_pages_say_next_and_the_letters_they_hold(reader_client, seed):
    first = reader_client.get(URL + "?page_size=4").content.decode()
    assert order(first) == [
        "antiwarcom",
        "iraqi-officials",
        "kataib-hezbollah",
        "pentagon-official",
    ]
    assert 'data-page-range="A–P">names A–P</span>' in first
    assert '<a rel="next" href="?page_size=4&amp;page=2">next →</a>' in first
    assert "older →" not in first and "← newer" not in first
    second = reader_client.get(URL + "?page_size=4&page=2").content.decode()
    assert 'data-page-range="P–T">names P–T</span>' in second
    assert ">← previous</a>" in second
    # Sorted by a figure, the pages have no letters to show.
    by_figure = reader_client.get(URL + "?page_size=4&sort=-claims_relayed").content.decode()
    assert "data-page-range" not in by_figure
    assert ">next →</a>" in by_figure


@pytest.mark.parametrize(
    ("asked", "clean"),
    [
        ("/reports/sources/?search=&kind=armed_group&sort=", "/reports/sources/?kind=armed_group"),
        ("/reports/sources/?search=&kind=", "/reports/sources/"),
        (
            "/reports/disputed/?search=&disputed_by=kataib-hezbollah&dispute_kind=&source="
            "&origin=&origin_kind=&verdict=&topic=&reported_after=&reported_before="
            "&min_independent_origins=&single_origin_echo=&authorship_contested=&as_of="
            "&ordering=",
            "/reports/disputed/?disputed_by=kataib-hezbollah",
        ),
        (
            "/reports/disputed/?verdict=unrated&verdict=&search=%20",
            "/reports/disputed/?verdict=unrated",
        ),
    ],
)
def test_empty_parameters_redirect_to_the_clean_url(reader_client, seed, asked, clean):
    """A submitted filter form's empty fields are dropped by a redirect: no JavaScript needed."""
    response = reader_client.get(asked)
    assert response.status_code == 302
    assert response["Location"] == clean
    assert reader_client.get(clean).status_code == 200


def test_claim_page_and_csv_with_empty_parameters(reader_client, seed):
    pk = seed.telegram_claim.pk
    response = reader_client.get(f"/reports/claims/{pk}/?as_of=")
    assert (response.status_code, response["Location"]) == (302, f"/reports/claims/{pk}/")
    # A CSV download is answered where it was asked: a script that does not follow
    # redirects still gets its file.
    csv = reader_client.get("/reports/disputed/?disputed_by=&format=csv")
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert TELEGRAM_TEXT in body
