"""Claims read as plain rows: the read path of the claim list, detail and CSV export.

``ClaimSerializer`` over ``selectors.claim_list()`` builds about sixteen model instances per
claim (the claim, hops, their sources, documents and publishers, cited hops, disputes,
topics) and runs DRF's field machinery over some sixty fields each: 40-60 ms of CPU for a
page of 50 at any database size (bench/RESULTS.md). Here the same page is read with
``values_list`` (tuples, no model instances) into slotted rows that carry exactly what
``claims.provenance`` and ``claims.intelligence`` read, so the figures come from the same
code, and the JSON is written straight into the dicts ``ClaimSerializer`` would produce.
``tests/api/test_claim_rows.py`` checks the two agree, claim for claim and byte for byte.

A page costs five queries after its own (hops, disputes, their sources, cited ids,
topics), whatever its size. The CSV export reads no hops at all: each claim's chains and
origins are stored as source ids (``export_rows``).
The DRF path stays for writes (the answer to a POST/PUT) and for ``as_of`` reads, which
need history rows and document dates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.contrib.postgres.aggregates import JSONBAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from rest_framework import serializers

from sources.models import Source

from . import exports, intelligence
from .models import Attribution, Claim, Dispute
from .provenance import ARROW

# The columns a claim row is read with, in ``ClaimRow.__slots__`` order.
CLAIM_COLUMNS = (
    "id",
    "text",
    "occurred_at",
    "location",
    "verdict",
    "verdict_explanation",
    "credibility",
    "reviewed_by__username",
    "reviewed_at",
    "first_reported_at",
    "is_disputed",
    "dispute_count",
    "created_at",
    "updated_at",
)
HOP_COLUMNS = (
    "id",
    "claim_id",
    "source_id",
    "document_id",
    "relation",
    "quote",
    "quote_language",
    "quote_translation",
    "stated_at",
    "note",
    "is_origin",
)
DISPUTE_COLUMNS = (
    "id",
    "claim_id",
    "disputed_by_id",
    "kind",
    "target_id",
    "statement",
    "quote",
    "quote_language",
    "quote_translation",
    "stated_at",
    "document_id",
    "resolution",
    "resolution_note",
)

# DRF's own fields format dates and datetimes, so the output cannot drift from the
# serializer's (time zone, trailing Z, microseconds).
_date = serializers.DateField().to_representation
_datetime = serializers.DateTimeField().to_representation


def _day(value):
    return None if value is None else _date(value)


def _moment(value):
    return None if value is None else _datetime(value)


class Rows(list):
    """A list that answers ``.all()``, so rows stand in for a prefetched related manager."""

    __slots__ = ()

    def all(self):
        return self


class SourceRow:
    """A hop's or dispute's source: what chains, families and grades read of it."""

    __slots__ = ("pk", "slug", "name", "reliability", "family")

    def __init__(self, pk, slug, name, reliability, family):
        self.pk = pk
        self.slug = slug
        self.name = name
        self.reliability = reliability
        self.family = family

    @property
    def id(self):
        return self.pk


class HopRow:
    __slots__ = (
        "pk",
        "claim_id",
        "source_id",
        "source",
        "document_id",
        "relation",
        "quote",
        "quote_language",
        "quote_translation",
        "stated_at",
        "note",
        "is_origin",
        "cite_ids",
    )

    def __init__(self, row, sources: dict):
        (
            self.pk,
            self.claim_id,
            self.source_id,
            self.document_id,
            self.relation,
            self.quote,
            self.quote_language,
            self.quote_translation,
            self.stated_at,
            self.note,
            self.is_origin,
        ) = row
        self.source = sources[self.source_id]
        self.cite_ids = []

    @property
    def id(self):
        return self.pk


class DisputeRow:
    __slots__ = (
        "pk",
        "claim_id",
        "disputed_by_id",
        "disputed_by",
        "kind",
        "target_id",
        "target",
        "statement",
        "quote",
        "quote_language",
        "quote_translation",
        "stated_at",
        "document_id",
        "resolution",
        "resolution_note",
    )

    def __init__(self, row, sources: dict):
        (
            self.pk,
            self.claim_id,
            self.disputed_by_id,
            self.kind,
            self.target_id,
            self.statement,
            self.quote,
            self.quote_language,
            self.quote_translation,
            self.stated_at,
            self.document_id,
            self.resolution,
            self.resolution_note,
        ) = row
        self.disputed_by = sources[self.disputed_by_id]
        self.target = None  # the hop row, set once the claim's hops are known

    @property
    def id(self):
        return self.pk


class TopicRow:
    __slots__ = ("slug",)

    def __init__(self, slug):
        self.slug = slug


class ClaimRow:
    """A claim with its hops, disputes and topics as rows (``claim.attributions.all()`` etc.
    work as on a prefetched model instance). Not slotted: ``intelligence.claim_facts`` keeps
    its per-day cache in the instance's ``__dict__``."""

    def __init__(self, row):
        (
            self.pk,
            self.text,
            self.occurred_at,
            self.location,
            self.verdict,
            self.verdict_explanation,
            self.credibility,
            self.reviewed_by_username,
            self.reviewed_at,
            self.first_reported_at,
            self.is_disputed,
            self.dispute_count,
            self.created_at,
            self.updated_at,
        ) = row
        self.attributions = Rows()
        self.disputes = Rows()
        self.topics = Rows()

    @property
    def id(self):
        return self.pk


