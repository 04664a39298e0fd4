"""ClaimReview JSON-LD out: one claim field by field, the feed, its query count, the HTML escape."""

import json

import pytest
from django.test import override_settings

from claims import services
from claims.standards.claimreview import (
    VERDICT_SCALE,
    claim_review,
    json_ld_script,
    verdict_from_number,
    verdict_from_rating,
)
from tests.conftest import DRONE_TEXT, TELEGRAM_TEXT

pytestmark = pytest.mark.django_db


def rate(claim, verdict="misattributed", explanation="Kataib Hezbollah denied issuing it."):
    return services.verdict_set(claim=claim, verdict=verdict, explanation=explanation)


@override_settings(
    FACTCHECK_PUBLISHER_NAME="Seed Desk", FACTCHECK_PUBLISHER_URL="https://desk.example/"
)
def test_claimreview_telegram_claim_field_by_field(seed, researcher_api):
    claim = rate(seed.telegram_claim)
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert response.status_code == 200
    review = response.json()
    assert review == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"http://testserver/reports/claims/{claim.pk}/",
        "claimReviewed": TELEGRAM_TEXT,
        "datePublished": claim.reviewed_at.date().isoformat(),
        "author": {"@type": "Organization", "name": "Seed Desk", "url": "https://desk.example/"},
        "reviewRating": {
            # misattributed is no point on the true/false scale: no ratingValue.
            "@type": "Rating",
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "misattributed",
            "ratingExplanation": "Kataib Hezbollah denied issuing it.",
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": [
                {
                    "@type": "Organization",
                    "name": "Telegram channel affiliated with Kataib Hezbollah",
                }
            ],
            "datePublished": "2024-04-22",
            "appearance": [
                {
                    "@type": "CreativeWork",
                    "headline": "Reuters report on rocket and drone attacks on US bases in Iraq "
                    "and Syria",
                    "datePublished": "2024-04-22",
                    "publisher": {"@type": "Organization", "name": "Reuters"},
                },
                {
                    "@type": "CreativeWork",
                    "headline": "US Bases in Iraq and Syria Come Under Rocket and Drone Attack",
                    "datePublished": "2024-04-22",
                    "author": {"@type": "Person", "name": "Dave DeCamp"},
                    "publisher": {"@type": "Organization", "name": "Antiwar.com"},
                },
            ],
            "firstAppearance": {
                "@type": "CreativeWork",
                "headline": "Reuters report on rocket and drone attacks on US bases in Iraq and "
                "Syria",
                "datePublished": "2024-04-22",
                "publisher": {"@type": "Organization", "name": "Reuters"},
            },
        },
    }


def test_claimreview_two_official_origins_are_people_with_numeric_rating(seed, researcher_api):
    claim = rate(seed.drone_claim, "mostly_true", "")
    review = researcher_api.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    assert review["claimReviewed"] == DRONE_TEXT
    assert review["itemReviewed"]["author"] == [
        {"@type": "Person", "name": "US officials"},
        {"@type": "Person", "name": "Iraqi officials"},
    ]
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 4,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "mostly true",
    }


def test_claimreview_unrated_claim_is_404_with_reason(seed, researcher_api):
    claim = seed.telegram_claim
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert response.status_code == 404
    assert "unrated" in response.json()["detail"]


def test_claimreview_unknown_claim_404_and_anonymous_401(seed, researcher_api, anon_api):
    assert researcher_api.get("/api/v1/claims/999999/claimreview/").status_code == 404
    claim = rate(seed.telegram_claim)
    assert anon_api.get(f"/api/v1/claims/{claim.pk}/claimreview/").status_code == 401


def test_claimreview_answers_ld_json_when_asked(seed, researcher_api):
    claim = rate(seed.telegram_claim)
    response = researcher_api.get(
        f"/api/v1/claims/{claim.pk}/claimreview/", HTTP_ACCEPT="application/ld+json"
    )
    assert response["Content-Type"].startswith("application/ld+json")
    assert json.loads(response.content)["@type"] == "ClaimReview"


