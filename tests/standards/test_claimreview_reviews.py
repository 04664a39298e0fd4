"""ClaimReview of each review under its own author: the endpoint, the feed (reviews beside the
editors' verdict, constant queries per page), the fact_checker kind, and published verdict
pages that a crawler reads without logging in, JSON-LD included."""

import json
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from claims import reviews, selectors, services
from claims.models import Claim
from claims.standards.w3cprov import claim_prov, prov_json
from sources import services as source_services
from tests.conftest import DRONE_TEXT, TELEGRAM_TEXT

pytestmark = pytest.mark.django_db

TRACKER = "Seed Desk"
PUBLISHER = {
    "FACTCHECK_PUBLISHER_NAME": TRACKER,
    "FACTCHECK_PUBLISHER_URL": "https://desk.example/",
}


def checker(name: str, url: str = ""):
    return source_services.source_create(name=name, kind="fact_checker", url=url)


@pytest.fixture
def reviewed(seed):
    """Telegram claim: the editors' verdict and AFP's review. Drone claim: no verdict of
    ours, Lupa's review only (typed by an editor: no URL, words-only rating)."""
    afp = checker("AFP Factual", "https://factual.afp.com")
    lupa = checker("Agência Lupa")
    telegram = services.verdict_set(
        claim=seed.telegram_claim, verdict="misattributed", explanation="Denied."
    )
    afp_review = reviews.review_create(
        claim=telegram,
        author=afp,
        url="https://factual.afp.com/doc.1",
        published_at="2024-04-23T16:45:00+02:00",
        headline="Falso",
        body="Kataib Hezbollah negó el mensaje.",
        language="es",
        rating_text="Falso",
        rating_value=1,
        best_rating=5,
        worst_rating=1,
        rating_explanation="El grupo lo negó.",
        claim_reviewed="Los ataques se reanudaron por falta de retirada",
        claimant=seed.source("kataib-hezbollah"),
        claimant_same_as=["https://www.wikidata.org/wiki/Q1325136"],
        claim_date="2024-04-22",
        appearances=[
            {"url": "https://t.me/example/1"},
            {"url": "https://www.reuters.com/x", "publisher": "Reuters"},
        ],
        verdict="false",
    )
    lupa_review = reviews.review_create(
        claim=seed.drone_claim,
        author=lupa,
        published_at="2024-04-24",
        rating_text="Verdadeiro, mas",
        language="pt",
    )
    return {"afp": afp_review, "lupa": lupa_review, "telegram": telegram}


@override_settings(**PUBLISHER)
def test_review_claimreview_field_by_field(reviewed, researcher_api):
    response = researcher_api.get(f"/api/v1/reviews/{reviewed['afp'].pk}/claimreview/")
    assert response.status_code == 200
    assert response.json() == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factual.afp.com/doc.1",
        "author": {
            "@type": "Organization",
            "name": "AFP Factual",
            "url": "https://factual.afp.com",
        },
        "datePublished": "2024-04-23T14:45:00Z",  # its time kept, in UTC
        "headline": "Falso",
        "reviewBody": "Kataib Hezbollah negó el mensaje.",
        "inLanguage": "es",
        "claimReviewed": "Los ataques se reanudaron por falta de retirada",
        "itemReviewed": {
            "@type": "Claim",
            "author": {
                "@type": "Organization",
                "name": "Kataib Hezbollah",
                "sameAs": ["https://www.wikidata.org/wiki/Q1325136"],
            },
            "datePublished": "2024-04-22",
            "appearance": [
                {"@type": "CreativeWork", "url": "https://t.me/example/1"},
                {
                    "@type": "CreativeWork",
                    "url": "https://www.reuters.com/x",
                    "publisher": {"@type": "Organization", "name": "Reuters"},
                },
            ],
        },
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "Falso",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "ratingExplanation": "El grupo lo negó.",
        },
    }