def page_source(queryset: QuerySet) -> QuerySet:
    """The filtered claim QuerySet as tuples of ``CLAIM_COLUMNS``, in the same order, without
    the prefetches: what the paginator counts and slices."""
    return queryset.select_related(None).prefetch_related(None).values_list(*CLAIM_COLUMNS)


def claim_rows(rows: Sequence[tuple]) -> list[ClaimRow]:
    """Claim rows (tuples of ``CLAIM_COLUMNS``, in the order wanted) with their hops, cited
    ids, disputes and topics: five queries, whatever the number of claims.

    Hops and disputes are read without joining their sources: at a million claims PostgreSQL
    hashes all 5,000 sources for such a join (1.5 ms each); the few sources a page names are
    one index lookup instead. Cited ids come from the link table's (from, to) index alone.
    """
    claims = [ClaimRow(row) for row in rows]
    if not claims:
        return claims
    by_id = {claim.pk: claim for claim in claims}
    ids = list(by_id)
    hop_rows = list(
        Attribution.objects.filter(claim_id__in=ids).order_by("id").values_list(*HOP_COLUMNS)
    )
    dispute_rows = list(
        Dispute.objects.filter(claim_id__in=ids)
        .order_by("stated_at", "id")
        .values_list(*DISPUTE_COLUMNS)
    )
    wanted = {row[2] for row in hop_rows} | {row[2] for row in dispute_rows}
    sources = {
        pk: SourceRow(pk, *rest)
        for pk, *rest in Source.objects.filter(pk__in=wanted)
        .order_by()
        .values_list("pk", "slug", "name", "reliability", "family")
    }
    hops: dict = {}
    for row in hop_rows:
        hop = HopRow(row, sources)
        hops[hop.pk] = hop
        by_id[hop.claim_id].attributions.append(hop)
    if hops:
        # A hop cites hops of its own claim only (claims.services), so ordering by the cited
        # id is the serializer's order (its prefetch sorts by the cited hop's claim, id).
        for citing, cited in (
            Attribution.cites.through.objects.filter(from_attribution_id__in=list(hops))
            .order_by("from_attribution_id", "to_attribution_id")
            .values_list("from_attribution_id", "to_attribution_id")
        ):
            hops[citing].cite_ids.append(cited)
    for row in dispute_rows:
        dispute = DisputeRow(row, sources)
        dispute.target = hops.get(dispute.target_id)
        by_id[dispute.claim_id].disputes.append(dispute)
    for claim_id, slug in (
        Claim.topics.through.objects.filter(claim_id__in=ids)
        .order_by(F("topic__name"), "topic_id")
        .values_list("claim_id", "topic__slug")
    ):
        by_id[claim_id].topics.append(TopicRow(slug))
    return claims


# ---------------------------------------------------------------------------- JSON


