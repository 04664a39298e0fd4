"""``reviews/`` and the claim filters on reviews, through real URLs, permissions and services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import reviews, services
from claims.models import Claim, Review
from tests.factories import ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkers(db):
    return {
        "afp": SourceFactory(name="AFP Factual", slug="afp-factual", kind="organization"),
        "lupa": SourceFactory(name="Agência Lupa", slug="lupa", kind="organization"),
    }


@pytest.fixture
def reviewed(checkers):
    """Three claims: one reviewed by AFP (mixed) and Lupa (false), one by Lupa
    (unmapped, Portuguese), one not reviewed at all."""
    both = ClaimFactory(text="Reviewed by two checkers")
    one = ClaimFactory(text="Reviewed by Lupa only")
    none = ClaimFactory(text="Not reviewed")
    reviews.review_create(
        claim=both,
        author=checkers["afp"],
        url="https://factual.afp.com/a",
        rating_text="Engañoso",
        language="es",
        verdict="mixed",
        verdict_basis="table",
    )
    reviews.review_create(
        claim=both,
        author=checkers["lupa"],
        url="https://lupa.example/b",
        rating_text="Falso",
        language="pt-BR",
        verdict="false",
        verdict_basis="table",
    )
    reviews.review_create(
        claim=one,
        author=checkers["lupa"],
        url="https://lupa.example/c",
        rating_text="Ainda não dá para dizer quem tem razão nesta história",
        language="pt-BR",
        verdict="unmapped",
        verdict_basis="table",
    )
    return {"both": both, "one": one, "none": none}


def urls(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(review["url"] for review in response.json()["results"])


def texts(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {claim["text"] for claim in response.json()["results"]}


# ---------------------------------------------------------------------------- reading


def test_review_list_shape(reviewed, researcher_api):
    body = researcher_api.get("/api/v1/reviews/", {"author": "afp-factual"}).json()
    [found] = body["results"]
    assert found["author"] == "afp-factual"
    assert found["claim"] == reviewed["both"].pk
    assert found["rating_text"] == "Engañoso"
    assert (found["verdict"], found["verdict_basis"]) == ("mixed", "table")
    # The DESIGN.md minimum of a review, and what the import keeps beside it.
    assert {
        "id", "author", "url", "published_at", "rating_text", "rating_language", "verdict",
        "verdict_basis", "claimant", "claim_reviewed", "claim_date", "appearances",
        "imported_from", "imported_at", "headline", "body", "language",
    } <= set(found)  # fmt: skip


def test_review_filters(reviewed, researcher_api):
    get = researcher_api.get
    assert urls(get("/api/v1/reviews/", {"claim": reviewed["both"].pk})) == [
        "https://factual.afp.com/a",
        "https://lupa.example/b",
    ]
    assert urls(get("/api/v1/reviews/", {"author": "lupa"})) == [
        "https://lupa.example/b",
        "https://lupa.example/c",
    ]
    assert urls(get("/api/v1/reviews/", {"verdict": "unmapped"})) == ["https://lupa.example/c"]
    assert urls(get("/api/v1/reviews/", {"verdict": "mixed,false"})) == [
        "https://factual.afp.com/a",
        "https://lupa.example/b",
    ]
    assert urls(get("/api/v1/reviews/", {"verdict_basis": "editor"})) == []
    # "pt" asks for pt-BR too; "es" only Spanish.
    assert urls(get("/api/v1/reviews/", {"language": "pt"})) == [
        "https://lupa.example/b",
        "https://lupa.example/c",
    ]
    assert urls(get("/api/v1/reviews/", {"language": "es"})) == ["https://factual.afp.com/a"]


def test_review_filter_errors_are_400_naming_the_parameter(reviewed, researcher_api):
    response = researcher_api.get("/api/v1/reviews/", {"verdictt": "false"})
    assert response.status_code == 400
    assert "verdictt" in response.json()
    response = researcher_api.get("/api/v1/reviews/", {"verdict": "spicy"})
    assert response.status_code == 400
    assert "verdict" in response.json()
    response = researcher_api.get("/api/v1/reviews/", {"author": "nobody"})
    assert response.status_code == 400
    assert "author" in response.json()


def test_claim_filters_on_reviews(reviewed, researcher_api):
    get = researcher_api.get
    assert texts(get("/api/v1/claims/", {"has_review": "true"})) == {
        "Reviewed by two checkers",
        "Reviewed by Lupa only",
    }
    assert texts(get("/api/v1/claims/", {"has_review": "false"})) == {"Not reviewed"}
    assert texts(get("/api/v1/claims/", {"reviewed_by": "afp-factual"})) == {
        "Reviewed by two checkers"
    }
    assert texts(get("/api/v1/claims/", {"review_verdict": "unmapped"})) == {
        "Reviewed by Lupa only"
    }
    # One review answers both: AFP said mixed, not false (Lupa said false).
    assert (
        texts(get("/api/v1/claims/", {"reviewed_by": "afp-factual", "review_verdict": "false"}))
        == set()
    )
    assert texts(get("/api/v1/claims/", {"reviewed_by": "lupa", "review_verdict": "false"})) == {
        "Reviewed by two checkers"
    }
    response = get("/api/v1/claims/", {"review_verdict": "spicy"})
    assert response.status_code == 400 and "review_verdict" in response.json()


def test_review_list_queries_do_not_grow_with_rows(checkers, researcher_api):
    def add(n):
        for _ in range(n):
            claim = ClaimFactory()
            claimant = SourceFactory()
            reviews.review_create(
                claim=claim, author=checkers["afp"], claimant=claimant, verdict="false"
            )

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert len(researcher_api.get("/api/v1/reviews/").json()["results"]) == 1
    add(3)
    with CaptureQueriesContext(connection) as four:
        assert len(researcher_api.get("/api/v1/reviews/").json()["results"]) == 4
    assert len(four) == len(one)


# ---------------------------------------------------------------------------- writing


def test_editor_adds_a_review_and_the_claims_verdict_stays(reviewed, checkers, editor, editor_api):
    claim = reviewed["none"]
    services.verdict_set(claim=claim, verdict="true", explanation="Our reading.", user=editor)
    claim.refresh_from_db()
    before = (claim.verdict, claim.verdict_explanation, claim.reviewed_at, claim.reviewed_by_id)

    response = editor_api.post(
        "/api/v1/reviews/",
        {
            "claim": claim.pk,
            "author": "afp-factual",
            "url": "https://factual.afp.com/new",
            "rating_text": "Falso",
            "rating_language": "es",
            "verdict": "false",
            "published_at": "2024-04-23T18:00:00Z",
            "appearances": [{"url": "https://x.com/p/1", "publisher": "X"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["author"], body["verdict"], body["verdict_basis"]) == (
        "afp-factual",
        "false",
        "editor",
    )
    assert body["published_at"] == "2024-04-23T18:00:00Z"
    assert body["imported_from"] == "" and body["imported_at"] is None
    claim.refresh_from_db()
    assert (
        claim.verdict,
        claim.verdict_explanation,
        claim.reviewed_at,
        claim.reviewed_by_id,
    ) == before
    assert Review.objects.get(pk=body["id"]).history.get().history_user == editor


def test_patch_verdict_makes_the_basis_editor(reviewed, editor_api):
    unmapped = Review.objects.get(url="https://lupa.example/c")
    response = editor_api.patch(
        f"/api/v1/reviews/{unmapped.pk}/", {"verdict": "unverifiable"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["verdict"], response.json()["verdict_basis"]) == (
        "unverifiable",
        "editor",
    )
    # The rating as published is untouched.
    assert response.json()["rating_text"].startswith("Ainda não dá para dizer")
    assert Claim.objects.get(pk=reviewed["one"].pk).verdict == "unrated"


def test_bad_review_bodies_are_400_with_the_field(reviewed, editor_api):
    claim = reviewed["none"].pk
    cases = [
        ({"claim": claim, "author": "nobody"}, "author"),
        ({"claim": claim, "author": "lupa", "verdict": "spicy"}, "verdict"),
        ({"claim": claim, "author": "lupa", "url": "https://lupa.example/b"}, "url"),
        ({"claim": claim, "author": "lupa", "appearances": "https://x"}, "appearances"),
        ({"claim": claim, "author": "lupa", "verdict_basis": "scale"}, None),
        ({"claim": claim, "author": "lupa", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        response = editor_api.post("/api/v1/reviews/", body, format="json")
        if field is None:
            # verdict_basis is read-only: accepted and ignored, the basis is the editor's.
            assert response.status_code == 201, response.content
            assert response.json()["verdict_basis"] == "editor"
            continue
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    assert Review.objects.filter(claim_id=claim).count() == 1


def test_review_create_refuses_what_the_constraints_refuse_with_nothing_saved(reviewed, checkers):
    """review_validate asks the database only for the constraints clean_fields cannot
    answer; each rule still refuses with its field and words, before anything is written."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    claim = reviewed["none"]
    cases = [
        ({"url": "https://lupa.example/b"}, NON_FIELD_ERRORS, "Another review has this URL."),
        ({"verdict": "spicy"}, "verdict", "Value 'spicy' is not a valid choice."),
        ({"verdict_basis": "hunch"}, "verdict_basis", "Value 'hunch' is not a valid choice."),
        (
            {"imported_from": "feed.json"},
            NON_FIELD_ERRORS,
            "An imported review records when it was imported.",
        ),
    ]
    history = Review.history.count()
    for fields, name, message in cases:
        with pytest.raises(ValidationError) as refused:
            reviews.review_create(claim=claim, author=checkers["afp"], **fields)
        assert refused.value.message_dict == {name: [message]}, fields
    assert not Review.objects.filter(claim=claim).exists()
    assert Review.history.count() == history


def test_review_cannot_move_to_another_claim(reviewed, editor_api):
    afp = Review.objects.get(url="https://factual.afp.com/a")
    response = editor_api.patch(
        f"/api/v1/reviews/{afp.pk}/", {"claim": reviewed["none"].pk}, format="json"
    )
    assert response.status_code == 400
    assert "cannot move to another claim" in response.json()["claim"][0]


def test_researcher_cannot_write_and_editor_deletes(reviewed, researcher_api, editor_api):
    afp = Review.objects.get(url="https://factual.afp.com/a")
    assert researcher_api.delete(f"/api/v1/reviews/{afp.pk}/").status_code == 403
    assert editor_api.delete(f"/api/v1/reviews/{afp.pk}/").status_code == 204
    assert not Review.objects.filter(pk=afp.pk).exists()
    assert Claim.objects.filter(pk=reviewed["both"].pk).exists()


def test_review_list_as_csv(reviewed, researcher_api):
    response = researcher_api.get("/api/v1/reviews/", {"format": "csv", "author": "lupa"})
    assert response.status_code == 200
    text = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    assert text.splitlines()[0].startswith("id,claim,author,url")
    assert "Ainda não dá para dizer quem tem razão nesta história" in text
    assert "Engañoso" not in text