def test_feed_lists_reviewed_claims_only(seed, researcher_api):
    rate(seed.telegram_claim)
    rate(seed.drone_claim, "true", "Confirmed by the Pentagon.")
    body = researcher_api.get("/api/v1/claimreview/").json()
    assert body["count"] == 2
    assert {item["claimReviewed"] for item in body["results"]} == {TELEGRAM_TEXT, DRONE_TEXT}
    assert all(item["@type"] == "ClaimReview" for item in body["results"])
    filtered = researcher_api.get("/api/v1/claimreview/?verdict=true").json()
    assert [item["claimReviewed"] for item in filtered["results"]] == [DRONE_TEXT]


def test_feed_rejects_unknown_parameter(seed, researcher_api):
    response = researcher_api.get("/api/v1/claimreview/?verdcit=true")
    assert response.status_code == 400
    assert "verdcit" in response.json()


def test_feed_query_count_constant(seed, researcher_api):
    from claims.models import Claim

    claims = list(Claim.objects.order_by("pk"))
    rate(claims[0], "false")

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = researcher_api.get("/api/v1/claimreview/?page_size=50")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    one, n1 = count()
    for claim in claims[1:]:
        rate(claim, "true")
    many, n9 = count()
    assert (n1, n9) == (1, 9)
    assert one == many


def test_verdict_scale_is_fixed():
    assert VERDICT_SCALE == {
        "true": 5,
        "mostly_true": 4,
        "mixed": 3,
        "mostly_false": 2,
        "false": 1,
        "misattributed": None,
        "unverifiable": None,
    }


@pytest.mark.parametrize(
    ("rating", "verdict"),
    [
        ({"alternateName": "Pants on Fire!"}, "false"),
        ({"alternateName": "Half-True"}, "mixed"),
        ({"alternateName": "mostly_true"}, "mostly_true"),
        ({"alternateName": "Unproven", "ratingValue": 5}, "unverifiable"),
        ({"alternateName": "3 stars", "ratingValue": 3}, "mixed"),
        ({"ratingValue": 2, "bestRating": 7, "worstRating": 1}, "mostly_false"),
        ({"ratingValue": 1, "bestRating": 1, "worstRating": 5}, "true"),
        ({"ratingValue": "0.9", "bestRating": 1, "worstRating": 0}, "true"),
    ],
)
def test_verdict_from_rating(rating, verdict):
    assert verdict_from_rating(rating) == verdict


@pytest.mark.parametrize(
    ("value", "best", "worst", "message"),
    [
        (9, 5, 1, "outside the scale"),
        ("x", None, None, "not a number"),
        (3, 3, 3, "no scale"),
    ],
)
def test_verdict_from_number_refuses_bad_scales(value, best, worst, message):
    with pytest.raises(ValueError, match=message):
        verdict_from_number(value, best=best, worst=worst)


def test_json_ld_script_cannot_close_the_script_element(seed):
    claim = services.claim_update(seed.drone_claim, text="Tricky </script><b>&")
    claim = rate(claim, "false")
    claim.refresh_from_db()
    html = json_ld_script(claim_review(claim.document, base_url="https://x.example"))
    body = html.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "</script>" not in body and "<b>" not in body and "&" not in body
    assert json.loads(body)["claimReviewed"] == "Tricky </script><b>&"


def test_claim_report_page_embeds_the_same_json_ld(seed, client, researcher):
    claim = rate(seed.telegram_claim)
    client.force_login(researcher)
    page = client.get(f"/reports/claims/{claim.pk}/").content.decode()
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    embedded = json.loads(page[start : page.index("</script>", start)])
    claim.refresh_from_db()
    assert embedded == claim_review(claim.document, base_url="http://testserver")
    unrated = seed.drone_claim
    assert (
        "application/ld+json" not in client.get(f"/reports/claims/{unrated.pk}/").content.decode()
    )
