"""schema.org ClaimReview (JSON-LD) for claims with a verdict, and the verdict scales both ways.

Out: ``claim_review(claim, base_url=...)`` builds the JSON-LD that search engines and the
fact-check aggregators read; the API and the claim report page embed the very same dict.

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


def source_thing(source) -> dict:
    """A Source as a schema.org Person or Organization with its name and url when set."""
    kind = "Person" if source.kind in PERSON_KINDS else "Organization"
    thing = {"@type": kind, "name": source.name}
    if source.url:
        thing["url"] = source.url
    return thing


def document_work(document) -> dict:
    """A Document as a schema.org CreativeWork (url, headline, datePublished, publisher)."""
    work: dict = {"@type": "CreativeWork"}
    if document.url:
        work["url"] = document.url
    work["headline"] = document.title
    if document.published_at:
        work["datePublished"] = document.published_at.isoformat()
    if document.author:
        work["author"] = {"@type": "Person", "name": document.author}
    if document.publisher_id:
        work["publisher"] = source_thing(document.publisher)
    return work


def claim_documents(claim) -> list:
    """Distinct documents of the claim's hops, earliest published first (undated last), ties
    in hop order; reads the prefetched hops, so no queries with ``claim_list()``."""
    seen: dict = {}
    for position, hop in enumerate(sorted(claim.attributions.all(), key=lambda h: h.pk)):
        if hop.document_id and hop.document_id not in seen:
            seen[hop.document_id] = (position, hop.document)
    ordered = sorted(
        seen.values(),
        key=lambda pair: (pair[1].published_at is None, pair[1].published_at or "", pair[0]),
    )
    return [document for _, document in ordered]


def review_rating(claim) -> dict:
    """The claim's verdict as a schema.org Rating on our fixed 1–5 scale."""
    rating: dict = {"@type": "Rating"}
    value = VERDICT_SCALE.get(claim.verdict)
    if value is not None:
        rating["ratingValue"] = value
    rating["bestRating"] = BEST_RATING
    rating["worstRating"] = WORST_RATING
    rating["alternateName"] = Verdict(claim.verdict).label
    if claim.verdict_explanation:
        rating["ratingExplanation"] = claim.verdict_explanation
    return rating


def claim_report_url(claim, *, base_url: str) -> str:
    """Absolute URL of the claim's report page (where the review is published)."""
    return base_url.rstrip("/") + reverse("reports:claim", args=[claim.pk])


def is_reviewed(claim) -> bool:
    """A claim has a ClaimReview once the editors gave it a verdict other than unrated."""
    return claim.verdict != Verdict.UNRATED


def claim_review(claim, *, base_url: str) -> dict:
    """schema.org ClaimReview JSON-LD for a reviewed claim; ValueError for an unrated one.

    Reads the claim's hops (with their sources and documents) from its prefetch cache when
    there is one; pass a claim from ``claims.selectors.claim_list()``.
    """
    if not is_reviewed(claim):
        raise ValueError(f"Claim #{claim.pk} is unrated; only reviewed claims have a ClaimReview.")
    from claims import provenance

    hops = list(claim.attributions.all())
    item: dict = {"@type": "Claim"}
    authors = [source_thing(source) for source in provenance.origin_sources(hops)]
    if authors:
        item["author"] = authors
    documents = claim_documents(claim)
    if documents:
        item["appearance"] = [document_work(document) for document in documents]
        dated = [document for document in documents if document.published_at]
        if dated:
            item["firstAppearance"] = document_work(dated[0])
    if claim.first_reported_at:
        item["datePublished"] = claim.first_reported_at.isoformat()
    review: dict = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": claim_report_url(claim, base_url=base_url),
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "reviewRating": review_rating(claim),
        "author": publisher_organization(),
    }
    if claim.reviewed_at:
        review["datePublished"] = claim.reviewed_at.date().isoformat()
    return review


def json_ld_script(data: dict) -> str:
    """``<script type="application/ld+json">`` holding ``data``, safe inside HTML.

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc., so a claim text containing
    ``</script>`` cannot end the element early; JSON parsers read the escapes back.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">\n{text}\n</script>')  # noqa: S308