def claim_data(claim: ClaimRow) -> dict:
    """The claim as ``ClaimSerializer`` writes it (same keys, same order, same values)."""
    facts = intelligence.claim_facts(claim)
    denied = facts.authorship_denials
    circular = facts.circular_hop_ids
    echo = facts.echo_origin
    return {
        "id": claim.pk,
        "text": claim.text,
        "occurred_at": _day(claim.occurred_at),
        "location": claim.location,
        "topics": [topic.slug for topic in claim.topics],
        "verdict": claim.verdict,
        "verdict_explanation": claim.verdict_explanation,
        "credibility": claim.credibility,
        "suggested_credibility": facts.suggested_credibility,
        "suggested_credibility_reason": facts.suggested_credibility_reason,
        "reviewed_by": claim.reviewed_by_username,
        "reviewed_at": _moment(claim.reviewed_at),
        "first_reported_at": _day(claim.first_reported_at),
        "is_disputed": claim.is_disputed,
        "dispute_count": claim.dispute_count,
        "origins": [source.slug for source in facts.origins],
        "independent_origin_count": facts.independent_origin_count,
        "relay_count": facts.relay_count,
        "single_origin_echo": facts.single_origin_echo,
        "echo_origin": echo.slug if echo else None,
        "circular_reporting": facts.circular_reporting,
        "authorship_contested": facts.authorship_contested,
        "attributions": [
            {
                "id": hop.pk,
                "source": hop.source.slug,
                "document": hop.document_id,
                "cites": hop.cite_ids,
                "relation": hop.relation,
                "quote": hop.quote,
                "quote_language": hop.quote_language,
                "quote_translation": hop.quote_translation,
                "stated_at": _day(hop.stated_at),
                "note": hop.note,
                "is_origin": hop.is_origin,
                "authorship_contested": hop.pk in denied,
                "circular": hop.pk in circular,
            }
            for hop in facts.hops
        ],
        "chains": [
            {
                "hops": item.chain.hop_ids,
                "sources": item.chain.source_slugs,
                "label": item.chain.label,
                "weakest_reliability": item.weakest_reliability,
                "weakest_hop": item.weakest_hop.pk,
            }
            for item in facts.chains
        ],
        "disputes": [
            {
                "id": dispute.pk,
                "disputed_by": dispute.disputed_by.slug,
                "kind": dispute.kind,
                "target": dispute.target_id,
                "statement": dispute.statement,
                "quote": dispute.quote,
                "quote_language": dispute.quote_language,
                "quote_translation": dispute.quote_translation,
                "stated_at": _day(dispute.stated_at),
                "document": dispute.document_id,
                "resolution": dispute.resolution,
                "resolution_note": dispute.resolution_note,
            }
            for dispute in facts.disputes
        ],
        "created_at": _moment(claim.created_at),
        "updated_at": _moment(claim.updated_at),
    }


def claims_data(rows: Sequence[tuple]) -> list[dict]:
    """A page of claim tuples (from ``page_source``) as the API's JSON objects."""
    return [claim_data(claim) for claim in claim_rows(rows)]


# ---------------------------------------------------------------------------- CSV


# A claim's CSV columns, in ``exports.CLAIM_CSV_HEADER`` order with the two stored id lists
# (chains, origins) where their columns go.
CSV_CLAIM_COLUMNS = (
    "id",
    "text",
    "verdict",
    "credibility",
    "occurred_at",
    "location",
    "first_reported_at",
    "is_disputed",
    "dispute_count",
    "origin_source_ids",
    "chain_source_ids",
    "updated_at",
)


