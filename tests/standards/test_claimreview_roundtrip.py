"""Issue 15's "done when": reviews imported from real-world markup are exported, each under
its own fact-checker, keeping what the fact-checker published.

The expected values are read here from the input files themselves (``input_records``, a
reader written for this test, not the importer's), so an export that drifted with the
importer would still be caught. The export is fetched over the real API URL with a token.
"""

import datetime
import html
import json
from decimal import Decimal

import pytest
from django.test import override_settings

from claims.models import Attribution, Claim, Review
from claims.standards import claimreview_import as cri
from sources.models import Document, Source
from tests.standards.test_import_claimreview import ALL_GOOD, GOOGLE, run

pytestmark = pytest.mark.django_db

TRACKER = "Round-trip Desk"


def utc_text(value: str) -> str:
    """A published date as the export writes it: a date stays a date; a date-time with an
    offset becomes UTC with ``Z`` (DESIGN.md "Times"); a date-time without one is UTC."""
    if "T" not in value:
        return value
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_day(value: str) -> str:
    return utc_text(value)[:10]


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def number(value):
    return None if value in (None, "") else Decimal(str(value))


def schema_org_items(data) -> list[dict]:
    """Every ClaimReview object of a schema.org file: object, array, @graph or DataFeed."""
    if isinstance(data, list):
        return [item for entry in data for item in schema_org_items(entry)]
    if "@graph" in data:
        return [item for entry in data["@graph"] for item in schema_org_items(entry)]
    if "dataFeedElement" in data:
        return [
            item
            for element in data["dataFeedElement"]
            for item in schema_org_items(as_list(element["item"]))
        ]
    return [data] if data.get("@type") == "ClaimReview" else []


def from_schema_org(obj: dict) -> dict:
    rating = obj.get("reviewRating", {})
    item = obj.get("itemReviewed", {})
    claimant = item.get("author")
    return {
        "url": obj["url"],
        "author": obj["author"]["name"],
        "author_url": obj["author"].get("url"),
        "date": utc_text(obj["datePublished"]),
        "headline": html.unescape(obj.get("headline", "")),
        "body": html.unescape(obj.get("reviewBody", "")),
        "language": obj.get("inLanguage", ""),
        "rating_words": rating.get("alternateName", ""),
        "numbers": tuple(
            number(rating.get(k)) for k in ("ratingValue", "bestRating", "worstRating")
        ),
        "explanation": str(rating.get("ratingExplanation", "")),
        "claim": obj["claimReviewed"],
        "claimant": claimant["name"] if claimant else None,
        "same_as": as_list(claimant.get("sameAs")) if claimant else [],
        "claim_date": utc_day(item["datePublished"]) if item.get("datePublished") else None,
        "appearances": [
            (a["url"], a.get("publisher", {}).get("name")) for a in as_list(item.get("appearance"))
        ],
    }


def from_google(claim: dict, review: dict) -> dict:
    return {
        "url": review["url"],
        "author": review["publisher"]["name"],
        "author_url": "https://" + review["publisher"]["site"],
        "date": utc_text(review["reviewDate"]),
        "headline": html.unescape(review["title"]),
        "body": "",
        "language": review["languageCode"],
        "rating_words": review["textualRating"],
        "numbers": (None, None, None),
        "explanation": "",
        "claim": claim["text"],
        "claimant": claim.get("claimant"),
        "same_as": [],
        "claim_date": utc_day(claim["claimDate"]) if claim.get("claimDate") else None,
        "appearances": [],
    }


def input_records() -> list[dict]:
    records = []
    for path in ALL_GOOD:
        data = json.loads(path.read_text(encoding="utf-8"))
        if path == GOOGLE:
            records += [from_google(c, r) for c in data["claims"] for r in c["claimReview"]]
        else:
            records += [from_schema_org(obj) for obj in schema_org_items(data)]
    return records


def exported_numbers(rating: dict) -> tuple:
    return tuple(number(rating.get(k)) for k in ("ratingValue", "bestRating", "worstRating"))


