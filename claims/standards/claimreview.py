"""schema.org ClaimReview (JSON-LD) for claims with a verdict, and the verdict scales both ways.

Out: ``claim_review(claim, base_url=...)`` builds the JSON-LD of the editors' verdict,
published under the tracker's name (``FACTCHECK_PUBLISHER_*``) at the claim's report page;
``review_claim_review(claim, review)`` that of one fact-checker's review, under its own
author at its own URL, with the rating as that author published it. Both read the claim's
stored document only. The API, the feed and the claim report page embed the very same dicts.

The numeric scale is fixed (``VERDICT_SCALE``): true 5, mostly true 4, mixed 3, mostly
false 2, false 1, with ``bestRating`` 5 and ``worstRating`` 1 always stated. ``misattributed``
and ``unverifiable`` are not positions on a true/false scale (the first says who said it is
wrong, the second that nobody can tell), so their ``reviewRating`` carries no
``ratingValue``: only ``alternateName``, which is what Google's fact-check markup requires.

In: ``verdict_from_rating(rating)`` maps an outlet's ``reviewRating`` to our verdict, by its
``alternateName`` text (``RATING_WORDS``) first and by its numeric value scaled between
``worstRating`` and ``bestRating`` otherwise.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

from claims.choices import Verdict
from sources.choices import SourceKind

BEST_RATING = 5
WORST_RATING = 1
VERDICT_SCALE: dict[str, int | None] = {
    Verdict.TRUE: 5,
    Verdict.MOSTLY_TRUE: 4,
    Verdict.MIXED: 3,
    Verdict.MOSTLY_FALSE: 2,
    Verdict.FALSE: 1,
    Verdict.MISATTRIBUTED: None,
    Verdict.UNVERIFIABLE: None,
}

# Source kinds that are people; every other kind is published as an Organization.
PERSON_KINDS = {SourceKind.PERSON, SourceKind.OFFICIAL}

# alternateName words used by fact-checkers (lower-cased, punctuation folded to spaces)
# mapped to our verdicts. Outlets' own scales: PolitiFact (pants on fire, half true),
# Snopes (mixture, unproven, miscaptioned, correct attribution), AFP/Reuters (missing
# context, misleading), Full Fact and others (incorrect, inaccurate).
RATING_WORDS: dict[str, str] = {
    # true
    "true": Verdict.TRUE,
    "correct": Verdict.TRUE,
    "accurate": Verdict.TRUE,
    "verified": Verdict.TRUE,
    "confirmed": Verdict.TRUE,
    "correct attribution": Verdict.TRUE,
    # mostly true
    "mostly true": Verdict.MOSTLY_TRUE,
    "mostly correct": Verdict.MOSTLY_TRUE,
    "mostly accurate": Verdict.MOSTLY_TRUE,
    "largely accurate": Verdict.MOSTLY_TRUE,
    "largely true": Verdict.MOSTLY_TRUE,
    # mixed
    "mixed": Verdict.MIXED,
    "mixture": Verdict.MIXED,
    "half true": Verdict.MIXED,
    "partly true": Verdict.MIXED,
    "partly false": Verdict.MIXED,
    "partially true": Verdict.MIXED,
    "partially false": Verdict.MIXED,
    "missing context": Verdict.MIXED,
    "needs context": Verdict.MIXED,
    "misleading": Verdict.MIXED,
    # mostly false
    "mostly false": Verdict.MOSTLY_FALSE,
    "mostly inaccurate": Verdict.MOSTLY_FALSE,
    "largely false": Verdict.MOSTLY_FALSE,
    "barely true": Verdict.MOSTLY_FALSE,
    # false
    "false": Verdict.FALSE,
    "incorrect": Verdict.FALSE,
    "inaccurate": Verdict.FALSE,
    "wrong": Verdict.FALSE,
    "fake": Verdict.FALSE,
    "hoax": Verdict.FALSE,
    "fabricated": Verdict.FALSE,
    "pants on fire": Verdict.FALSE,
    "miscaptioned": Verdict.FALSE,
    # misattributed
    "misattributed": Verdict.MISATTRIBUTED,
    "wrongly attributed": Verdict.MISATTRIBUTED,
    "false attribution": Verdict.MISATTRIBUTED,
    "fake quote": Verdict.MISATTRIBUTED,
    "misquoted": Verdict.MISATTRIBUTED,
    # unverifiable
    "unverifiable": Verdict.UNVERIFIABLE,
    "unverified": Verdict.UNVERIFIABLE,
    "unproven": Verdict.UNVERIFIABLE,
    "unsupported": Verdict.UNVERIFIABLE,
    "no evidence": Verdict.UNVERIFIABLE,
    "cannot be verified": Verdict.UNVERIFIABLE,
    "not verifiable": Verdict.UNVERIFIABLE,
    # our own labels with underscores fold to the same keys ("mostly_true" → "mostly true").
}

# What json_ld_script escapes: the characters that could end or confuse a <script> element.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

_FOLD = re.compile(r"[\W_]+", re.UNICODE)


def fold_rating_word(text: str) -> str:
    """``'Half-True!'`` → ``'half true'``: the key RATING_WORDS is looked up with."""
    return _FOLD.sub(" ", str(text).lower()).strip()


def _number(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def verdict_from_number(value, *, best=None, worst=None) -> str:
    """Our verdict for a numeric rating scaled between ``worst`` and ``best`` (5 and 1 when
    absent, schema.org's defaults); raise ValueError when the numbers do not make a scale.

    The position on the scale, 0 (worst) to 1 (best), is cut in fifths around our points:
    ≥ 0.875 true, ≥ 0.625 mostly true, ≥ 0.375 mixed, ≥ 0.125 mostly false, else false.
    A scale whose best is lower than its worst (1 = true … 5 = false) is read reversed.
    """
    number = _number(value)
    if number is None:
        raise ValueError(f"ratingValue {value!r} is not a number")
    top = _number(best) if best not in (None, "") else Decimal(BEST_RATING)
    bottom = _number(worst) if worst not in (None, "") else Decimal(WORST_RATING)
    if top is None or bottom is None:
        raise ValueError(f"bestRating {best!r} / worstRating {worst!r} are not numbers")
    if top == bottom:
        raise ValueError(f"bestRating and worstRating are both {top}; that is no scale")
    low, high = min(top, bottom), max(top, bottom)
    if not low <= number <= high:
        raise ValueError(f"ratingValue {number} is outside the scale {bottom}–{top}")
    position = (number - bottom) / (top - bottom)
    for threshold, verdict in (
        (Decimal("0.875"), Verdict.TRUE),
        (Decimal("0.625"), Verdict.MOSTLY_TRUE),
        (Decimal("0.375"), Verdict.MIXED),
        (Decimal("0.125"), Verdict.MOSTLY_FALSE),
    ):
        if position >= threshold:
            return verdict
    return Verdict.FALSE


def verdict_from_rating(rating: dict) -> str:
    """Our verdict for a ClaimReview ``reviewRating``: its ``alternateName`` when we know the
    words, else its ``ratingValue`` on its own scale; raise ValueError when neither works."""
    if not isinstance(rating, dict):
        raise ValueError("reviewRating is not an object")
    name = rating.get("alternateName")
    if isinstance(name, list):
        name = name[0] if name else None
    words = fold_rating_word(name) if name else ""
    if words in RATING_WORDS:
        return RATING_WORDS[words]
    if rating.get("ratingValue") not in (None, ""):
        return verdict_from_number(
            rating.get("ratingValue"),
            best=rating.get("bestRating"),
            worst=rating.get("worstRating"),
        )
    if words:
        raise ValueError(
            f"reviewRating.alternateName “{name}” is not a rating we know and there is no "
            "ratingValue; see RATING_WORDS for the accepted words"
        )
    raise ValueError("reviewRating has neither alternateName nor ratingValue")


# ---------------------------------------------------------------------------- out


def publisher_organization() -> dict:
    """The organisation that publishes our verdicts (settings FACTCHECK_PUBLISHER_*)."""
    org = {"@type": "Organization", "name": settings.FACTCHECK_PUBLISHER_NAME}
    if settings.FACTCHECK_PUBLISHER_URL:
        org["url"] = settings.FACTCHECK_PUBLISHER_URL
    return org


def source_thing(source: dict) -> dict:
    """A source (as a claim's document names it) as a schema.org Person or Organization."""
    kind = "Person" if source["kind"] in PERSON_KINDS else "Organization"
    thing = {"@type": kind, "name": source["name"]}
    if source.get("url"):
        thing["url"] = source["url"]
    return thing


def document_work(document: dict, sources: dict) -> dict:
    """A document (as a claim's document describes it) as a schema.org CreativeWork."""
    work: dict = {"@type": "CreativeWork"}
    if document["url"]:
        work["url"] = document["url"]
    work["headline"] = document["title"]
    if document["published_at"]:
        work["datePublished"] = str(document["published_at"])
    if document["author"]:
        work["author"] = {"@type": "Person", "name": document["author"]}
    if document["publisher"]:
        work["publisher"] = source_thing(sources[document["publisher"]])
    return work


def claim_documents(claim: dict) -> list[dict]:
    """Distinct documents of the claim's hops, earliest published first (undated last), ties
    in hop order."""
    seen: dict = {}
    for position, hop in enumerate(sorted(claim["attributions"], key=lambda h: h["id"])):
        key = str(hop["document"]) if hop["document"] is not None else None
        if key is not None and key not in seen:
            seen[key] = (position, claim["documents"][key])
    ordered = sorted(
        seen.values(),
        key=lambda pair: (
            pair[1]["published_at"] is None,
            str(pair[1]["published_at"] or ""),
            pair[0],
        ),
    )
    return [document for _, document in ordered]


def review_rating(claim: dict) -> dict:
    """The claim's verdict as a schema.org Rating on our fixed 1–5 scale."""
    rating: dict = {"@type": "Rating"}
    value = VERDICT_SCALE.get(claim["verdict"])
    if value is not None:
        rating["ratingValue"] = value
    rating["bestRating"] = BEST_RATING
    rating["worstRating"] = WORST_RATING
    rating["alternateName"] = Verdict(claim["verdict"]).label
    if claim["verdict_explanation"]:
        rating["ratingExplanation"] = claim["verdict_explanation"]
    return rating


def claim_report_url(claim_id: int, *, base_url: str) -> str:
    """Absolute URL of the claim's report page (where the review is published)."""
    return base_url.rstrip("/") + reverse("reports:claim", args=[claim_id])


def is_reviewed(claim: dict) -> bool:
    """A claim has a ClaimReview once the editors gave it a verdict other than unrated."""
    return claim["verdict"] != Verdict.UNRATED


def claim_review(claim: dict, *, base_url: str) -> dict:
    """schema.org ClaimReview JSON-LD from a claim's stored document (``claims.projection``);
    ValueError for an unrated one."""
    if not is_reviewed(claim):
        raise ValueError(
            f"Claim #{claim['id']} is unrated; only reviewed claims have a ClaimReview."
        )
    sources = claim["sources"]
    item: dict = {"@type": "Claim"}
    authors = [source_thing(sources[slug]) for slug in claim["origins"]]
    if authors:
        item["author"] = authors
    documents = claim_documents(claim)
    if documents:
        item["appearance"] = [document_work(document, sources) for document in documents]
        dated = [document for document in documents if document["published_at"]]
        if dated:
            item["firstAppearance"] = document_work(dated[0], sources)
    if claim["first_reported_at"]:
        item["datePublished"] = str(claim["first_reported_at"])
    review: dict = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": claim_report_url(claim["id"], base_url=base_url),
        "claimReviewed": claim["text"],
        "itemReviewed": item,
        "reviewRating": review_rating(claim),
        "author": publisher_organization(),
    }
    if claim["reviewed_at"]:
        review["datePublished"] = str(claim["reviewed_at"])[:10]
    return review


# ---------------------------------------------------------------------------- reviews


def _review_author(claim: dict, review: dict) -> dict:
    """The fact-checker who published the review (never the tracker): Organization, or
    Person for a source of a person's kind, with its name and URL."""
    return source_thing(claim["sources"][review["author"]])


def _claimant(claim: dict, review: dict) -> dict | None:
    """itemReviewed.author as the review named it. A placeholder claimant ("Varias fuentes",
    "Facebook user") is published in the review's own words, not as the tracker's stand-in
    source ("Unnamed claimant of claim #12"), so the export says what the fact-checker said."""
    if review["claimant"] is None:
        return None
    source = claim["sources"][review["claimant"]]
    if review["claimant_placeholder"]:
        thing = {"@type": "Organization", "name": review["claimant_placeholder"]}
    else:
        thing = source_thing(source)
    if review["claimant_same_as"]:
        thing["sameAs"] = list(review["claimant_same_as"])
    return thing


def _appearance(appearance) -> dict:
    """A stored appearance (a URL, or ``{"url", "headline", "datePublished", "publisher",
    "author"}`` with only what the review gave) as a schema.org CreativeWork."""
    if isinstance(appearance, str):
        return {"@type": "CreativeWork", "url": appearance}
    work: dict = {"@type": "CreativeWork"}
    if appearance.get("url"):
        work["url"] = appearance["url"]
    if appearance.get("headline"):
        work["headline"] = appearance["headline"]
    if appearance.get("datePublished"):
        work["datePublished"] = appearance["datePublished"]
    if appearance.get("author"):
        work["author"] = {"@type": "Person", "name": appearance["author"]}
    if appearance.get("publisher"):
        work["publisher"] = {"@type": "Organization", "name": appearance["publisher"]}
    return work


def published_rating(review: dict) -> dict:
    """The review's rating as its author published it: the words as written
    (``alternateName``), the numbers only when published, the explanation."""
    rating: dict = {"@type": "Rating"}
    if review["rating_text"]:
        rating["alternateName"] = review["rating_text"]
    for key, name in (
        ("rating_value", "ratingValue"),
        ("best_rating", "bestRating"),
        ("worst_rating", "worstRating"),
    ):
        if review[key] is not None:
            rating[name] = review[key]
    if review["rating_explanation"]:
        rating["ratingExplanation"] = review["rating_explanation"]
    if review["rating_language"] and review["rating_language"] != review["language"]:
        # The words are in another language than the review (rare): say which, so a reader
        # (and our own importer) knows what the words are in.
        rating["inLanguage"] = review["rating_language"]
    return rating


def review_claim_review(claim: dict, review: dict) -> dict:
    """schema.org ClaimReview of one review (an item of ``claim["reviews"]``), published
    under its own author, from the claim's stored document alone.

    Only what the review states is written: its ``url``, ``datePublished`` (a date, or a UTC
    date-time when its time is known), texts, rating as published, and the claim as the
    review states it (``claimReviewed``, claimant with ``sameAs``, claim date, appearances).
    """
    item: dict = {"@type": "Claim"}
    claimant = _claimant(claim, review)
    if claimant is not None:
        item["author"] = claimant
    if review["claim_date"]:
        item["datePublished"] = review["claim_date"]
    if review["appearances"]:
        item["appearance"] = [_appearance(a) for a in review["appearances"]]
    data: dict = {"@context": "https://schema.org", "@type": "ClaimReview"}
    if review["url"]:
        data["url"] = review["url"]
    data["author"] = _review_author(claim, review)
    if review["published_at"]:
        data["datePublished"] = review["published_at"]
    if review["headline"]:
        data["headline"] = review["headline"]
    if review["body"]:
        data["reviewBody"] = review["body"]
    if review["language"]:
        data["inLanguage"] = review["language"]
    data["claimReviewed"] = review["claim_reviewed"] or claim["text"]
    data["itemReviewed"] = item
    data["reviewRating"] = published_rating(review)
    return data


def claim_reviews(claim: dict, *, base_url: str) -> list[dict]:
    """Every ClaimReview a claim's stored document publishes: the editors' verdict under the
    tracker's name (when there is one), then each review under its own author."""
    published = [claim_review(claim, base_url=base_url)] if is_reviewed(claim) else []
    return published + [review_claim_review(claim, review) for review in claim["reviews"]]


def json_ld_script(data: dict) -> str:
    """``<script type="application/ld+json">`` holding ``data``, safe inside HTML.

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc., so a claim text containing
    ``</script>`` cannot end the element early; JSON parsers read the escapes back.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">\n{text}\n</script>')  # noqa: S308
