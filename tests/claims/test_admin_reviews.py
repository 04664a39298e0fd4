"""The admin's reviews: the inline on the claim page, ReviewAdmin, and the ClaimReview upload."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims import reviews, services
from claims.models import Claim, Review
from tests.claims.test_admin import add_row, formset_post_data, prefixes
from tests.factories import ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

REALWORLD = Path(__file__).parent.parent / "standards" / "fixtures" / "realworld"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_claim_page_adds_a_review_inline_and_keeps_the_verdict(editor_client, editor):
    claim = ClaimFactory(text="A claim the editors rated true")
    services.verdict_set(claim=claim, verdict="true", explanation="Ours.", user=editor)
    afp = SourceFactory(name="AFP Factual", kind="organization")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    assert "Reviews by fact-checkers" in page.content.decode()
    data = formset_post_data(page)
    add_row(
        data,
        prefixes(page)[Review],
        {
            "author": str(afp.pk),
            "verdict": "false",
            "rating_text": "Falso",
            "url": "https://factual.afp.com/x",
        },
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"]
    ]
    review = claim.reviews.get()
    assert (review.author, review.verdict, review.verdict_basis, review.rating_text) == (
        afp,
        "false",
        "editor",
        "Falso",
    )
    claim.refresh_from_db()
    assert claim.verdict == "true"


def test_review_admin_lists_filters_and_edits_through_the_service(editor_client):
    claim = ClaimFactory(text="Reviewed claim")
    lupa = SourceFactory(name="Agência Lupa", kind="organization")
    review = reviews.review_create(
        claim=claim,
        author=lupa,
        url="https://lupa.example/1",
        rating_text="Uma frase que a tabela não conhece",
        verdict="unmapped",
        verdict_basis="table",
    )
    listing = editor_client.get(
        reverse("admin:claims_review_changelist"), {"verdict__exact": "unmapped"}
    )
    assert listing.status_code == 200
    assert "Uma frase que a tabela não conhece" in listing.content.decode()
    assert "Import ClaimReview file" in listing.content.decode()

    change = reverse("admin:claims_review_change", args=[review.pk])
    page = editor_client.get(change)
    data = formset_post_data(page)
    data["verdict"] = "unverifiable"
    response = editor_client.post(change, data)
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.verdict, review.verdict_basis) == ("unverifiable", "editor")
    assert review.rating_text == "Uma frase que a tabela não conhece"
    assert Claim.objects.get(pk=claim.pk).verdict == "unrated"


def upload(client, name, content, **extra):
    return client.post(
        reverse("admin:claims_review_import_claimreview"),
        {"file": SimpleUploadedFile(name, content, content_type="application/json"), **extra},
        follow=True,
    )


def test_admin_import_writes_reviews_named_after_the_file(editor_client):
    response = upload(
        editor_client,
        "google_answer.json",
        (REALWORLD / "google_factcheck_tools.json").read_bytes(),
    )
    assert response.status_code == 200
    assert "Created: 6 reviews, 3 claims" in response.content.decode()
    assert set(Review.objects.values_list("imported_from", flat=True)) == {"google_answer.json"}
    history = Review.history.values_list("history_change_reason", "history_user__username")
    assert set(history) == {("Imported from google_answer.json", "editor")}


def test_admin_import_lists_every_error_and_writes_nothing(editor_client):
    response = upload(
        editor_client, "broken.json", (REALWORLD / "broken_records.json").read_bytes()
    )
    page = response.content.decode()
    assert "2 records cannot be imported, so nothing was written" in page
    assert "claimReviewed is missing; author is missing" in page
    assert "@type is &#x27;WebPage&#x27;, not ClaimReview" in page
    assert Review.objects.count() == 0


def test_admin_import_refuses_what_is_not_json(editor_client):
    response = upload(editor_client, "notes.json", b"[{")
    assert "The file is not JSON" in response.content.decode()
    assert Review.objects.count() == 0