def test_review_claimreview_words_only_and_no_url(reviewed, researcher_api):
    out = researcher_api.get(f"/api/v1/reviews/{reviewed['lupa'].pk}/claimreview/").json()
    assert "url" not in out  # an editor's entry with no page: nothing invented
    assert out["datePublished"] == "2024-04-24"  # a day stays a day
    assert out["author"] == {"@type": "Organization", "name": "Agência Lupa"}
    assert out["reviewRating"] == {"@type": "Rating", "alternateName": "Verdadeiro, mas"}
    assert out["claimReviewed"] == DRONE_TEXT  # the review states none: the claim's text


def test_review_claimreview_errors_are_clear(reviewed, researcher_api, anon_api):
    pk = reviewed["afp"].pk
    missing = researcher_api.get("/api/v1/reviews/999999/claimreview/")
    assert (missing.status_code, missing.json()["detail"]) == (404, "No review #999999.")
    assert anon_api.get(f"/api/v1/reviews/{pk}/claimreview/").status_code == 401
    typo = researcher_api.get(f"/api/v1/reviews/{pk}/claimreview/?fromat=jsonld")
    assert typo.status_code == 400
    assert "fromat" in typo.json()
    bad_format = researcher_api.get(f"/api/v1/reviews/{pk}/claimreview/?format=xml")
    assert bad_format.status_code == 400  # an unknown ?format= is refused, as elsewhere
    assert researcher_api.get("/api/v1/reviews/abc/claimreview/").status_code == 404


def test_review_claimreview_answers_ld_json(reviewed, researcher_api):
    response = researcher_api.get(
        f"/api/v1/reviews/{reviewed['afp'].pk}/claimreview/", HTTP_ACCEPT="application/ld+json"
    )
    assert response["Content-Type"].startswith("application/ld+json")
    assert json.loads(response.content)["author"]["name"] == "AFP Factual"


def test_review_claimreview_is_in_the_openapi_schema(researcher_api):
    schema = researcher_api.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/reviews/{id}/claimreview/"]["get"]
    assert operation["summary"] == "ClaimReview of one review"
    assert {"200", "401", "404"} <= set(operation["responses"])
    feed = schema["paths"]["/api/v1/claimreview/"]["get"]
    assert "review" in feed["summary"]


def by_claim(items) -> dict:
    found: dict = {}
    for item in items:
        found.setdefault(item["claimReviewed"], []).append(item["author"]["name"])
    return found


@override_settings(**PUBLISHER)
def test_feed_lists_each_review_under_its_author_and_the_editors_verdict(reviewed, researcher_api):
    body = researcher_api.get("/api/v1/claimreview/").json()
    assert body["count"] == 2  # claims: the rated one, and the unrated one with a review
    assert by_claim(body["results"]) == {
        TELEGRAM_TEXT: [TRACKER],  # the editors' verdict, at our report page
        "Los ataques se reanudaron por falta de retirada": ["AFP Factual"],
        DRONE_TEXT: ["Agência Lupa"],  # reviewed, no verdict of ours: still listed
    }
    ours = [item for item in body["results"] if item["author"]["name"] == TRACKER]
    assert ours[0]["url"].endswith(f"/reports/claims/{reviewed['telegram'].pk}/")
    assert ours[0]["reviewRating"]["alternateName"] == "misattributed"
    afp = next(item for item in body["results"] if item["author"]["name"] == "AFP Factual")
    assert afp["url"] == "https://factual.afp.com/doc.1"
    assert afp["reviewRating"]["alternateName"] == "Falso"
    filtered = researcher_api.get("/api/v1/claimreview/", {"reviewed_by": "Agência Lupa"}).json()
    assert by_claim(filtered["results"]) == {DRONE_TEXT: ["Agência Lupa"]}
    assert researcher_api.get("/api/v1/claimreview/?reviewd_by=x").status_code == 400


