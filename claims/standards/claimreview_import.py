"""Read schema.org ClaimReview records (an array, one object, or a feed) into the tracker.

Two phases. ``parse_file`` checks every record without touching the database and returns
the readable ones plus, for each bad one, its position and the reason. ``import_records``
then writes inside one transaction, through the services only:

- the claim's authors (``itemReviewed.author``) become sources and **origin** hops;
- each appearance becomes a document (matched by URL, else by publisher and headline) whose
  publisher is a source; a publisher that is not an author gets a hop in that document
  citing the origins (it relays the claim); with no author at all, the publishers' hops are
  the origins, since nothing says whom they relayed;
- ``reviewRating`` becomes the verdict (see ``claimreview.verdict_from_rating``), the
  review's ``datePublished`` its review date, ``ratingExplanation`` its explanation.

Matching makes a second import of the same file change nothing: sources by name
(case-insensitive), documents by URL, claims by text (case-insensitive) plus the same set of
origin sources, hops by source (and whether they are origins).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from claims import services
from claims.models import Attribution, Claim
from sources import services as source_services
from sources.choices import SourceKind
from sources.models import Document, Source

from .claimreview import verdict_from_rating

# schema.org types of an author or publisher → our source kind.
TYPE_KINDS = {
    "person": SourceKind.PERSON,
    "organization": SourceKind.ORGANIZATION,
    "newsmediaorganization": SourceKind.NEWS_OUTLET,
    "governmentorganization": SourceKind.GOVERNMENT,
    "ngo": SourceKind.ORGANIZATION,
    "corporation": SourceKind.ORGANIZATION,
}
# A publisher of an appearance is a news outlet unless its type says otherwise.
PUBLISHER_DEFAULT_KIND = SourceKind.NEWS_OUTLET
NAME_MAX = Source._meta.get_field("name").max_length
TITLE_MAX = Document._meta.get_field("title").max_length
URL_MAX = Document._meta.get_field("url").max_length
PROGRESS_EVERY = 500

_url_ok = URLValidator(schemes=["http", "https"])


class RecordError(ValueError):
    """One record cannot be imported; the message says why."""


class FileError(ValueError):
    """The file as a whole is not ClaimReview JSON."""


@dataclass
class Party:
    name: str
    kind: str
    url: str = ""


@dataclass
class Appearance:
    url: str
    title: str
    published_at: datetime.date | None
    publisher: Party | None
    author: str = ""


@dataclass
class Record:
    index: int
    path: str
    text: str
    verdict: str
    explanation: str
    reviewed_at: datetime.datetime | None
    authors: list[Party] = field(default_factory=list)
    appearances: list[Appearance] = field(default_factory=list)


@dataclass
class Problem:
    index: int
    path: str
    reason: str

    def __str__(self) -> str:
        return f"record {self.index} ({self.path}): {self.reason}"


@dataclass
class Summary:
    created: dict = field(
        default_factory=lambda: {"sources": 0, "documents": 0, "claims": 0, "hops": 0}
    )
    updated_claims: int = 0
    unchanged: int = 0
    skipped_invalid: int = 0
    problems: list = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary as the command prints it."""
        made = ", ".join(f"{n} {what}" for what, n in self.created.items())
        return [
            f"Created: {made}.",
            f"Updated: {self.updated_claims} claims (verdict, explanation or review date).",
            f"Unchanged: {self.unchanged} records.",
            f"Skipped as invalid: {self.skipped_invalid} records.",
        ]


# ---------------------------------------------------------------------------- reading


def _types(obj) -> list[str]:
    kind = obj.get("@type") if isinstance(obj, dict) else None
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def extract_items(data) -> list[tuple[str, object]]:
    """(path, object) of every record in a ClaimReview file, in file order.

    Accepts a JSON array of ClaimReview objects, one object, ``{"@graph": [...]}`` and a
    DataFeed ``{"dataFeedElement": [{"item": [...]}, ...]}`` as Google's fact-check markup
    tool exports (an element without ``item`` is taken as the review itself).
    """
    if isinstance(data, list):
        return [(f"[{i}]", item) for i, item in enumerate(data)]
    if not isinstance(data, dict):
        raise FileError("The file holds neither a JSON array nor an object.")
    if "@graph" in data:
        graph = data["@graph"]
        if not isinstance(graph, list):
            raise FileError("@graph is not an array.")
        return [(f"@graph[{i}]", item) for i, item in enumerate(graph)]
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
    return [("(the whole file)", data)]


def _text(value, what: str, *, required: bool = False, limit: int | None = None) -> str:
    if value is None or value == "":
        if required:
            raise RecordError(f"{what} is missing")
        return ""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = value[0]
    if not isinstance(value, str):
        raise RecordError(f"{what} is not text")
    value = " ".join(value.split()) if limit else value.strip()
    if required and not value:
        raise RecordError(f"{what} is blank")
    if limit and len(value) > limit:
        raise RecordError(f"{what} is longer than {limit} characters")
    return value


