"""Read fact-checkers' reviews (schema.org ClaimReview, Google Fact Check Tools) into the tracker.

Two phases. ``parse_items`` checks every record without touching the database and returns
the readable ones plus, for each bad one, its position and **all** its errors together.
``import_records`` then writes inside one transaction, through the services only:

- each record becomes a ``claims.Review`` (``claims.reviews.review_import_upsert``): author
  (the fact-checker), url, headline, body, language, the rating as published (words, scale,
  explanation), the verdict the rating maps to (``ratings.map_rating``: the word table,
  else a sane scale, else ``unmapped``, kept as written), the claim as the review states it
  (claimant with its ``sameAs``, claim date, appearances with or without a publisher), and
  ``imported_from`` / ``imported_at``; history rows say "Imported from <file>";
- the claim is the one the review already belongs to (matched by review URL), else the one
  with the same text (ignoring case), else a new one; only a claim the import creates gets
  hops: the claimant as origin, each appearance's publisher relaying it;
- a placeholder claimant ("Varias fuentes", "Facebook user") becomes an anonymous source of
  that claim alone, flagged on the review (``claimant_placeholder``), never shared;
- the claim's own verdict is never read or written: it is the editors' alone.

Input shapes: one object, an array, ``@graph``, a schema.org ``DataFeed`` (its
``dataFeedElement`` items or ``DataFeedItem.item``), and Google Fact Check Tools API
responses (``{"claims": [{"text", "claimant", "claimDate", "claimReview": [...]}]}``).
Importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from claims import projection, reviews, selectors, services
from claims.models import Claim, Review
from factcheck.moments import Moment, parse_moment
from sources import services as source_services
from sources.choices import SourceKind
from sources.models import Document, Source
from sources.selectors import source_by_name

from . import ratings

# schema.org types of an author or publisher → our source kind.
TYPE_KINDS = {
    "person": SourceKind.PERSON,
    "organization": SourceKind.ORGANIZATION,
    "newsmediaorganization": SourceKind.NEWS_OUTLET,
    "governmentorganization": SourceKind.GOVERNMENT,
    "ngo": SourceKind.ORGANIZATION,
    "corporation": SourceKind.ORGANIZATION,
}
PUBLISHER_DEFAULT_KIND = SourceKind.NEWS_OUTLET
# A review's author is a fact-checker whatever schema.org type its markup gives it
# (Organization, NewsMediaOrganization…), unless the markup names a person.
FACT_CHECKER_KIND = SourceKind.FACT_CHECKER
NAME_MAX = Source._meta.get_field("name").max_length
TITLE_MAX = Document._meta.get_field("title").max_length
URL_MAX = Review._meta.get_field("url").max_length
HEADLINE_MAX = Review._meta.get_field("headline").max_length
PLACEHOLDER_MAX = Review._meta.get_field("claimant_placeholder").max_length
PROGRESS_EVERY = 500

_url_ok = URLValidator(schemes=["http", "https"])


class FileError(ValueError):
    """The file as a whole is not ClaimReview JSON."""


@dataclass
class Party:
    """A fact-checker, claimant or publisher as a record names it."""

    name: str
    kind: str
    url: str = ""
    same_as: list[str] = field(default_factory=list)


@dataclass
class Appearance:
    """Where the claim appeared, as the review lists it."""

    url: str
    headline: str
    published_at: Moment | None
    publisher: Party | None
    author: str = ""

    def as_json(self) -> dict:
        """The appearance as stored on the review: only what the record said."""
        data: dict = {"url": self.url}
        if self.headline:
            data["headline"] = self.headline
        if self.published_at:
            data["datePublished"] = str(self.published_at)
        if self.publisher:
            data["publisher"] = self.publisher.name
        if self.author:
            data["author"] = self.author
        return data


@dataclass
class Record:
    """One review, checked, with everything the tracker keeps of it."""

    index: int
    path: str
    origin: str
    claim_text: str
    author: Party
    url: str = ""
    published_at: Moment | None = None
    headline: str = ""
    body: str = ""
    language: str = ""
    rating_text: str = ""
    rating_language: str = ""
    rating_value: Decimal | None = None
    best_rating: Decimal | None = None
    worst_rating: Decimal | None = None
    rating_explanation: str = ""
    verdict: str = "unmapped"
    verdict_basis: str = "table"
    claimant: Party | None = None
    claim_date: datetime.date | None = None
    appearances: list[Appearance] = field(default_factory=list)

    def review_fields(self) -> dict:
        """The review's own fields, as ``review_import_upsert`` takes them."""
        return {
            "published_at": self.published_at,
            "headline": self.headline,
            "body": self.body,
            "language": self.language,
            "rating_text": self.rating_text,
            "rating_language": self.rating_language,
            "rating_value": self.rating_value,
            "best_rating": self.best_rating,
            "worst_rating": self.worst_rating,
            "rating_explanation": self.rating_explanation,
            "verdict": self.verdict,
            "verdict_basis": self.verdict_basis,
            "claim_reviewed": self.claim_text,
            "claimant_same_as": list(self.claimant.same_as) if self.claimant else [],
            "claim_date": self.claim_date,
            "appearances": [a.as_json() for a in self.appearances],
        }