def test_feed_queries_do_not_grow_with_claims_or_reviews(seed, researcher_api):
    claims = list(Claim.objects.order_by("pk"))
    afp, lupa = checker("AFP Factual"), checker("Agência Lupa")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = researcher_api.get("/api/v1/claimreview/?page_size=50")
        assert response.status_code == 200
        body = response.json()
        return len(ctx.captured_queries), body["count"], len(body["results"])

    reviews.review_create(claim=claims[0], author=afp, rating_text="Falso")
    one = count()
    for claim in claims[1:]:
        reviews.review_create(claim=claim, author=afp, rating_text="Falso")
        reviews.review_create(claim=claim, author=lupa, rating_text="Falso")
        services.verdict_set(claim=claim, verdict="false")
    many = count()
    assert (one[1:], many[1:]) == ((1, 1), (9, 1 + 8 * 3))
    assert one[0] == many[0]


@override_settings(**PUBLISHER)
def test_fact_checker_kind_is_an_organization_in_prov_and_the_reports(
    reviewed, researcher_api, client, researcher
):
    afp = reviewed["afp"].author
    claim = reviewed["telegram"]
    services.attribution_add(claim=claim, source=afp)
    document = json.loads(selectors.stored_document(claim.pk))
    prov = prov_json(claim_prov(document, base_url="http://testserver"))
    agent = next(a for a in json.loads(prov)["agent"].values() if a["prov:label"] == "AFP Factual")
    types = {t["$"] if isinstance(t, dict) else t for t in agent["prov:type"]}
    assert {"prov:Organization", "factcheck:fact_checker"} <= types
    client.force_login(researcher)
    listed = client.get("/reports/sources/?kind=fact_checker").content.decode()
    assert "AFP Factual" in listed and "Agência Lupa" in listed
    assert "fact-checker" in client.get(f"/reports/claims/{claim.pk}/").content.decode()


JSON_LD = re.compile(r'<script type="application/ld\+json">\n(.*?)\n</script>', re.S)


@override_settings(FACTCHECK_PUBLISH_VERDICTS=True, **PUBLISHER)
def test_published_verdict_page_is_open_to_crawlers_with_every_claimreview(reviewed, client):
    pk = reviewed["telegram"].pk
    response = client.get(f"/reports/claims/{pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert TELEGRAM_TEXT in page
    published = [json.loads(text) for text in JSON_LD.findall(page)]
    assert [(d["@type"], d["author"]["name"]) for d in published] == [
        ("ClaimReview", TRACKER),
        ("ClaimReview", "AFP Factual"),
    ]
    assert published[0]["url"] == f"http://testserver/reports/claims/{pk}/"
    assert published[1]["url"] == "https://factual.afp.com/doc.1"
    assert published[1]["reviewRating"]["alternateName"] == "Falso"


@override_settings(FACTCHECK_PUBLISH_VERDICTS=True)
def test_published_verdicts_open_nothing_else(reviewed, client, anon_api):
    unrated = reviewed["lupa"].claim_id  # reviewed by Lupa, but no verdict of ours
    for url in (
        f"/reports/claims/{unrated}/",
        "/reports/claims/999999/",  # a missing claim looks like any closed page
        "/reports/disputed/",
        "/reports/sources/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url
    pk = reviewed["telegram"].pk
    assert anon_api.get(f"/api/v1/claims/{pk}/").status_code == 401
    assert anon_api.get(f"/api/v1/claims/{pk}/claimreview/").status_code == 401
    assert anon_api.get("/api/v1/claimreview/").status_code == 401


def test_verdict_pages_stay_closed_when_not_published(reviewed, client, researcher):
    pk = reviewed["telegram"].pk
    response = client.get(f"/reports/claims/{pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/reports/claims/{pk}/"
    client.force_login(researcher)
    page = client.get(f"/reports/claims/{pk}/").content.decode()
    authors = [json.loads(text)["author"]["name"] for text in JSON_LD.findall(page)]
    assert authors == ["Claim-provenance tracker", "AFP Factual"]
    unrated = client.get(f"/reports/claims/{reviewed['lupa'].claim_id}/").content.decode()
    # No verdict of ours: only Lupa's review is published on the page.
    assert [json.loads(t)["author"]["name"] for t in JSON_LD.findall(unrated)] == ["Agência Lupa"]
