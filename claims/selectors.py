"""Reused reads: QuerySets that already carry their joins and prefetches.

The API, the reports and the CSV export all read claims through ``claim_list`` so that
each runs a fixed number of queries whatever the page size.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Lower
from django.http import StreamingHttpResponse

from factcheck.jsontext import dumps
from factcheck.moments import on_or_before, parse_moment
from factcheck.prepared import Prepared

from . import provenance
from .choices import Verdict
from .models import Attribution, Claim, Dispute, Review


def claim_by_text(text: str) -> Claim | None:
    """The oldest claim whose text is ``text`` in any case, or None: an index lookup
    (``lower(text)``, migration 0020), not a scan of every claim.

    The oldest of the (rare) matches is picked here, not with ``ORDER BY id LIMIT 1``:
    given that, PostgreSQL may walk the primary key hoping to meet a match early, which
    is the scan of every claim again.
    """
    matches = Claim.objects.alias(text_lower=Lower("text")).filter(text_lower=Lower(Value(text)))
    return min(matches.order_by(), key=lambda claim: claim.pk, default=None)


def hop_queryset() -> QuerySet:
    """Hops with their source (and its affiliation), document (and publisher), cited hop ids."""
    return (
        Attribution.objects.select_related(
            "source", "source__affiliated_with", "document", "document__publisher"
        )
        .prefetch_related(Prefetch("cites", queryset=Attribution.objects.only("id", "claim_id")))
        .order_by("id")
    )


def dispute_queryset() -> QuerySet:
    # document__publisher: the reports name where a hop or dispute appeared, and who published it.
    return Dispute.objects.select_related(
        "disputed_by", "document", "document__publisher", "target__source"
    ).order_by("stated_at", "id")


def claim_list() -> QuerySet:
    """Every claim with hops, disputes and topics prefetched, newest first."""
    return Claim.objects.select_related("reviewed_by").prefetch_related(
        Prefetch("attributions", queryset=hop_queryset()),
        Prefetch("disputes", queryset=dispute_queryset()),
        "topics",
    )


def disputed_claims() -> QuerySet:
    """Claims with at least one dispute that is not rejected, newest first."""
    return with_disputed(Claim.objects.all())


def claims_with_claimreviews() -> QuerySet:
    """Claims that have a ClaimReview to publish: an editors' verdict (not ``unrated``, as
    ``claimreview.is_reviewed`` says of a document) or at least one fact-checker's review."""
    return Claim.objects.filter(
        ~Q(verdict=Verdict.UNRATED) | Exists(Review.objects.filter(claim=OuterRef("pk")))
    )


def with_disputed(queryset, value: bool = True):
    """Claims that are (``value``) or are not disputed (``provenance.is_disputed``): the
    stored figure, which the disputed orderings' partial index covers (migration 0017)."""
    return queryset.filter(is_disputed=value)


def with_origin_kind(queryset, kind: str):
    """Claims with an origin hop by a source of ``kind``: the stored figure
    (``provenance.origin_figures``), one column read, no join of hops and sources. The API,
    the reports and the admin's list filter all use this."""
    return queryset.filter(origin_kind_mask__has_bits=provenance.KIND_BITS[kind])


def with_origin_anonymous(queryset, value: bool = True):
    """Claims with (``value``) or without an origin hop by an anonymous source."""
    return queryset.filter(origin_anonymous=value)


def in_source_family(queryset, source):
    """Claims with a hop by ``source`` or by a source affiliated with it, transitively: the
    stored figure (``provenance.source_lineage``), read on the claim's own row, where
    walking the family and probing every claim's hops cost (c) most of its time at 1M."""
    return queryset.filter(source_lineage__holds=source.pk)


# ---------------------------------------------------------------------------- stored projection


def served_text(text: str, pending) -> str:
    """A stored document as every surface serves it: as stored, or, while the claim has a
    ``PendingRefresh`` row (``pending`` is its key, else None), with ``"refreshing": true``:
    a background job is still applying a change to it (``projection.store.defer``).

    Marked here, for the rare claims that are pending, rather than in SQL for every claim:
    the ``CASE`` that chose between the two cost a list page more to build and compile
    than PostgreSQL took to run it (bench/RESULTS.md)."""
    if pending is None:
        return text
    document = json.loads(text)
    document["refreshing"] = True
    return dumps(document)