def export_rows(queryset: QuerySet, chunk_size: int = 2000) -> Iterator[list]:
    """Every claim of a filtered QuerySet as ``exports.claim_csv_row`` rows, streamed.

    Chains and origins come from the claim's stored source ids (``Claim.chain_source_ids``,
    filled by the services with the rest of the derived columns), so no hop or citation is
    read, and names are read at export time, so a renamed source shows its new name.

    On PostgreSQL one server-side cursor reads each claim with its topics and disputes
    (correlated subqueries, aggregated in the database), ``chunk_size`` claims a fetch, plus
    one query a chunk for the sources it names that earlier chunks did not. Elsewhere each
    chunk reads its disputes and topics with two more queries.
    """
    rows = queryset.select_related(None).prefetch_related(None)
    in_database = connection.vendor == "postgresql"
    if in_database:
        rows = rows.annotate(
            csv_topics=ArraySubquery(
                _topics().filter(claim_id=OuterRef("pk")).values("topic__slug")
            ),
            csv_disputes=Subquery(
                Dispute.objects.filter(claim_id=OuterRef("pk"))
                .order_by()  # the order is the aggregate's; one row per claim
                .values("claim_id")
                .annotate(rows=JSONBAgg(JSONObject(**DISPUTE_CSV), order_by=DISPUTE_ORDER))
                .values("rows"),
                output_field=JSONField(),
            ),
        ).values_list(*CSV_CLAIM_COLUMNS, "csv_topics", "csv_disputes")
    else:
        rows = rows.values_list(*CSV_CLAIM_COLUMNS)
    sources: dict[int, tuple[str, str]] = {}  # id -> (slug, name), kept across chunks
    chunk: list = []
    for row in rows.iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) == chunk_size:
            yield from _csv_chunk(chunk, sources, in_database)
            chunk = []
    if chunk:
        yield from _csv_chunk(chunk, sources, in_database)


# What the CSV's dispute summary reads of a dispute (``exports.summary_line``), in its order.
DISPUTE_CSV = {
    "by": F("disputed_by_id"),
    "kind": F("kind"),
    "target": F("target__source_id"),
    "day": F("stated_at"),
    "quote": F("quote"),
    "resolution": F("resolution"),
}
DISPUTE_ORDER = ("stated_at", "id")


def _disputes() -> QuerySet:
    return Dispute.objects.order_by(*DISPUTE_ORDER)


def _topics() -> QuerySet:
    return Claim.topics.through.objects.order_by(F("topic__name"), "topic_id")


def _ids(text: str, separator: str) -> list[int]:
    return [int(part) for part in text.split(separator)] if text else []


def _csv_chunk(rows: list[tuple], sources: dict, in_database: bool) -> Iterator[list]:
    if in_database:
        topics = {row[0]: row[12] for row in rows}
        disputes = {row[0]: row[13] or () for row in rows}
    else:
        ids = [row[0] for row in rows]
        topics, disputes = {}, {}
        for claim_id, slug in (
            _topics().filter(claim_id__in=ids).values_list("claim_id", "topic__slug")
        ):
            topics.setdefault(claim_id, []).append(slug)
        for claim_id, *values in (
            _disputes().filter(claim_id__in=ids).values_list("claim_id", *DISPUTE_CSV.values())
        ):
            day = values[3]
            values[3] = day.isoformat() if day else None
            disputes.setdefault(claim_id, []).append(dict(zip(DISPUTE_CSV, values, strict=True)))
    origins = {row[0]: _ids(row[9], ",") for row in rows}
    chains = {
        row[0]: [_ids(path, ">") for path in row[10].split(";")] if row[10] else [] for row in rows
    }
    wanted = {pk for ids_ in origins.values() for pk in ids_}
    wanted.update(pk for paths in chains.values() for path in paths for pk in path)
    for items in disputes.values():
        for dispute in items:
            wanted.add(dispute["by"])
            if dispute["target"] is not None:
                wanted.add(dispute["target"])
    missing = wanted - sources.keys()
    if missing:
        for pk, slug, name in (
            Source.objects.filter(pk__in=missing).order_by().values_list("pk", "slug", "name")
        ):
            sources[pk] = (slug, name)
    join_names = ARROW.join
    summary = exports.summary_line
    for row in rows:
        pk = row[0]
        yield [
            pk,
            row[1],
            row[2],
            row[3],
            row[4].isoformat() if row[4] else "",
            row[5],
            row[6].isoformat() if row[6] else "",
            row[7],
            row[8],
            [sources[source][0] for source in origins[pk]],
            " | ".join(join_names(sources[source][1] for source in path) for path in chains[pk]),
            " | ".join(
                summary(
                    sources[d["by"]][1],
                    d["kind"],
                    sources[d["target"]][1] if d["target"] is not None else None,
                    d["day"],
                    d["quote"],
                    d["resolution"],
                )
                for d in disputes.get(pk, ())
            ),
            topics.get(pk) or [],
            row[11].isoformat(),
        ]