@dataclass
class Problem:
    """A record that cannot be imported: where it is and every reason, together."""

    index: int
    path: str
    reason: str
    origin: str = ""

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin else ""
        return f"{where}record {self.index} ({self.path}): {self.reason}"


@dataclass
class Summary:
    """What an import did, counted."""

    created: dict = field(
        default_factory=lambda: {
            "reviews": 0,
            "claims": 0,
            "sources": 0,
            "documents": 0,
            "hops": 0,
        }
    )
    updated_reviews: int = 0
    unchanged: int = 0
    skipped_invalid: int = 0
    problems: list = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary as the command prints it."""
        made = ", ".join(f"{n} {what}" for what, n in self.created.items())
        return [
            f"Created: {made}.",
            f"Updated: {self.updated_reviews} reviews.",
            f"Unchanged: {self.unchanged} records.",
            f"Skipped as invalid: {self.skipped_invalid} records.",
        ]


# ---------------------------------------------------------------------------- shapes


def _types(obj) -> list[str]:
    kind = obj.get("@type") if isinstance(obj, dict) else None
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def _is_google_response(data) -> bool:
    claims = data.get("claims") if isinstance(data, dict) else None
    return isinstance(claims, list) and "@type" not in data


def extract_items(data) -> list[tuple[str, object]]:
    """(path, item) of every review in a file, in file order.

    An item is a ClaimReview object, or for Google Fact Check Tools responses a
    ``("google", claim, review)`` tuple: one per ``claims[i].claimReview[j]``.
    """
    if isinstance(data, list):
        items = []
        for i, item in enumerate(data):
            items += [(f"[{i}]{path}", obj) for path, obj in _nested(item)]
        return items
    if not isinstance(data, dict):
        raise FileError("The file holds neither a JSON array nor an object.")
    return [(path or "(the whole file)", obj) for path, obj in _nested(data)]


def _nested(data) -> list[tuple[str, object]]:
    if not isinstance(data, dict):
        return [("", data)]
    if _is_google_response(data):
        items = []
        for i, claim in enumerate(data["claims"]):
            reviews_ = claim.get("claimReview") if isinstance(claim, dict) else None
            if not isinstance(reviews_, list) or not reviews_:
                items.append((f"claims[{i}]", ("google", claim, None)))
                continue
            for j, review in enumerate(reviews_):
                items.append((f"claims[{i}].claimReview[{j}]", ("google", claim, review)))
        return items
    if "@graph" in data:
        graph = data["@graph"]
        if not isinstance(graph, list):
            raise FileError("@graph is not an array.")
        # A page's graph also holds its WebPage, Organization, BreadcrumbList… nodes: only
        # the ClaimReview nodes (and nested graphs) are records.
        return [
            (f"@graph[{i}]{p}", obj)
            for i, item in enumerate(graph)
            if not isinstance(item, dict) or "ClaimReview" in _types(item) or "@graph" in item
            for p, obj in _nested(item)
        ]
    if "dataFeedElement" in data:
        elements = data["dataFeedElement"]
        if not isinstance(elements, list):
            raise FileError("dataFeedElement is not an array.")
        items = []
        for i, element in enumerate(elements):
            inner = element.get("item") if isinstance(element, dict) else None
            if inner is None:
                items.append((f"dataFeedElement[{i}]", element))
            elif isinstance(inner, list):
                items += [(f"dataFeedElement[{i}].item[{j}]", x) for j, x in enumerate(inner)]
            else:
                items.append((f"dataFeedElement[{i}].item", inner))
        return items
    return [("", data)]


# ---------------------------------------------------------------------------- fields


class Errors(list):
    """A record's errors, gathered so that all of them are reported together."""


