"""An editor enters a whole story from an empty source list in at most two submissions.

DESIGN.md, "The editors' admin": the seed's Telegram claim, its chain of five new sources
(named with their kinds in brackets) and Kataib Hezbollah's authorship denial, entered on
the claim add form, confirmed once. The test counts page loads and form submissions.
"""

import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims.models import Claim, Dispute
from sources.models import Source
from tests.browser.conftest import ensure_editors_group

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-editor-story"
TELEGRAM_TEXT = "Attacks on US forces resumed because there was no progress toward a US withdrawal"
CHANNEL = "Telegram channel affiliated with Kataib Hezbollah"
CHAIN = (
    f"{CHANNEL} [social_channel, affiliated with Kataib Hezbollah [armed_group, part of "
    "Popular Mobilization Forces [armed_group]]] → Reuters [news_agency] → "
    "Antiwar.com [news_outlet]"
)


@pytest.fixture
def empty_server(live_server, transactional_db, django_db_serialized_rollback):
    """A live server with no sources at all and one editor."""
    ensure_editors_group()
    editor = get_user_model().objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    assert not Source.objects.exists()
    return live_server


def test_telegram_story_with_denial_takes_two_submissions(page, empty_server, artifacts):
    base = empty_server.url
    page.goto(f"{base}/admin/login/?next=/admin/claims/claim/add/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/claims/claim/add/")

    # Count from the empty add form on (its load is the first): every page the browser
    # loads, every form it posts.
    loads, submissions = [page.url], []
    page.on(
        "request",
        lambda request: (
            submissions.append(request.url)
            if request.method == "POST" and request.is_navigation_request()
            else None
        ),
    )
    page.on("load", lambda: loads.append(page.url))

    page.fill("#id_text", TELEGRAM_TEXT)
    page.fill("#id_chain_lines", CHAIN)
    page.click("#disputes-group .add-row a")
    page.fill("#id_disputes-0-disputed_by_name", "Kataib Hezbollah")
    page.fill("#id_disputes-0-target_source", CHANNEL)
    page.select_option("#id_disputes-0-kind", "authorship_denial")
    page.fill("#id_disputes-0-quote", "fabricated news")
    page.fill("#id_disputes-0-stated_at", "2024-04-22")
    page.click("input[name=_save]")
    page.wait_for_load_state()

    # The first submission shows what will be created and asks to confirm; nothing saved yet.
    confirmation = page.locator(".field-chain_lines .errorlist").inner_text()
    assert "Saving will create 5 new sources" in confirmation
    assert "New: Kataib Hezbollah (armed group, part of Popular Mobilization Forces)" in (
        confirmation
    )
    assert page.input_value("#id_disputes-0-disputed_by_name") == "Kataib Hezbollah"
    assert not Source.objects.exists() and not Claim.objects.exists()
    page.screenshot(path=str(artifacts / "admin-story-confirm.png"), full_page=True)

    page.click("input[name=_save]")
    page.wait_for_url(f"{base}/admin/claims/claim/")
    assert page.locator(".messagelist .success").count() == 1

    assert len(submissions) <= 2, submissions
    assert len(submissions) == 2 and len(loads) == 3, (submissions, loads)
    claim = Claim.objects.get(text=TELEGRAM_TEXT)
    hops = list(claim.attributions.order_by("id").select_related("source"))
    assert [hop.source.name for hop in hops] == [CHANNEL, "Reuters", "Antiwar.com"]
    assert [hop.relation for hop in hops] == ["asserts", "paraphrases", "paraphrases"]
    dispute = Dispute.objects.get(claim=claim)
    assert (dispute.disputed_by.name, dispute.kind, dispute.quote) == (
        "Kataib Hezbollah",
        "authorship_denial",
        "fabricated news",
    )
    assert dispute.target_id == hops[0].pk
    assert Source.objects.get(name="Kataib Hezbollah").affiliated_with.name == (
        "Popular Mobilization Forces"
    )
    assert Source.objects.count() == 5
    # What the editor sees next: the claim's page draws the denial beside the channel's hop.
    page.goto(f"{base}/admin/claims/claim/{claim.pk}/change/")
    assert "fabricated news" in page.locator(".field-provenance_panel").inner_text()
    page.screenshot(path=str(artifacts / "admin-story-saved.png"), full_page=True)
    if os.environ.get("FACTCHECK_STORY_FIGURES"):
        print(f"page loads {len(loads)}, submissions {len(submissions)}")
