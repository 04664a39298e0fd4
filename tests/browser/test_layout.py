"""Layout at a laptop's 1280 px and a phone's 390 px, in Debian's Chromium (issue 16).

Every report, the admin claim list and the claim change page are drawn at both widths and
saved under ``test-artifacts/screenshots/`` (look at them). The assertions are the ones a
reader would notice: the page never scrolls sideways, the claim list's verdict column is
on screen, a denial is drawn beside or below the hop it contests and never between two
hops of the chain, the filter form folds away on a phone, a printout says what it shows,
and the spreadsheet import says what is wrong with each row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.models import Claim
from sources.models import Source
from tests.conftest import DRONE_TEXT, TELEGRAM_TEXT

from .conftest import PASSWORDS

pytestmark = [pytest.mark.browser]

WIDTHS = [1280, 390]
HEIGHT = {1280: 900, 390: 844}


@pytest.fixture
def shots(artifacts) -> Path:
    """``test-artifacts/screenshots/``: one PNG per page and width."""
    folder = artifacts / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


def at_width(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": HEIGHT[width]})


def assert_no_sideways_scroll(page) -> None:
    """The page itself never scrolls sideways (tables may, inside their own box)."""
    scroll_width, inner_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, (
        f"{page.url} is {scroll_width} px wide in a {inner_width} px window"
    )


def admin_log_in(page, base: str) -> None:
    """Log the editor in through the admin's own login form."""
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORDS["editor"])
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def overlaps(a: dict, b: dict) -> bool:
    """Whether two bounding boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def segment_hits_box(start: tuple, end: tuple, box: dict, steps: int = 200) -> bool:
    """Whether the straight line from ``start`` to ``end`` passes through ``box``."""
    for i in range(steps + 1):
        x = start[0] + (end[0] - start[0]) * i / steps
        y = start[1] + (end[1] - start[1]) * i / steps
        if box["x"] < x < box["x"] + box["width"] and box["y"] < y < box["y"] + box["height"]:
            return True
    return False


def centre(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("width", WIDTHS)
def test_reports_never_scroll_sideways(page, log_in, demo_server, shots, width):
    log_in("reader", "/reports/disputed/")
    telegram = Claim.objects.get(text=TELEGRAM_TEXT)
    at_width(page, width)
    pages = {
        "disputed": "/reports/disputed/",
        "sources": "/reports/sources/",
        "claim": f"/reports/claims/{telegram.pk}/",
    }
    for name, path in pages.items():
        page.goto(demo_server.url + path)
        assert page.locator("main h1").first.is_visible()
        page.screenshot(path=str(shots / f"report-{name}-{width}.png"), full_page=True)
        assert_no_sideways_scroll(page)

    page.goto(demo_server.url + "/reports/sources/")
    table_box = page.locator(".table-scroll")
    assert table_box.locator('tr[data-source-slug="kataib-hezbollah"]').is_visible()
    inner, outer = table_box.evaluate("box => [box.scrollWidth, box.clientWidth]")
    if width == 390:
        # Seven columns do not fit a phone: the table scrolls in its own box, not the page.
        assert inner > outer
    else:
        assert inner <= outer


@pytest.mark.parametrize("width", WIDTHS)
def test_denial_is_beside_or_below_its_hop_never_between_two_hops(
    page, log_in, demo_server, shots, width
):
    log_in("reader", "/reports/disputed/")
    at_width(page, width)
    page.reload()
    entry = page.locator("article.claim", has_text=TELEGRAM_TEXT)
    hops = entry.locator(".chain .hop")
    assert hops.count() == 3
    boxes = [hops.nth(i).bounding_box() for i in range(3)]
    denial = entry.locator('.dispute[data-dispute-kind="authorship_denial"]')
    assert denial.is_visible()
    assert "fabricated news" in denial.inner_text()
    box = denial.bounding_box()
    target_id = denial.get_attribute("data-target-hop")
    [target] = [
        b for i, b in enumerate(boxes) if hops.nth(i).get_attribute("data-hop-id") == target_id
    ]
    entry.screenshot(path=str(shots / f"disputed-telegram-entry-{width}.png"))

    # Not in the line of the chain: the path from each hop to the next misses the denial,
    # and the denial overlaps no hop.
    for first, second in zip(boxes, boxes[1:], strict=False):
        assert not segment_hits_box(centre(first), centre(second), box), (
            f"at {width} px the denial sits between two hops of the chain"
        )
    assert not any(overlaps(box, hop) for hop in boxes)

    # Below its hop (in its column) or beside it (level with it, to its right).
    below = box["y"] >= target["y"] + target["height"] - 1 and (
        box["x"] < target["x"] + target["width"] and target["x"] < box["x"] + box["width"]
    )
    beside = box["x"] >= target["x"] + target["width"] - 1 and (
        box["y"] < target["y"] + target["height"] and target["y"] < box["y"] + box["height"]
    )
    assert below or beside, f"at {width} px the denial is neither below nor beside its hop"
    if width == 390:
        # The chain runs down the page: the next hop comes after the hop and its denial.
        assert boxes[1]["y"] >= max(target["y"] + target["height"], box["y"] + box["height"])
        assert beside
    else:
        assert below


@pytest.mark.parametrize("width", WIDTHS)
def test_disputed_filters_fold_away_on_a_phone_and_the_url_stays_clean(
    page, log_in, demo_server, shots, width
):
    log_in("reader", "/reports/disputed/")
    at_width(page, width)
    page.reload()
    form = page.locator("form.filters")
    first_claim = page.locator("article.claim").first
    if width == 390:
        # Folded: one summary line, and the first result on the first screen.
        assert not form.is_visible()
        assert page.locator(".filters-summary").is_visible()
        assert first_claim.bounding_box()["y"] < HEIGHT[width]
        page.screenshot(path=str(shots / f"report-disputed-folded-{width}.png"))
        page.click(".filters-summary")
    assert form.is_visible()
    page.fill("#f-disputed_by", "kataib-hezbollah")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/reports/disputed/?disputed_by=kataib-hezbollah")
    # The form sent all fifteen fields; the report answered at the URL without the empty ones.
    assert page.url.endswith("/reports/disputed/?disputed_by=kataib-hezbollah")
    assert page.locator("article.claim").count() == 1
    summary = page.locator(".filters-summary")
    if width == 390:
        assert "disputed_by: kataib-hezbollah" in summary.inner_text()
    assert_no_sideways_scroll(page)


def test_printout_carries_title_url_time_and_filters(page, log_in, demo_server, shots):
    log_in("reader", "/reports/disputed/?disputed_by=kataib-hezbollah&verdict=unrated")
    header = page.locator(".print-header")
    assert not header.is_visible()  # paper only
    page.emulate_media(media="print")
    assert header.is_visible()
    text = header.inner_text()
    assert "Disputed claims" in text
    assert f"{demo_server.url}/reports/disputed/?disputed_by=kataib-hezbollah&verdict=unrated" in (
        text
    )
    assert "disputed_by: kataib-hezbollah" in text and "verdict: unrated" in text
    made = header.locator("time").get_attribute("datetime")
    assert made[:4].isdigit() and "T" in made
    assert not page.locator("details.filters-box").is_visible()
    page.screenshot(path=str(shots / "report-disputed-print-1280.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_claim_list_fits_with_the_sidebar_open(page, demo_server, shots, width):
    admin_log_in(page, demo_server.url)
    at_width(page, width)
    page.goto(f"{demo_server.url}/admin/claims/claim/")
    assert page.locator("#result_list tbody tr").count() == Claim.objects.count()
    page.screenshot(path=str(shots / f"admin-claim-list-{width}.png"), full_page=True)
    assert_no_sideways_scroll(page)
    if width != 1280:
        return
    assert page.locator("#nav-sidebar").is_visible()  # the sidebar is open
    results = page.locator("#changelist .results")
    inner, outer = results.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert inner <= outer, f"the claim table is {inner} px wide in a {outer} px area"
    area = results.bounding_box()
    for column in ("verdict_and_credibility", "independent_origins", "disputes"):
        header = page.locator(f"#result_list thead th.column-{column}")
        assert header.is_visible()
        box = header.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= 1280, column
        assert box["x"] + box["width"] <= area["x"] + area["width"] + 1, column
    verdict = page.locator("#result_list thead th.column-verdict_and_credibility")
    assert verdict.inner_text().strip().lower() == "verdict"
    telegram_row = page.locator("#result_list tbody tr", has_text=TELEGRAM_TEXT[:40])
    cell = telegram_row.locator("td.field-verdict_and_credibility")
    assert cell.inner_text().split() == ["unrated", "credibility", "6"]


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_claim_change_page(page, demo_server, shots, width):
    admin_log_in(page, demo_server.url)
    at_width(page, width)
    drone = Claim.objects.get(text=DRONE_TEXT)
    page.goto(f"{demo_server.url}/admin/claims/claim/{drone.pk}/change/")
    page.screenshot(path=str(shots / f"admin-claim-change-{width}.png"), full_page=True)
    assert_no_sideways_scroll(page)

    # The chain-lines box is empty: its placeholder reads as an example, not as data.
    chain_lines = page.locator("textarea.chain-lines")
    assert chain_lines.input_value() == ""
    assert chain_lines.get_attribute("placeholder").startswith("e.g. ")
    # The credibility panel says the grade once.
    editor_grade = page.locator(".cred-editor").inner_text()
    assert editor_grade == "Editor’s: 6: truth cannot be judged"

    if width != 1280:
        return
    # Reuters' hop cites both officials: neither chip lies under the clear-all ×.
    cites = page.locator(".field-cites").filter(has_text="Iraqi officials on claim").first
    cites.scroll_into_view_if_needed()
    chips = cites.locator(".select2-selection__choice")
    assert chips.count() == 2
    clear = cites.locator(".select2-selection__clear")
    assert clear.is_visible()
    clear_box = clear.bounding_box()
    for i in range(chips.count()):
        chip_box = chips.nth(i).bounding_box()
        assert not overlaps(clear_box, chip_box), chips.nth(i).inner_text()
        # The chip shows its whole label: nothing cut off at the box's edge.
        assert chips.nth(i).evaluate("chip => chip.scrollWidth <= chip.clientWidth")
    cites.screenshot(path=str(shots / "admin-hop-cites-1280.png"))


BAD_SOURCES = (
    "slug,name,kind,is_anonymous,affiliated_with,affiliation,country,reliability,description,url\n"
    "yahya-saree,Yahya Saree,official,0,houthis-nowhere,affiliated_with,YE,F,"
    "Military spokesman of the Houthis (Ansar Allah),\n"
    "al-jazeera,Al Jazeera,broadcaster,0,,,QA,C,Qatari broadcaster,https://www.aljazeera.com/\n"
    "centcom,CENTCOM,military,0,,,US,B,United States Central Command,https://www.centcom.mil/\n"
)


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_import_says_each_rows_errors_in_words(page, demo_server, shots, tmp_path, width):
    upload = tmp_path / "sources.csv"
    upload.write_text(BAD_SOURCES, encoding="utf-8")
    admin_log_in(page, demo_server.url)
    at_width(page, width)
    page.goto(f"{demo_server.url}/admin/sources/source/import/")
    page.set_input_files("input[type=file]", str(upload))
    page.select_option("select[name=format]", label="csv")
    page.click("input[type=submit]")
    rows = page.locator(".import-row-error")
    rows.first.wait_for()
    assert rows.count() == 2
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "Row 1 (file line 2)" in first
    assert "affiliated_with: No source has the slug “houthis-nowhere”." in first
    assert "Row 2 (file line 3)" in second
    assert "kind: Value 'broadcaster' is not a valid choice." in second
    assert "Allowed values: news_agency, news_outlet, government, official," in second
    totals = page.locator("[data-import-totals]").inner_text()
    assert totals == "3 rows read: 2 failed, 1 would be new, 0 would change, 0 unchanged."
    # The words are on the page, not behind a hover badge.
    assert page.locator(".validation-error-count").count() == 0
    assert page.locator("td.import-errors-words").first.is_visible()
    page.screenshot(path=str(shots / f"admin-import-errors-{width}.png"), full_page=True)
    assert_no_sideways_scroll(page)
    # Nothing was imported, the valid row included.
    assert not Source.objects.filter(slug__in=["yahya-saree", "al-jazeera", "centcom"]).exists()


GOOD_SOURCES = (
    "slug,name,kind,is_anonymous,affiliated_with,affiliation,country,reliability,description,url\n"
    "centcom,CENTCOM,military,0,,,US,B,"
    "\"United States Central Command, the US military's command for the Middle East and "
    'Central Asia; it issues statements on strikes in Iraq, Syria and Yemen",'
    "https://www.centcom.mil/MEDIA/PRESS-RELEASES/Press-Release-View/Article/3000000/"
    "centcom-statement-on-strikes-against-iranian-backed-militia-facilities-in-iraq/\n"
)


def test_admin_import_preview_fits_and_says_what_it_will_do(page, demo_server, shots, tmp_path):
    upload = tmp_path / "sources.csv"
    upload.write_text(GOOD_SOURCES, encoding="utf-8")
    admin_log_in(page, demo_server.url)
    for width in WIDTHS:
        at_width(page, width)
        page.goto(f"{demo_server.url}/admin/sources/source/import/")
        page.set_input_files("input[type=file]", str(upload))
        page.select_option("select[name=format]", label="csv")
        page.click("input[type=submit]")
        totals = page.locator("[data-import-totals]")
        totals.wait_for()
        assert totals.inner_text() == (
            "1 row read: 1 new, 0 to change, 0 unchanged. Nothing is saved until you confirm."
        )
        assert page.locator("table.import-preview tr.new").count() == 1
        page.screenshot(path=str(shots / f"admin-import-preview-{width}.png"), full_page=True)
        assert_no_sideways_scroll(page)
    assert not Source.objects.filter(slug="centcom").exists()  # not confirmed: not saved
