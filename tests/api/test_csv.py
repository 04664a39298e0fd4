"""CSV export: every list, all matching rows, streamed, formula cells defused."""

import csv
import io

import pytest

from claims.projection import CSV_HEADER as CLAIM_CSV_HEADER
from tests.factories import ClaimFactory

from .conftest import ALL_CLAIMS, TELEGRAM, TELEGRAM_CHAIN

pytestmark = pytest.mark.django_db

# Every claims CSV ends with ``refreshing``, computed from the column (issue 13).
CLAIM_CSV_COLUMNS = [*CLAIM_CSV_HEADER, "refreshing"]


def read_csv(response) -> list[dict]:
    """Parse a streamed CSV response back into dicts (asserting it is one)."""
    assert response.status_code == 200, response.content
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_disputed_claims_csv_has_the_telegram_chain(seed, researcher_api):
    response = researcher_api.get("/api/v1/claims/?disputed=true&format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'
    [row] = read_csv(response)
    assert list(row) == CLAIM_CSV_COLUMNS
    assert row["refreshing"] == "false"
    assert row["text"] == TELEGRAM
    assert row["chain_names"] == TELEGRAM_CHAIN
    telegram = "telegram-channel-affiliated-with-kataib-hezbollah"
    assert row["chains"] == f"{telegram} > reuters > antiwarcom"
    assert row["origins"] == telegram
    assert row["origin_names"] == "Telegram channel affiliated with Kataib Hezbollah"
    assert row["is_disputed"] == "true" and row["dispute_count"] == "1"
    assert row["authorship_contested"] == "true" and row["independent_origin_count"] == "1"
    dispute = seed.telegram_claim.disputes.get()
    assert row["disputes"] == (
        f"#{dispute.pk} Kataib Hezbollah, authorship_denial of Telegram channel affiliated "
        "with Kataib Hezbollah's hop 2024-04-22: “fabricated news” (open)"
    )
    assert row["first_reported_at"] == "2024-04-22"


def test_bom_for_spreadsheets(seed, researcher_api):
    response = researcher_api.get("/api/v1/claims/?disputed=true&format=csv&bom=1")
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode()) and body[3:].startswith(b"id,text,")
    plain = researcher_api.get("/api/v1/claims/?disputed=true&format=csv")
    assert b"".join(plain.streaming_content).startswith(b"id,text,")


def test_accept_header_gives_csv_too(seed, researcher_api):
    response = researcher_api.get("/api/v1/claims/?disputed=true", HTTP_ACCEPT="text/csv")
    assert [row["text"] for row in read_csv(response)] == [TELEGRAM]


def test_csv_has_every_matching_row_not_one_page(seed, researcher_api):
    rows = read_csv(researcher_api.get("/api/v1/claims/?format=csv&page_size=2"))
    assert {row["text"] for row in rows} == ALL_CLAIMS
    two_origins = next(row for row in rows if row["text"].startswith("A drone attack"))
    assert two_origins["origins"] == "us-officials; iraqi-officials"
    assert two_origins["chain_names"] == (
        "US officials → Reuters → Antiwar.com | Iraqi officials → Reuters → Antiwar.com"
    )
    assert two_origins["chains"] == (
        "us-officials > reuters > antiwarcom | iraqi-officials > reuters > antiwarcom"
    )
    assert two_origins["origin_names"] == "US officials; Iraqi officials"


def test_csv_defuses_formula_cells(researcher_api):
    ClaimFactory(text='=HYPERLINK("http://evil.example","click")')
    ClaimFactory(text="+1 rocket")
    ClaimFactory(text="-2 rockets")
    ClaimFactory(text="@SUM(A1)")
    texts = {row["text"] for row in read_csv(researcher_api.get("/api/v1/claims/?format=csv"))}
    assert texts == {
        '\'=HYPERLINK("http://evil.example","click")',
        "'+1 rocket",
        "'-2 rockets",
        "'@SUM(A1)",
    }


def test_empty_csv_still_has_its_header(seed, researcher_api):
    response = researcher_api.get("/api/v1/claims/?format=csv&verdict=false")
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines() == [",".join(CLAIM_CSV_COLUMNS)]


@pytest.mark.parametrize(
    ("name", "query", "column", "expected"),
    [
        ("sources", "affiliated_with=kataib-hezbollah", "slug",
         ["telegram-channel-affiliated-with-kataib-hezbollah"]),
        ("documents", "publisher=antiwarcom", "author", ["Dave DeCamp"]),
        ("disputes", "disputed_by=kataib-hezbollah", "quote", ["fabricated news"]),
        ("attributions", "source=stars-and-stripes", "relation", ["paraphrases"]),
        ("topics", "search=withdrawal", "slug", ["us-withdrawal-from-iraq"]),
    ],
)  # fmt: skip
def test_every_list_exports_filtered_csv(seed, researcher_api, name, query, column, expected):
    response = researcher_api.get(f"/api/v1/{name}/?{query}&format=csv")
    assert response["Content-Disposition"] == f'attachment; filename="{name}.csv"'
    rows = read_csv(response)
    assert [row[column] for row in rows] == expected
    assert "id" in rows[0]


def test_hop_csv_joins_cited_ids(seed, researcher_api):
    claim = seed.telegram_claim
    reuters = claim.attributions.get(source__slug="reuters")
    antiwar = claim.attributions.get(source__slug="antiwarcom")
    rows = read_csv(researcher_api.get(f"/api/v1/attributions/?claim={claim.pk}&format=csv"))
    by_id = {row["id"]: row for row in rows}
    assert by_id[str(antiwar.pk)]["cites"] == str(reuters.pk)
    assert by_id[str(antiwar.pk)]["source"] == "antiwarcom"


def test_claim_detail_csv_is_one_row(seed, researcher_api):
    claim = seed.telegram_claim
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/?format=csv")
    assert response["Content-Disposition"] == f'attachment; filename="claims-{claim.pk}.csv"'
    [row] = read_csv(response)
    assert row["chain_names"] == TELEGRAM_CHAIN