def _first(value):
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _clean(value: str) -> str:
    # Publishers' markup often holds entities (``Singh&#039;s``); decode them once.
    return html.unescape(value).strip()


def _text(value, what: str, errors: Errors, *, required=False, limit=None, one_line=False) -> str:
    value = _first(value)
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]  # a JSON-LD language-tagged string
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # a numeric ratingExplanation is text
    if value is None or value == "":
        if required:
            errors.append(f"{what} is missing")
        return ""
    if not isinstance(value, str):
        errors.append(f"{what} is not text")
        return ""
    value = _clean(value)
    if one_line:
        value = " ".join(value.split())
    if required and not value:
        errors.append(f"{what} is blank")
    if limit and len(value) > limit:
        errors.append(f"{what} is longer than {limit} characters ({len(value)})")
        return value[:limit]
    return value


def _url(value, what: str, errors: Errors) -> str:
    url = _text(value, what, errors, one_line=True)
    if not url:
        return ""
    if len(url) > URL_MAX:
        errors.append(f"{what} is longer than {URL_MAX} characters")
        return ""
    try:
        _url_ok(url)
    except ValidationError:
        errors.append(f"{what} “{url}” is not an http(s) URL")
        return ""
    return url


def _moment(value, what: str, errors: Errors) -> Moment | None:
    """A moment with its precision (DESIGN.md "Times"): a bare date stays a day, a date-time
    keeps its time of day in UTC; a date-time without an offset is read as UTC, which is what
    publishers that leave it out mean in practice."""
    value = _first(value)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        errors.append(f"{what} is not a date")
        return None
    value = value.strip()
    moment = parse_datetime(value) if "T" in value or " " in value else None
    if moment is None:
        day = parse_date(value[:10]) if len(value) >= 10 else None
        if day is None or len(value) > 10:
            errors.append(f"{what} “{value}” is not an ISO 8601 date or date-time")
            return None
        return parse_moment(day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return parse_moment(moment)


def _day(value, what: str, errors: Errors) -> datetime.date | None:
    moment = _moment(value, what, errors)
    return datetime.date.fromisoformat(str(moment)[:10]) if moment else None


def _language(value) -> str:
    value = _first(value)
    if isinstance(value, dict):  # {"@type": "Language", "name": "Spanish", "alternateName": "es"}
        value = value.get("alternateName") or value.get("name")
    return value.strip()[:35] if isinstance(value, str) else ""


def _urls(value, what: str, errors: Errors) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [u for i, item in enumerate(items) if (u := _url(item, f"{what}[{i}]", errors))]


def _party(value, what: str, errors: Errors, default_kind: str) -> Party | None:
    value = _first(value)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        name = _text(value, f"{what} name", errors, required=True, limit=NAME_MAX, one_line=True)
        return Party(name=name, kind=default_kind) if name else None
    if not isinstance(value, dict):
        errors.append(f"{what} is neither a name nor an object")
        return None
    name = _text(
        value.get("name"), f"{what}.name", errors, required=True, limit=NAME_MAX, one_line=True
    )
    kinds = [TYPE_KINDS[t.lower()] for t in _types(value) if t.lower() in TYPE_KINDS]
    return Party(
        name=name,
        kind=kinds[0] if kinds else default_kind,
        url=_url(value.get("url"), f"{what}.url", errors),
        same_as=_urls(value.get("sameAs"), f"{what}.sameAs", errors),
    )


def _appearance(value, what: str, errors: Errors) -> Appearance | None:
    if isinstance(value, str):
        url = _url(value, what, errors)
        return Appearance(url=url, headline="", published_at=None, publisher=None) if url else None
    if not isinstance(value, dict):
        errors.append(f"{what} is neither a URL nor an object")
        return None
    url = _url(value.get("url"), f"{what}.url", errors)
    headline = _text(
        value.get("headline") or value.get("name"), f"{what}.headline", errors, one_line=True
    )
    if not headline and not url:
        errors.append(f"{what} has neither url nor headline, so it names no place")
        return None
    author = value.get("author")
    author_name = ""
    if isinstance(_first(author), dict):
        author_name = _text(_first(author).get("name"), f"{what}.author.name", errors, limit=300)
    elif author:
        author_name = _text(author, f"{what}.author", errors, limit=300)
    return Appearance(
        url=url,
        headline=headline,
        published_at=_moment(value.get("datePublished"), f"{what}.datePublished", errors),
        publisher=_party(
            value.get("publisher"), f"{what}.publisher", errors, PUBLISHER_DEFAULT_KIND
        ),
        author=author_name,
    )


def _rating(record: Record, rating, errors: Errors) -> None:
    """The rating as published, then its verdict; a rating is never a reason to refuse."""
    if isinstance(rating, str | int | float) and not isinstance(rating, bool):
        rating = {"alternateName": str(rating)}
    if not isinstance(rating, dict):
        rating = {}
    words = rating.get("alternateName") or rating.get("name")
    record.rating_text = _text(words, "reviewRating.alternateName", errors)
    tagged = _first(words)
    record.rating_language = (
        (_language(tagged.get("@language")) if isinstance(tagged, dict) else "")
        or _language(rating.get("inLanguage"))
        or record.language
    )
    record.rating_value = ratings.number(_first(rating.get("ratingValue")))
    record.best_rating = ratings.number(_first(rating.get("bestRating")))
    record.worst_rating = ratings.number(_first(rating.get("worstRating")))
    record.rating_explanation = _text(
        rating.get("ratingExplanation"), "reviewRating.ratingExplanation", errors
    )
    mapped = ratings.map_rating(
        words=record.rating_text,
        language=record.rating_language,
        value=record.rating_value,
        best=record.best_rating,
        worst=record.worst_rating,
    )
    record.verdict, record.verdict_basis = str(mapped.verdict), str(mapped.basis)


def parse_claimreview(index: int, path: str, obj, origin: str = "") -> Record:
    """Check one schema.org ClaimReview; ValueError with every error joined when it is bad."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if "ClaimReview" not in _types(obj):
        raise ValueError(f"@type is {obj.get('@type')!r}, not ClaimReview")
    errors = Errors()
    item = obj.get("itemReviewed") or {}
    if not isinstance(item, dict):
        errors.append("itemReviewed is not an object")
        item = {}
    text = _text(
        obj.get("claimReviewed") or item.get("name"), "claimReviewed", errors, required=True
    )
    author = _party(obj.get("author") or obj.get("publisher"), "author", errors, FACT_CHECKER_KIND)
    if author is None and not any(e.startswith("author") for e in errors):
        errors.append("author is missing: a review needs the fact-checker who published it")
    elif author is not None and author.kind != SourceKind.PERSON:
        author.kind = FACT_CHECKER_KIND
    record = Record(
        index=index,
        path=path,
        origin=origin,
        claim_text=text,
        author=author or Party("", FACT_CHECKER_KIND),
        url=_url(obj.get("url"), "url", errors),
        published_at=_moment(obj.get("datePublished"), "datePublished", errors),
        headline=_text(
            obj.get("headline") or obj.get("name"),
            "headline",
            errors,
            limit=HEADLINE_MAX,
            one_line=True,
        ),
        body=_text(obj.get("reviewBody") or obj.get("description"), "reviewBody", errors),
        language=_language(obj.get("inLanguage")),
    )
    _rating(record, obj.get("reviewRating"), errors)
    record.claimant = _party(item.get("author"), "itemReviewed.author", errors, SourceKind.OTHER)
    record.claim_date = _day(item.get("datePublished"), "itemReviewed.datePublished", errors)
    appearances = item.get("appearance")
    appearances = (
        appearances if isinstance(appearances, list) else [appearances] if appearances else []
    )
    found = [
        _appearance(a, f"itemReviewed.appearance[{i}]", errors) for i, a in enumerate(appearances)
    ]
    if item.get("firstAppearance"):
        first = _appearance(item["firstAppearance"], "itemReviewed.firstAppearance", errors)
        if first and not any(_same_place(first, other) for other in found if other):
            found.insert(0, first)
    record.appearances = [a for a in found if a]
    if errors:
        raise ValueError("; ".join(errors))
    return record


def parse_google(index: int, path: str, claim, review, origin: str = "") -> Record:
    """Check one Google Fact Check Tools ``claims[i].claimReview[j]``; ValueError when bad."""
    if not isinstance(claim, dict):
        raise ValueError("not a JSON object")
    if not isinstance(review, dict):
        raise ValueError("claimReview is missing: the claim has no review to import")
    errors = Errors()
    text = _text(claim.get("text"), "text", errors, required=True)
    publisher = review.get("publisher") if isinstance(review.get("publisher"), dict) else {}
    site = _text(publisher.get("site"), "claimReview.publisher.site", errors, one_line=True)
    name = _text(
        publisher.get("name") or site,
        "claimReview.publisher.name",
        errors,
        required=True,
        limit=NAME_MAX,
        one_line=True,
    )
    site_url = ""
    if site:
        site_url = site if "://" in site else f"https://{site}"
        site_url = _url(site_url, "claimReview.publisher.site", errors)
    language = _language(review.get("languageCode"))
    record = Record(
        index=index,
        path=path,
        origin=origin,
        claim_text=text,
        author=Party(name=name, kind=FACT_CHECKER_KIND, url=site_url),
        url=_url(review.get("url"), "claimReview.url", errors),
        published_at=_moment(review.get("reviewDate"), "claimReview.reviewDate", errors),
        headline=_text(
            review.get("title"), "claimReview.title", errors, limit=HEADLINE_MAX, one_line=True
        ),
        language=language,
        rating_language=language,
    )
    record.rating_text = _text(review.get("textualRating"), "claimReview.textualRating", errors)
    mapped = ratings.map_rating(words=record.rating_text, language=language)
    record.verdict, record.verdict_basis = str(mapped.verdict), str(mapped.basis)
    record.claimant = _party(claim.get("claimant"), "claimant", errors, SourceKind.OTHER)
    record.claim_date = _day(claim.get("claimDate"), "claimDate", errors)
    if errors:
        raise ValueError("; ".join(errors))
    return record


def _same_place(a: Appearance, b: Appearance) -> bool:
    if a.url or b.url:
        return a.url == b.url
    return a.headline == b.headline and _key(a.publisher) == _key(b.publisher)


def _key(party: Party | None) -> str:
    return party.name.casefold() if party else ""


def parse_items(
    items: list[tuple[str, object]], origin: str = "", start: int = 0
) -> tuple[list[Record], list[Problem]]:
    """Every item checked; the good records and a Problem (position, all reasons) per bad one."""
    records, problems = [], []
    for index, (path, obj) in enumerate(items, start=start):
        try:
            if isinstance(obj, tuple) and obj and obj[0] == "google":
                records.append(parse_google(index, path, obj[1], obj[2], origin))
            else:
                records.append(parse_claimreview(index, path, obj, origin))
        except ValueError as exc:
            problems.append(Problem(index=index, path=path, reason=str(exc), origin=origin))
    return records, problems


# ---------------------------------------------------------------------------- writing


class _Writer:
    """Writes records through the services, remembering the sources it matched or made."""

    def __init__(self, summary: Summary):
        self.summary = summary
        self.sources: dict[str, Source] = {}

    def source(self, party: Party) -> Source:
        key = party.name.casefold()
        if key not in self.sources:
            found = source_by_name(party.name)
            if found is None:
                found = source_services.source_create(
                    name=party.name, kind=party.kind, url=party.url
                )
                self.summary.created["sources"] += 1
            self.sources[key] = found
        return self.sources[key]

    def claimant(self, record: Record, claim: Claim) -> tuple[Source | None, str]:
        """The claimant's source and, for a placeholder, the words the review used."""
        party = record.claimant
        if party is None:
            return None, ""
        if not ratings.is_placeholder_claimant(party.name):
            return self.source(party), ""
        # One unnamed source per claim: "multiple sources" on two claims are not one party.
        name = f"Unnamed claimant of claim #{claim.pk}"
        found = source_by_name(name)
        if found is None:
            found = source_services.source_create(
                name=name,
                kind=SourceKind.OTHER,
                is_anonymous=True,
                description=(
                    "Placeholder: fact-checkers named this claim's claimant only as "
                    f"“{party.name}”, not as a particular party."
                ),
            )
            self.summary.created["sources"] += 1
        return found, party.name[:PLACEHOLDER_MAX]

    def document(self, appearance: Appearance, publisher: Source) -> Document:
        if appearance.url:
            found = Document.objects.filter(url=appearance.url).first()
        else:
            found = Document.objects.filter(
                url="", title=appearance.headline[:TITLE_MAX], publisher=publisher
            ).first()
        if found is None:
            found = source_services.document_create(
                title=(appearance.headline or appearance.url)[:TITLE_MAX],
                url=appearance.url,
                publisher=publisher,
                author=appearance.author,
                published_at=appearance.published_at,
            )
            self.summary.created["documents"] += 1
        return found

    def claim(self, record: Record) -> tuple[Claim, bool]:
        text = " ".join(record.claim_text.split())
        found = selectors.claim_by_text(text)
        if found is not None:
            return found, False
        self.summary.created["claims"] += 1
        return services.claim_create(text=text), True

    def hops(self, claim: Claim, claimant: Source | None, record: Record) -> None:
        """The provenance a new claim gets from its review: the claimant as origin, each
        appearance's publisher relaying it (or, with no claimant, as an origin itself)."""
        origins = []
        if claimant is not None:
            origins.append(services.attribution_add(claim=claim, source=claimant))
            self.summary.created["hops"] += 1
        seen = {claimant.pk} if claimant else set()
        for appearance in record.appearances:
            if appearance.publisher is None:
                continue  # kept on the review; no source to give a hop to
            publisher = self.source(appearance.publisher)
            if publisher.pk in seen:
                continue
            seen.add(publisher.pk)
            document = self.document(appearance, publisher)
            services.attribution_add(
                claim=claim, source=publisher, document=document, cites=list(origins)
            )
            self.summary.created["hops"] += 1

    def write(self, record: Record) -> None:
        author = self.source(record.author)
        existing = (
            Review.objects.filter(url=record.url).select_related("claim").first()
            if record.url
            else None
        )
        if existing is not None:
            claim, created = existing.claim, False
        else:
            claim, created = self.claim(record)
        claimant, placeholder = self.claimant(record, claim)
        if created:
            self.hops(claim, claimant, record)
        _, status = reviews.review_import_upsert(
            claim=claim,
            author=author,
            url=record.url,
            imported_from=record.origin,
            claimant=claimant,
            claimant_placeholder=placeholder,
            **record.review_fields(),
        )
        if status == "created":
            self.summary.created["reviews"] += 1
        elif status == "updated":
            self.summary.updated_reviews += 1
        else:
            self.summary.unchanged += 1


def _reason(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def import_records(
    records: list[Record],
    *,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
    summary: Summary | None = None,
) -> Summary:
    """Write checked records in one transaction; a record the services refuse is a Problem.

    Without ``skip_invalid`` any problem rolls back everything and raises ImportFailed; with
    it, each record is written in its own savepoint and a refused one is skipped.
    """
    summary = summary or Summary()
    with transaction.atomic():
        writer = _Writer(summary)
        for done, record in enumerate(records, start=1):
            before = _snapshot(summary)
            try:
                # A new record's claim is projected once, with its hops and review, not
                # after each of the three writes.
                with transaction.atomic(), projection.at_end():
                    writer.write(record)
            except ValidationError as exc:
                _restore(summary, before)
                writer.sources.clear()  # rolled-back sources must be looked up again
                summary.problems.append(
                    Problem(record.index, record.path, _reason(exc), record.origin)
                )
                summary.skipped_invalid += 1
            if progress and (done % PROGRESS_EVERY == 0 or done == len(records)):
                progress(done, len(records))
        if summary.problems and not skip_invalid:
            raise ImportFailed(summary)
    return summary


def import_data(
    files: list[tuple[str, object]],
    *,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Check and import already-decoded JSON files, ``[(name, data), …]``, as one batch.

    Raises FileError for a file that is not ClaimReview JSON, and ImportFailed (nothing
    written) when any record is bad and ``skip_invalid`` is off.
    """
    records, problems, start = [], [], 0
    for name, data in files:
        try:
            items = extract_items(data)
        except FileError as exc:
            raise FileError(f"{name}: {exc}") from None
        good, bad = parse_items(items, origin=name, start=start)
        records += good
        problems += bad
        start += len(items)
    summary = Summary(skipped_invalid=len(problems), problems=list(problems))
    if problems and not skip_invalid:
        raise ImportFailed(summary)
    return import_records(records, skip_invalid=skip_invalid, progress=progress, summary=summary)


def _snapshot(summary: Summary) -> tuple:
    return dict(summary.created), summary.updated_reviews, summary.unchanged


def _restore(summary: Summary, snapshot: tuple) -> None:
    summary.created, summary.updated_reviews, summary.unchanged = dict(snapshot[0]), *snapshot[1:]


class ImportFailed(Exception):
    """Some records are bad and skip_invalid was not given: nothing was written."""

    def __init__(self, summary: Summary):
        super().__init__(f"{len(summary.problems)} invalid records")
        self.summary = summary