def _url(value, what: str) -> str:
    url = _text(value, what)
    if not url:
        return ""
    if len(url) > URL_MAX:
        raise RecordError(f"{what} is longer than {URL_MAX} characters")
    try:
        _url_ok(url)
    except ValidationError:
        raise RecordError(f"{what} “{url}” is not an http(s) URL") from None
    return url


def _date(value, what: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordError(f"{what} is not a date")
    moment = parse_datetime(value) if "T" in value else None
    day = moment.date() if moment else parse_date(value[:10])
    if day is None:
        raise RecordError(f"{what} “{value}” is not an ISO 8601 date")
    return day


def _party(value, what: str, default_kind: str) -> Party:
    if isinstance(value, str):
        return Party(
            name=_text(value, f"{what} name", required=True, limit=NAME_MAX), kind=default_kind
        )
    if not isinstance(value, dict):
        raise RecordError(f"{what} is neither a name nor an object")
    name = _text(value.get("name"), f"{what}.name", required=True, limit=NAME_MAX)
    kinds = [TYPE_KINDS[t.lower()] for t in _types(value) if t.lower() in TYPE_KINDS]
    return Party(
        name=name,
        kind=kinds[0] if kinds else default_kind,
        url=_url(value.get("url"), f"{what}.url"),
    )


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _appearance(value, what: str) -> Appearance:
    if isinstance(value, str):
        url = _url(value, what)
        return Appearance(url=url, title=url[:TITLE_MAX], published_at=None, publisher=None)
    if not isinstance(value, dict):
        raise RecordError(f"{what} is neither a URL nor an object")
    url = _url(value.get("url"), f"{what}.url")
    title = _text(value.get("headline") or value.get("name"), f"{what}.headline", limit=TITLE_MAX)
    if not title and not url:
        raise RecordError(f"{what} has neither url nor headline, so it names no document")
    publisher = value.get("publisher")
    author = value.get("author")
    author_name = ""
    if isinstance(author, dict):
        author_name = _text(author.get("name"), f"{what}.author.name", limit=300)
    elif isinstance(author, str):
        author_name = _text(author, f"{what}.author", limit=300)
    return Appearance(
        url=url,
        title=title or url[:TITLE_MAX],
        published_at=_date(value.get("datePublished"), f"{what}.datePublished"),
        publisher=_party(publisher, f"{what}.publisher", PUBLISHER_DEFAULT_KIND)
        if publisher
        else None,
        author=author_name,
    )


def parse_record(index: int, path: str, obj) -> Record:
    """Check one ClaimReview object and return what the tracker needs from it."""
    if not isinstance(obj, dict):
        raise RecordError("not a JSON object")
    if "ClaimReview" not in _types(obj):
        raise RecordError(f"@type is {obj.get('@type')!r}, not ClaimReview")
    text = _text(obj.get("claimReviewed"), "claimReviewed", required=True)
    rating = obj.get("reviewRating")
    if rating is None:
        raise RecordError("reviewRating is missing, so there is no verdict to import")
    try:
        verdict = verdict_from_rating(rating)
    except ValueError as exc:
        raise RecordError(str(exc)) from None
    explanation = _text(rating.get("ratingExplanation"), "reviewRating.ratingExplanation")
    day = _date(obj.get("datePublished"), "datePublished")
    reviewed_at = (
        datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC) if day else None
    )
    item = obj.get("itemReviewed") or {}
    if not isinstance(item, dict):
        raise RecordError("itemReviewed is not an object")
    authors = [
        _party(a, f"itemReviewed.author[{i}]", SourceKind.ORGANIZATION)
        for i, a in enumerate(_list(item.get("author")))
    ]
    appearances = [
        _appearance(a, f"itemReviewed.appearance[{i}]")
        for i, a in enumerate(_list(item.get("appearance")))
    ]
    if item.get("firstAppearance"):
        first = _appearance(item["firstAppearance"], "itemReviewed.firstAppearance")
        if not any(_same_document(first, other) for other in appearances):
            appearances.insert(0, first)
    return Record(
        index=index,
        path=path,
        text=text,
        verdict=verdict,
        explanation=explanation,
        reviewed_at=reviewed_at,
        authors=_distinct_parties(authors),
        appearances=appearances,
    )


def _same_document(a: Appearance, b: Appearance) -> bool:
    if a.url or b.url:
        return a.url == b.url
    return a.title == b.title and _key(a.publisher) == _key(b.publisher)


def _key(party: Party | None) -> str:
    return party.name.lower() if party else ""


def _distinct_parties(parties: list[Party]) -> list[Party]:
    seen: dict[str, Party] = {}
    for party in parties:
        seen.setdefault(party.name.lower(), party)
    return list(seen.values())


def parse_items(items: list[tuple[str, object]]) -> tuple[list[Record], list[Problem]]:
    """Every record checked; the good ones and a Problem (position, reason) per bad one."""
    records, problems = [], []
    for index, (path, obj) in enumerate(items):
        try:
            records.append(parse_record(index, path, obj))
        except RecordError as exc:
            problems.append(Problem(index=index, path=path, reason=str(exc)))
    return records, problems


