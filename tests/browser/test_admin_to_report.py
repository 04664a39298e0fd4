"""An editor adds a dispute through the claim admin's inline; the report draws it."""

import pytest

from claims.models import Claim, Dispute
from tests.conftest import DRONE_TEXT

pytestmark = [pytest.mark.browser]


def choose(page, row: str, field: str, search: str, expect: str | None = None) -> None:
    """Pick the first match in one of the admin's autocomplete (select2) widgets.

    select2 waits a moment before it asks the server, so until then the highlighted option is
    still the first of the unfiltered list: wait until it shows what the search must find.
    """
    page.locator(f"#id_{row}-{field} + .select2 .select2-selection").click()
    page.fill(".select2-container--open .select2-search__field", search)
    option = page.locator(".select2-results__option--highlighted", has_text=expect or search)
    option.wait_for()
    option.click()


def test_dispute_added_in_admin_appears_in_report(page, demo_server, artifacts):
    base = demo_server.url
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw-editor-browser")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")

    claim = Claim.objects.get(text=DRONE_TEXT)
    reuters_hop = claim.attributions.get(source__slug="reuters")
    page.goto(f"{base}/admin/claims/claim/{claim.pk}/change/")
    # The report link the admin shows goes to the reader's page for this claim.
    assert page.locator(f'a[href="/reports/claims/{claim.pk}/"]').count() >= 1

    page.click("#disputes-group .add-row a")
    choose(page, "disputes-0", "disputed_by", "Pentagon")
    page.select_option("#id_disputes-0-kind", "contradiction")
    choose(page, "disputes-0", "target", "Reuters al-Asad", expect="Reuters")
    page.fill("#id_disputes-0-quote", "There was no drone attack on Ain al-Asad")
    page.fill("#id_disputes-0-stated_at", "2024-04-23")
    page.screenshot(path=str(artifacts / "admin-dispute-inline.png"), full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0, page.locator(".errornote").inner_text()

    dispute = Dispute.objects.get(claim=claim, kind="contradiction")
    assert dispute.target_id == reuters_hop.pk
    assert dispute.disputed_by.slug == "pentagon-official"

    page.goto(f"{base}/reports/disputed/?disputed_by=pentagon-official")
    entry = page.locator("article.claim", has_text=DRONE_TEXT)
    assert page.locator("article.claim").count() == 1
    box = entry.locator(f'.dispute[data-dispute-id="{dispute.pk}"]')
    assert box.is_visible()
    assert box.get_attribute("data-target-hop") == str(reuters_hop.pk)
    assert "CONTRADICTED" in box.inner_text()
    assert "There was no drone attack on Ain al-Asad" in box.inner_text()
    # Drawn in the Reuters column: under the Reuters box of the first chain.
    reuters = entry.locator(f'.hop[data-hop-id="{reuters_hop.pk}"]').first
    hop_box, dispute_box = reuters.bounding_box(), box.bounding_box()
    assert abs(hop_box["x"] - dispute_box["x"]) < 2
    assert dispute_box["y"] > hop_box["y"] + hop_box["height"]
    page.screenshot(path=str(artifacts / "report-after-admin-dispute.png"), full_page=True)
