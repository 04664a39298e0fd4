"""/reports/claims/<id>/: one claim's chains, disputes, verdict and verdict history."""

from django.urls import NoReverseMatch, reverse

from claims import services
from tests.conftest import DRONE_TEXT, TELEGRAM_TEXT

from .html import text_of, with_attribute


def test_unknown_claim_is_404(reader_client, db):
    assert reader_client.get("/reports/claims/999999/").status_code == 404


def test_undisputed_claim_with_two_origins(reader_client, seed):
    claim = seed.drone_claim
    page = reader_client.get(f"/reports/claims/{claim.pk}/").content.decode()
    chains = page.split('<ol class="chain"')[1:]
    slugs = [[m["data-source-slug"] for m in with_attribute(c, "data-source-slug")] for c in chains]
    assert slugs == [
        ["us-officials", "reuters", "antiwarcom"],
        ["iraqi-officials", "reuters", "antiwarcom"],
    ]
    text = text_of(page)
    assert DRONE_TEXT in text
    assert "official · anonymous" in text
    assert "Nobody has contested this claim." in text
    assert "Not reviewed yet." in text


def test_verdict_explanation_reviewer_and_history(reader_client, seed, editor):
    claim = seed.telegram_claim
    claim._history_user = editor  # what the request middleware does for an admin edit
    services.verdict_set(
        claim=claim,
        verdict="misattributed",
        explanation="The militia denies the post.",
        user=editor,
    )
    claim._history_user = editor
    services.verdict_set(
        claim=claim, verdict="unverifiable", explanation="No archive.", user=editor
    )
    page = reader_client.get(f"/reports/claims/{claim.pk}/").content.decode()
    text = text_of(page)
    assert TELEGRAM_TEXT in text
    assert "Verdict: unverifiable" in text
    assert "No archive." in text
    assert "Reviewed by editor on" in text
    rows = [
        row["data-verdict"] for row in with_attribute(page, "data-verdict") if row["tag"] == "tr"
    ]
    assert rows == ["unrated", "misattributed", "unverifiable"]
    assert "unrated → misattributed editor The militia denies the post." in text
    assert "misattributed → unverifiable editor No archive." in text
    # All disputes are listed, each saying which hop it targets.
    assert (
        "authorship denied by Kataib Hezbollah, 2024-04-22 of Telegram channel affiliated" in text
    )


def test_admin_link_only_for_staff(client, seed, editor, reader):
    url = f"/reports/claims/{seed.telegram_claim.pk}/"
    client.force_login(reader)
    assert "edit in admin" not in client.get(url).content.decode()
    client.force_login(editor)
    page = client.get(url).content.decode()
    try:
        admin_url = reverse("admin:claims_claim_change", args=[seed.telegram_claim.pk])
    except NoReverseMatch:  # Claim not registered in the admin yet
        assert "edit in admin" not in page
    else:
        assert f'href="{admin_url}">edit in admin' in page