@override_settings(
    FACTCHECK_PUBLISHER_NAME=TRACKER, FACTCHECK_PUBLISHER_URL="https://desk.example/"
)
def test_every_imported_review_exports_as_its_fact_checker_published_it(researcher_api):
    run(*ALL_GOOD)
    expected = input_records()
    assert len(expected) == 14  # 2 AFP, 3 Brazil, 2 Germany, 6 Google, 1 Africa Check
    assert Review.objects.count() == len(expected)
    placeholders = 0
    for record in expected:
        review = Review.objects.get(url=record["url"])
        response = researcher_api.get(f"/api/v1/reviews/{review.pk}/claimreview/")
        assert response.status_code == 200, response.content
        out = response.json()
        where = record["url"]
        assert out["@type"] == "ClaimReview"
        assert out["author"]["name"] == record["author"] != TRACKER, where
        assert out["author"]["@type"] == "Organization", where
        if record["author_url"]:  # else the source's URL, given by another of its records
            assert out["author"]["url"] == record["author_url"], where
        assert TRACKER not in json.dumps(out, ensure_ascii=False), where
        assert out["url"] == record["url"]
        assert out["datePublished"] == record["date"], where
        assert out.get("headline", "") == record["headline"], where
        assert out.get("reviewBody", "") == record["body"], where
        assert out["inLanguage"] == record["language"], where
        rating = out["reviewRating"]
        assert rating["alternateName"] == record["rating_words"], where
        assert exported_numbers(rating) == record["numbers"], where
        # Numbers appear only when published: no invented 1–5 scale on a words-only rating.
        for key, published in zip(
            ("ratingValue", "bestRating", "worstRating"), record["numbers"], strict=True
        ):
            assert (key in rating) == (published is not None), where
        assert rating.get("ratingExplanation", "") == record["explanation"], where
        assert out["claimReviewed"] == record["claim"], where
        item = out["itemReviewed"]
        # Placeholder claimants ("Varias fuentes", "Facebook user") are exported in the
        # fact-checker's own words, never as our stand-in "Unnamed claimant of claim #N".
        author = item.get("author")
        assert (author["name"] if author else None) == record["claimant"], where
        assert "Unnamed claimant" not in json.dumps(item), where
        if review.claimant_placeholder:
            placeholders += 1
        assert (author or {}).get("sameAs", []) == record["same_as"], where
        assert item.get("datePublished") == record["claim_date"], where
        assert [
            (a["url"], a.get("publisher", {}).get("name")) for a in item.get("appearance", [])
        ] == record["appearances"], where
    assert placeholders == 11  # every claimant but Jean Exemple, Henriette Reker, the Gazette


def snapshot() -> dict:
    return {
        "reviews": sorted(
            Review.objects.values_list(
                "pk",
                "claim_id",
                "author_id",
                "claimant_id",
                "url",
                "published_at",
                "rating_text",
                "verdict",
                "verdict_basis",
                "appearances",
                "updated_at",
            )
        ),
        "review_history": Review.history.count(),
        "claims": sorted(Claim.objects.values_list("pk", "text", "verdict", "updated_at")),
        "sources": sorted(Source.objects.values_list("pk", "name", "kind")),
        "documents": Document.objects.count(),
        "hops": Attribution.objects.count(),
    }


def test_reimporting_our_own_export_changes_nothing(researcher_api):
    run(*ALL_GOOD)
    exported = []
    for pk in Review.objects.order_by("pk").values_list("pk", flat=True):
        exported.append(researcher_api.get(f"/api/v1/reviews/{pk}/claimreview/").json())
    before = snapshot()
    summary = cri.import_data([("our-export.json", exported)])
    assert summary.problems == []
    assert summary.created == {"reviews": 0, "claims": 0, "sources": 0, "documents": 0, "hops": 0}
    assert (summary.updated_reviews, summary.unchanged) == (0, len(exported))
    assert snapshot() == before