# ---------------------------------------------------------------------------- writing


class _Writer:
    """Writes records through the services, remembering what it matched or made."""

    def __init__(self, summary: Summary):
        self.summary = summary
        self.sources: dict[str, Source] = {}

    def source(self, party: Party) -> Source:
        key = party.name.lower()
        if key not in self.sources:
            found = Source.objects.filter(name__iexact=party.name).order_by("pk").first()
            if found is None:
                found = source_services.source_create(
                    name=party.name, kind=party.kind, url=party.url
                )
                self.summary.created["sources"] += 1
            self.sources[key] = found
        return self.sources[key]

    def document(self, appearance: Appearance) -> Document:
        publisher = self.source(appearance.publisher) if appearance.publisher else None
        if appearance.url:
            found = Document.objects.filter(url=appearance.url).first()
        else:
            found = Document.objects.filter(
                url="", title=appearance.title, publisher=publisher
            ).first()
        if found is None:
            found = source_services.document_create(
                title=appearance.title,
                url=appearance.url,
                publisher=publisher,
                author=appearance.author,
                published_at=appearance.published_at,
            )
            self.summary.created["documents"] += 1
        return found

    def claim(self, record: Record, origin_ids: set[int]) -> tuple[Claim, bool]:
        for candidate in Claim.objects.filter(text__iexact=record.text).order_by("pk"):
            origins = set(
                Attribution.objects.filter(claim=candidate, is_origin=True).values_list(
                    "source_id", flat=True
                )
            )
            if origins == origin_ids:
                return candidate, False
        self.summary.created["claims"] += 1
        return services.claim_create(text=record.text), True

    def write(self, record: Record) -> None:
        documents = [(a, self.document(a)) for a in record.appearances]
        authors = [self.source(party) for party in record.authors]
        if authors:
            origin_sources = authors
        else:
            origin_sources = []
            for appearance, _ in documents:
                if appearance.publisher:
                    publisher = self.source(appearance.publisher)
                    if publisher not in origin_sources:
                        origin_sources.append(publisher)
        claim, created = self.claim(record, {source.pk for source in origin_sources})
        changed = self.hops(claim, origin_sources, documents)
        if self.verdict(claim, record) and not created:
            changed = True
        if created:
            return
        if changed:
            self.summary.updated_claims += 1
        else:
            self.summary.unchanged += 1

    def hops(self, claim: Claim, origin_sources: list[Source], documents) -> bool:
        hops = list(claim.attributions.all())
        origins = {hop.source_id: hop for hop in hops if hop.is_origin}
        relays = {hop.source_id: hop for hop in hops if not hop.is_origin}
        by_publisher = {}
        for _appearance, document in documents:
            if document.publisher_id:
                by_publisher.setdefault(document.publisher_id, document)
        changed = False
        for source in origin_sources:
            if source.pk not in origins:
                origins[source.pk] = services.attribution_add(
                    claim=claim, source=source, document=by_publisher.get(source.pk)
                )
                self.summary.created["hops"] += 1
                changed = True
        cited = [origins[source.pk] for source in origin_sources]
        for publisher_id, document in by_publisher.items():
            if publisher_id in origins or publisher_id in relays:
                continue
            relays[publisher_id] = services.attribution_add(
                claim=claim, source=document.publisher, document=document, cites=cited
            )
            self.summary.created["hops"] += 1
            changed = True
        return changed

    def verdict(self, claim: Claim, record: Record) -> bool:
        wanted = {"verdict": record.verdict, "verdict_explanation": record.explanation}
        if record.reviewed_at is not None:
            wanted["reviewed_at"] = record.reviewed_at
        elif claim.reviewed_at is None:
            wanted["reviewed_at"] = timezone.now()
        if all(getattr(claim, name) == value for name, value in wanted.items()):
            return False
        services.claim_update(claim, **wanted)
        return True


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
                with transaction.atomic():
                    writer.write(record)
            except ValidationError as exc:
                _restore(summary, before)
                writer.sources.clear()  # rolled-back sources must be looked up again
                reason = (
                    "; ".join(
                        f"{name}: {' '.join(messages)}"
                        for name, messages in exc.message_dict.items()
                    )
                    if hasattr(exc, "message_dict")
                    else " ".join(exc.messages)
                )
                summary.problems.append(Problem(record.index, record.path, reason))
                summary.skipped_invalid += 1
            if progress and (done % PROGRESS_EVERY == 0 or done == len(records)):
                progress(done, len(records))
        if summary.problems and not skip_invalid:
            raise ImportFailed(summary)
    return summary


def _snapshot(summary: Summary) -> tuple:
    return dict(summary.created), summary.updated_claims, summary.unchanged


def _restore(summary: Summary, snapshot: tuple) -> None:
    summary.created, summary.updated_claims, summary.unchanged = dict(snapshot[0]), *snapshot[1:]


class ImportFailed(Exception):
    """Some records are bad and --skip-invalid was not given: nothing was written."""

    def __init__(self, summary: Summary):
        super().__init__(f"{len(summary.problems)} invalid records")
        self.summary = summary
