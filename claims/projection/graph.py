"""A claim's graph read in bulk: the claim, its hops (with what they cite), disputes, reviews
and topics, and the sources and documents they name, as plain slotted objects.

``load`` reads any number of claims in a fixed number of queries (eight, whatever the
count; the sources come with the parents they are affiliated with, up each chain), so the
projection costs the same per claim for one write and for a bulk rebuild.
The objects carry the attribute names ``claims.provenance`` reads (``pk``, ``source``,
``cite_ids``, ``target_id`` …), so chains, origins and figures come from the same pure
functions for a stored document and for an ``as_of`` one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.expressions import RawSQL

from sources.models import Document, Source

from ..models import Attribution, Claim, Dispute, Review


def fields(*names: str, extra: tuple = ()) -> tuple[tuple, tuple]:
    """``(__slots__, COLUMNS)`` of a node from one list: each name is both the attribute and
    the column read (``values_list``), or ``attribute=column`` where they differ; ``extra``
    are attributes that ``load`` fills afterwards. One list, so the two cannot drift apart."""
    pairs = [name.split("=", 1) if "=" in name else (name, name) for name in names]
    return (*(slot for slot, _ in pairs), *extra), tuple(column for _, column in pairs)


class Node:
    """A row as an object with the model's attribute names (and ``id`` as ``pk``): the values
    of ``COLUMNS`` in order, each set on the attribute of the same slot."""

    __slots__ = ()
    COLUMNS: tuple = ()

    def __init__(self, row):
        for name, value in zip(self.__slots__[: len(self.COLUMNS)], row, strict=True):
            setattr(self, name, value)

    @property
    def id(self):
        return self.pk


class SourceNode(Node):
    __slots__, COLUMNS = fields(
        "pk",
        "slug",
        "name",
        "kind",
        "is_anonymous",
        "reliability",
        "family",
        "url",
        "affiliation",
        "affiliated_with_slug=affiliated_with__slug",
        "affiliated_with_name=affiliated_with__name",
        "affiliated_with_id",
        extra=("affiliated_with",),
    )

    def __init__(self, row):
        super().__init__(row)
        self.affiliated_with = None  # its SourceNode: load() reads the affiliation chain too


class DocumentNode(Node):
    __slots__, COLUMNS = fields(
        "pk",
        "kind",
        "title",
        "url",
        "publisher_id",
        "author",
        "published_at",
        "language",
        extra=("publisher",),
    )

    def __init__(self, row):
        super().__init__(row)
        self.publisher = None


class HopNode(Node):
    __slots__, COLUMNS = fields(
        "pk",
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
        extra=("source", "document", "cite_ids"),
    )

    def __init__(self, row):
        super().__init__(row)
        self.cite_ids = []


class DisputeNode(Node):
    __slots__, COLUMNS = fields(
        "pk",
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
        "created_at",
        extra=("disputed_by", "document", "target"),
    )

    def __init__(self, row):
        super().__init__(row)
        self.target = None


class ReviewNode(Node):
    __slots__, COLUMNS = fields(
        "pk",
        "claim_id",
        "author_id",
        "url",
        "published_at",
        "headline",
        "language",
        "rating_text",
        "rating_language",
        "rating_value",
        "best_rating",
        "worst_rating",
        "verdict",
        "verdict_basis",
        "claimant_id",
        "claimant_placeholder",
        "imported_from",
        "body",
        "rating_explanation",
        "claim_reviewed",
        "claimant_same_as",
        "claim_date",
        "appearances",
        "imported_at",
        extra=("author", "claimant"),
    )


class ClaimGraph(Node):
    """One claim with everything its document is made of."""

    __slots__, COLUMNS = fields(
        "pk",
        "text",
        "occurred_at",
        "location",
        "verdict",
        "verdict_explanation",
        "credibility",
        "reviewed_by=reviewed_by__username",
        "reviewed_at",
        "created_at",
        "updated_at",
        extra=("topics", "hops", "disputes", "reviews"),
    )

    def __init__(self, row):
        super().__init__(row)
        self.topics = []  # slugs, by topic name
        self.hops = []  # by id
        self.disputes = []  # by stated_at, id
        self.reviews = []  # by published_at, id

    def with_verdict_of(self, history) -> ClaimGraph:
        """A copy whose verdict fields are those of ``history`` (a claim history row in force
        on a past day), or the unreviewed defaults when there was none yet."""
        copy = ClaimGraph.__new__(ClaimGraph)
        for name in self.__slots__:
            setattr(copy, name, getattr(self, name))
        if history is None:
            copy.verdict, copy.verdict_explanation, copy.credibility = "unrated", "", 6
            copy.reviewed_by, copy.reviewed_at = None, None
        else:
            copy.verdict = history.verdict
            copy.verdict_explanation = history.verdict_explanation
            copy.credibility = history.credibility
            reviewer = history.reviewed_by
            copy.reviewed_by = reviewer.get_username() if reviewer else None
            copy.reviewed_at = history.reviewed_at
        return copy


def _dispute_order(dispute: DisputeNode):
    # The order every surface lists disputes in: by the moment stated (undated last), then id;
    # moments are sortable ISO text (factcheck.moments).
    return (dispute.stated_at is None, dispute.stated_at or "", dispute.pk)


def _with_parents(source_ids: set[int]):
    """``source_ids`` and the sources they are affiliated with, up each chain, as one
    subquery (a recursive CTE; ``UNION`` stops at rows already seen, so a loop ends), so the
    parents a document names cost no query of their own."""
    ids = sorted(source_ids)
    if not ids:
        return []
    table = Source._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    return RawSQL(
        f"WITH RECURSIVE chain(id) AS ("
        f" SELECT id FROM {table} WHERE id IN ({marks})"
        f" UNION SELECT s.affiliated_with_id FROM {table} s JOIN chain c ON s.id = c.id"
        f" WHERE s.affiliated_with_id IS NOT NULL"
        f") SELECT id FROM chain",
        ids,
    )


def load(claim_ids: Iterable[int]) -> dict[int, ClaimGraph]:
    """claim id -> its graph, for every existing claim of ``claim_ids`` (eight queries)."""
    ids = list(claim_ids)
    if not ids:
        return {}
    graphs = {
        row[0]: ClaimGraph(row)
        for row in Claim.objects.filter(pk__any_of=ids).order_by().values_list(*ClaimGraph.COLUMNS)
    }
    if not graphs:
        return {}
    ids = list(graphs)
    hops: dict[int, HopNode] = {}
    for row in (
        Attribution.objects.filter(claim_id__any_of=ids)
        .order_by("id")
        .values_list(*HopNode.COLUMNS)
    ):
        hop = HopNode(row)
        hops[hop.pk] = hop
        graphs[hop.claim_id].hops.append(hop)
    if hops:
        through = Attribution.cites.through
        for citing, cited in (
            through.objects.filter(from_attribution__claim_id__any_of=ids)
            .order_by("from_attribution_id", "to_attribution_id")
            .values_list("from_attribution_id", "to_attribution_id")
        ):
            hops[citing].cite_ids.append(cited)
    disputes = [
        DisputeNode(row)
        for row in Dispute.objects.filter(claim_id__any_of=ids)
        .order_by()
        .values_list(*DisputeNode.COLUMNS)
    ]
    disputes.sort(key=_dispute_order)
    for claim_id, slug in (
        Claim.topics.through.objects.filter(claim_id__any_of=ids)
        .order_by("topic__name", "topic_id")
        .values_list("claim_id", "topic__slug")
    ):
        graphs[claim_id].topics.append(slug)

    reviews = [
        ReviewNode(row)
        for row in Review.objects.filter(claim_id__any_of=ids)
        .order_by("published_at", "id")
        .values_list(*ReviewNode.COLUMNS)
    ]
    document_ids = {hop.document_id for hop in hops.values()} | {d.document_id for d in disputes}
    document_ids.discard(None)
    documents = {
        row[0]: DocumentNode(row)
        for row in Document.objects.filter(pk__any_of=document_ids)
        .order_by()
        .values_list(*DocumentNode.COLUMNS)
    }
    source_ids = {hop.source_id for hop in hops.values()}
    source_ids |= {d.disputed_by_id for d in disputes}
    source_ids |= {doc.publisher_id for doc in documents.values() if doc.publisher_id}
    source_ids |= {r.author_id for r in reviews} | {r.claimant_id for r in reviews if r.claimant_id}
    sources = {
        row[0]: SourceNode(row)
        for row in Source.objects.filter(pk__in=_with_parents(source_ids))
        .order_by()
        .values_list(*SourceNode.COLUMNS)
    }
    for source in sources.values():
        source.affiliated_with = sources.get(source.affiliated_with_id)
    for document in documents.values():
        document.publisher = sources.get(document.publisher_id)
    for hop in hops.values():
        hop.source = sources[hop.source_id]
        hop.document = documents.get(hop.document_id)
    for dispute in disputes:
        dispute.disputed_by = sources[dispute.disputed_by_id]
        dispute.document = documents.get(dispute.document_id)
        dispute.target = hops.get(dispute.target_id)
        graphs[dispute.claim_id].disputes.append(dispute)
    for review in reviews:
        review.author = sources[review.author_id]
        review.claimant = sources.get(review.claimant_id)
        graphs[review.claim_id].reviews.append(review)
    return graphs


def load_one(claim_id: int) -> ClaimGraph | None:
    return load([claim_id]).get(claim_id)