def document_rows(claims: QuerySet, *leading: str) -> QuerySet:
    """``(*leading, stored document text, pending)`` per claim, in the QuerySet's order:
    plain columns and one LEFT JOIN on ``PendingRefresh``'s key. ``served_texts`` turns
    them (a page of them) into the documents as served."""
    return claims.values_list(*leading, Cast("document", TextField()), "pending_refresh")


def served_texts(rows) -> list[str]:
    """``document_rows`` as the documents served, JSON text in order (``served_text``)."""
    return [served_text(text, pending) for text, pending in rows]


def report_entry_rows(claims: QuerySet) -> QuerySet:
    """Per claim, in the QuerySet's order, ``(id, stored report entry, pending)``: what the
    disputed report draws a page from. ``pending`` is not None while a background job is
    still refreshing the claim; such a claim's entry, and an empty one (a claim with no
    stored entry), is drawn afresh from its served document (``stored_documents``), which
    says that it is being refreshed.

    Plain columns and one LEFT JOIN: choosing between entry and document in SQL (a ``CASE``
    for each) cost the ORM more to build and compile than the statement took to run, and
    PostgreSQL more to run it: 5.6 ms against 3.0 ms for a page of 20 at a million claims,
    in-process (bench/RESULTS.md)."""
    return claims.values_list("pk", "report_html", "pending_refresh")


# Every claim page of the API asks for it: compiled once (factcheck.prepared), which saves
# each request a millisecond of building the QuerySet (bench/RESULTS.md).
_stored_document = Prepared(lambda pk: document_rows(Claim.objects.filter(pk=pk).order_by()), -1)


def stored_document(pk: int) -> str | None:
    """One claim's stored document as JSON text, or None when there is no such claim."""
    if not 0 < pk < 2**63:  # no such id (a bigint); the ORM's lookup would say so too
        return None
    rows = _stored_document.rows(pk)
    return served_text(*rows[0]) if rows else None


def document_etag(text: str) -> str:
    """The strong ETag of a stored document: any change a reader could see changes it."""
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


def stored_documents(claims) -> list[dict]:
    """The stored documents of ``claims`` (a QuerySet or ids), parsed, in that order."""
    if isinstance(claims, QuerySet):
        return [json.loads(text) for text in served_texts(document_rows(claims))]
    ids = list(claims)
    rows = document_rows(Claim.objects.filter(pk__any_of=ids), "pk")
    found = {pk: served_text(text, pending) for pk, text, pending in rows}
    return [json.loads(found[pk]) for pk in ids if pk in found]


def documents_as_of(claim_ids, day, *, missing_ok: bool = False) -> list[dict]:
    """Documents of ``claim_ids`` as known on ``day``, built afresh from their graphs with the
    projection's own functions, each with the verdict of that day (one history query).
    Claims nobody had reported by then are left out."""
    from . import projection

    ids = list(claim_ids)
    graphs = projection.load(ids)
    verdicts = verdicts_as_of(ids, day)
    documents = []
    for pk in ids:
        graph = graphs.get(pk)
        if graph is None:
            continue
        document = projection.build(graph, as_of=day, history=verdicts.get(pk))
        if not on_or_before(document["first_reported_at"], day):
            continue
        document["refreshing"] = False  # built from the graph just now: nothing pending
        documents.append(document)
    return documents


#: The column every claims CSV ends with: ``true`` while a change that reached the claim is
#: still being applied by the background job (its other cells predate that change).
REFRESHING_COLUMN = "refreshing"


def stored_csv_rows(claims: QuerySet) -> QuerySet:
    """The claims' stored CSV lines, in the QuerySet's order, each as ``(line, refreshing)``:
    ``refreshing`` is computed by the database (the claim has a ``PendingRefresh`` row), so
    a mark rewrites no stored line. ``csv_lines`` appends it as the last cell."""
    pending = ExpressionWrapper(Q(pending_refresh__isnull=False), output_field=BooleanField())
    return claims.values_list("csv_row", pending)


def csv_lines(rows) -> Iterator[str]:
    """``stored_csv_rows`` pairs as CSV lines ending with the ``refreshing`` cell. Joined
    here rather than in SQL: string functions over every line cost the database 0.29 s at
    100k claims, the join 0.1 s."""
    for line, refreshing in rows:
        yield line[:-2] + (",true\r\n" if refreshing else ",false\r\n")


