"""The disputed report in a real browser: the chain reads left to right, the denial sits
under the Telegram box, the filter form and the CSV download work, and it prints cleanly."""

import csv

import pytest

from tests.conftest import TELEGRAM_TEXT

pytestmark = [pytest.mark.browser]

TELEGRAM_CHAIN = ["telegram-channel-affiliated-with-kataib-hezbollah", "reuters", "antiwarcom"]


def telegram_entry(page):
    return page.locator("article.claim", has_text=TELEGRAM_TEXT)


def test_disputed_report_draws_chain_and_denial(page, log_in, artifacts):
    log_in("reader")
    entry = telegram_entry(page)
    hops = entry.locator(".chain .hop")
    assert hops.count() == 3
    slugs = [hops.nth(i).get_attribute("data-source-slug") for i in range(3)]
    assert slugs == TELEGRAM_CHAIN
    boxes = [hops.nth(i).bounding_box() for i in range(3)]
    for hop_index in range(3):
        assert hops.nth(hop_index).is_visible()
    # Left to right, on one row, not overlapping.
    assert boxes[0]["x"] + boxes[0]["width"] < boxes[1]["x"]
    assert boxes[1]["x"] + boxes[1]["width"] < boxes[2]["x"]
    assert abs(boxes[0]["y"] - boxes[2]["y"]) < 2

    denial = entry.locator('.dispute[data-dispute-kind="authorship_denial"]')
    assert denial.is_visible()
    assert denial.get_attribute("data-target-hop") == hops.nth(0).get_attribute("data-hop-id")
    text = denial.inner_text()
    assert "AUTHORSHIP DENIED" in text  # upper-cased by the stylesheet
    assert "Kataib Hezbollah" in text and "fabricated news" in text
    box = denial.bounding_box()
    # Under the first box, and in its column: left of the Reuters box.
    assert box["y"] >= boxes[0]["y"] + boxes[0]["height"]
    assert box["y"] - (boxes[0]["y"] + boxes[0]["height"]) < 40
    assert abs(box["x"] - boxes[0]["x"]) < 2
    assert box["x"] + box["width"] < boxes[1]["x"]

    page.screenshot(path=str(artifacts / "disputed-report.png"), full_page=True)
    entry.screenshot(path=str(artifacts / "disputed-telegram-claim.png"))


def test_filter_by_disputed_by_through_the_form(page, log_in, artifacts):
    log_in("reader")
    # The source fields suggest from one list of every source: slug as value, name as label.
    # The page ships it empty; the first focus on a source field fills it (source-list.js).
    assert page.locator("#source-list option").count() == 0
    assert page.locator("#f-disputed_by").get_attribute("list") == "source-list"
    page.focus("#f-disputed_by")
    suggestion = page.locator('#source-list option[value="kataib-hezbollah"]')
    suggestion.wait_for(state="attached")
    assert suggestion.text_content() == "Kataib Hezbollah"
    assert page.locator('#source-list option[value="reuters"]').text_content() == "Reuters"
    page.fill("#f-disputed_by", "kataib-hezbollah")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**disputed_by=kataib-hezbollah**")
    assert page.locator("article.claim").count() == 1
    assert telegram_entry(page).is_visible()
    assert page.locator("#f-disputed_by").input_value() == "kataib-hezbollah"
    assert page.locator("[data-summary]").get_attribute("data-total") == "1"

    page.fill("#f-disputed_by", "reuters")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**disputed_by=reuters**")
    assert page.locator("article.claim").count() == 0
    assert page.locator(".empty").inner_text() == "No disputed claim matches these filters."
    page.screenshot(path=str(artifacts / "disputed-filtered-empty.png"), full_page=True)


def test_csv_download_carries_the_filters(page, log_in):
    log_in("reader", "/reports/disputed/?disputed_by=kataib-hezbollah")
    with page.expect_download() as info:
        page.click("a.csv-link")
    download = info.value
    assert download.suggested_filename == "disputed-claims.csv"
    assert "disputed_by=kataib-hezbollah" in download.url
    with open(download.path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["text"] for row in rows] == [TELEGRAM_TEXT]
    row = rows[0]
    telegram = "Telegram channel affiliated with Kataib Hezbollah"
    assert row["chain_names"] == f"{telegram} → Reuters → Antiwar.com"
    assert "Kataib Hezbollah, authorship_denial" in row["disputes"]
    assert "fabricated news" in row["disputes"]


def test_print_view_hides_navigation_and_keeps_the_chain(page, log_in, artifacts):
    log_in("reader")
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("a.csv-link").is_visible()
    entry = telegram_entry(page)
    hops = entry.locator(".chain .hop")
    boxes = [hops.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert entry.locator(".dispute").is_visible()
    page.screenshot(path=str(artifacts / "disputed-report-print.png"), full_page=True)
    page.pdf(path=str(artifacts / "disputed-report.pdf"), format="A4")


def test_sources_and_claim_pages(page, log_in, artifacts):
    log_in("reader", "/reports/sources/")
    row = page.locator('tr[data-source-slug="kataib-hezbollah"]')
    assert row.locator('[data-column="disputes_raised"]').inner_text() == "1"
    page.click('th[data-column="claims_relayed"] a')
    page.wait_for_url("**sort=claims_relayed**")
    page.click('th[data-column="claims_relayed"] a')
    page.wait_for_url("**sort=-claims_relayed**")
    first = page.locator("tbody tr").first.get_attribute("data-source-slug")
    assert first == "antiwarcom"
    page.screenshot(path=str(artifacts / "sources-report.png"), full_page=True)

    page.goto(page.url.split("/reports/")[0] + "/reports/disputed/")
    telegram_entry(page).locator("h2.claim-text a").click()
    page.wait_for_url("**/reports/claims/*/")
    assert page.locator("h1.claim-text").inner_text() == TELEGRAM_TEXT
    assert page.locator(".verdict-history tbody tr").count() >= 1
    page.screenshot(path=str(artifacts / "claim-report.png"), full_page=True)