def csv_header_line() -> str:
    """The claims CSV's header line: the projection's columns, then ``refreshing``."""
    from . import projection

    return projection.csv_header_line()[:-2] + f",{REFRESHING_COLUMN}\r\n"


def csv_download_of(lines, filename: str, *, bom: bool = False) -> StreamingHttpResponse:
    """Stored CSV lines (an iterable of text) as a streamed attachment, header first."""
    from factcheck.api import BOM, csv_attachment

    def pieces():
        yield (BOM if bom else "") + csv_header_line()
        buffer: list[str] = []
        size = 0
        for line in lines:
            buffer.append(line)
            size += len(line)
            if size >= CSV_PIECE:
                yield "".join(buffer)
                buffer, size = [], 0
        if buffer:
            yield "".join(buffer)

    return csv_attachment(pieces(), filename)


CSV_PIECE = 64 * 1024
# Rows fetched from the server-side cursor at a time. At 1M claims (92,082 disputed rows)
# a worker's peak memory grew 15 MB during the download with 5,000, 3 MB with 1,000, at
# the same speed: the round trips are few either way.
CSV_CHUNK = 1000


def claims_csv_download(claims: QuerySet, filename: str, *, bom: bool = False):
    """Every claim of a filtered QuerySet as CSV: the one writer, reading stored lines through
    a server-side cursor (PostgreSQL) in chunks, so memory stays flat whatever the size."""
    lines = csv_lines(stored_csv_rows(claims).iterator(chunk_size=CSV_CHUNK))
    return csv_download_of(lines, filename, bom=bom)


def verdicts_as_of(claim_ids, day) -> dict:
    """claim id -> the claim's history row in force at ``day``: the end of that day for a
    date, that instant for a date-time (a moment, ``factcheck.moments``). One query.

    Claims with no history row by then are absent: they had not been entered yet.
    """
    end = parse_moment(day).end
    rows = (
        Claim.history.filter(id__in=list(claim_ids), history_date__lte=end)
        .select_related("reviewed_by")  # shown as the reviewer of that day, no query per row
        .exclude(history_type="-")
        .order_by("id", "-history_date", "-history_id")
    )
    found: dict = {}
    for row in rows:
        found.setdefault(row.id, row)
    return found


SIMILARITY_THRESHOLD = 0.3
_WORD = re.compile(r"\w+", re.UNICODE)


def trigrams(text: str) -> set:
    """The trigram set pg_trgm uses: each lower-cased word padded with two spaces in front
    and one behind, so SQLite's fallback scores like PostgreSQL's ``similarity()``."""
    grams = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str, b: str) -> float:
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def similar_claims(claim: Claim, *, limit: int = 10, threshold: float = SIMILARITY_THRESHOLD):
    """Likely duplicates of ``claim``: [(other claim, score 0-1)], best first.

    PostgreSQL asks pg_trgm's GiST index for the nearest texts; SQLite narrows the
    candidates to claims sharing a long word and scores them with the same trigram rule.
    """
    others = Claim.objects.exclude(pk=claim.pk)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramDistance

        # Nearest neighbours by trigram distance (``<->``) walk the GiST trigram index and
        # stop after ``limit`` rows; ordering by anything more (even a tiebreak on id) would
        # make PostgreSQL score every candidate instead (5.8 s vs 0.85 s at 1M claims).
        rows = others.annotate(distance=TrigramDistance("text", claim.text)).order_by("distance")[
            :limit
        ]
        scored = [(row, round(1 - float(row.distance), 3)) for row in rows]
        scored = [pair for pair in scored if pair[1] >= threshold]
        scored.sort(key=lambda pair: (-pair[1], pair[0].pk))
        return scored
    words = sorted(set(_WORD.findall(claim.text.lower())), key=len, reverse=True)[:4]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(text__icontains=word)
    scored = [
        (row, round(trigram_similarity(claim.text, row.text), 3))
        for row in others.filter(condition).order_by("-id")[:2000]
    ]
    scored = [pair for pair in scored if pair[1] >= threshold]
    scored.sort(key=lambda pair: (-pair[1], pair[0].pk))
    return scored[:limit]


def similar_to_text(text: str, *, exclude_pk=None, limit: int = 5):
    """Likely duplicates of a claim text not saved yet (the admin's add form)."""
    probe = Claim(pk=exclude_pk or 0, text=text)
    return similar_claims(probe, limit=limit)
