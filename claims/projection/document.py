"""A claim's graph → what readers see: its document (the API's JSON), its CSV row and the
figures stored beside them for filters and orderings.

This is the only place that turns hops, cites and disputes into chains, origins, labels,
flags and grades (through the pure functions of ``claims.provenance``). Everything a
surface shows of a claim is in the document, including the names, kinds and reliability of
the sources it mentions (``sources``) and the documents its hops and disputes appeared in
(``documents``), so no surface reads the graph again.
"""

from __future__ import annotations

import csv
import datetime
import io

from factcheck import limits
from factcheck.api import csv_safe
from factcheck.moments import on_or_before

from .. import provenance


def day(value):
    """A date (or a stored moment) as the API writes it, or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value.isoformat()


def moment(value):
    """An aware datetime as the API writes it: UTC, ISO 8601, ``Z`` for +00:00 (DRF's form)."""
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# ---------------------------------------------------------------------------- figures


def _number(value):
    """A rating as published (a Decimal from the database) as a JSON number, or None."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _published_by(review, as_of) -> bool:
    """A review counts as known on ``as_of`` when it was published by then (a day bound
    meaning its whole day)."""
    return on_or_before(review.published_at, as_of)


class Analysis:
    """Everything derived from one set of hops and disputes, each walked once: the citation
    graph, its chains, origin families, relays, grade and flags."""

    __slots__ = (
        "built",
        "paths",
        "families",
        "relays",
        "echo",
        "denied",
        "circular",
        "grade",
        "reason",
        "first_reported_at",
        "is_disputed",
    )

    def __init__(self, hops, disputes):
        self.built = provenance.build_graph(hops)
        self.paths = provenance.chains(hops, graph=self.built)
        self.families = provenance.origin_families(hops, self.built)
        self.relays = provenance.relay_sources(hops, self.built)
        self.echo = provenance.is_echo(self.families, self.relays)
        self.denied = provenance.authorship_denials(disputes)
        self.circular = provenance.circular_hop_ids(hops, self.paths)
        self.grade, self.reason = provenance.suggested_credibility(hops, disputes, self.families)
        self.first_reported_at = provenance.first_reported(hops)
        self.is_disputed = provenance.is_disputed(disputes)


def figures(graph, hops=None, disputes=None, analysis: Analysis | None = None) -> dict:
    """The figures stored on the claim (filters and orderings read them), from ``graph``'s
    hops and disputes, or the given subsets (``as_of``)."""
    hops = graph.hops if hops is None else hops
    disputes = graph.disputes if disputes is None else disputes
    facts = analysis or Analysis(hops, disputes)
    parts = [graph.text]
    for hop in hops:
        parts += [hop.quote, hop.quote_translation]
    for dispute in disputes:
        parts += [dispute.quote, dispute.quote_translation, dispute.statement]
    return {
        "first_reported_at": facts.first_reported_at,
        "dispute_count": len(disputes),
        "is_disputed": facts.is_disputed,
        # Capped so its tsvector stays under PostgreSQL's 1 MB however many hops there are.
        "search_document": limits.bounded_search_document("\n".join(p for p in parts if p)),
        "independent_origin_count": len(facts.families),
        "relay_count": len(facts.relays),
        "single_origin_echo": facts.echo,
        "circular_reporting": bool(facts.circular),
        "authorship_contested": bool(facts.denied),
        **provenance.origin_figures(hops),
        "source_lineage": provenance.source_lineage(hops),
    }


# ---------------------------------------------------------------------------- document


def _source(source) -> dict:
    return {
        "name": source.name,
        "kind": source.kind,
        "is_anonymous": source.is_anonymous,
        "reliability": source.reliability,
        "url": source.url,
        "family": source.family or source.pk,
        "affiliation": source.affiliation,
        "affiliated_with": source.affiliated_with_slug,
        "affiliated_with_name": source.affiliated_with_name,
    }


def _document(document) -> dict:
    publisher = document.publisher
    return {
        "title": document.title,
        "url": document.url,
        "kind": document.kind,
        "publisher": publisher.slug if publisher else None,
        "publisher_name": publisher.name if publisher else None,
        "author": document.author,
        "published_at": day(document.published_at),
        "language": document.language,
    }


def build(graph, *, as_of=None, history=None) -> dict:
    """The claim's document. With ``as_of`` (a date), the claim as known that day: hops and
    disputes stated by then (``provenance.as_of``) and the verdict of ``history``, its
    history row in force that day (None: not reviewed yet)."""
    return project(graph, as_of=as_of, history=history)[1]


def project(graph, *, as_of=None, history=None) -> tuple[dict, dict]:
    """(stored figures, document) of a claim graph, every derived fact computed once."""
    hops, disputes = graph.hops, graph.disputes
    if as_of is not None:
        hops, disputes = provenance.as_of(hops, disputes, as_of)
        graph = graph.with_verdict_of(history)
    facts = Analysis(hops, disputes)
    stored = figures(graph, hops, disputes, facts)
    built, paths, families = facts.built, facts.paths, facts.families
    echo = facts.echo
    echo_origin = next(iter(families.values()))[0] if echo else None
    grade, reason = facts.grade, facts.reason
    denied, circular = facts.denied, facts.circular
    sources: dict = {}
    documents: dict = {}

    def named(source) -> str:
        if source.slug not in sources:
            sources[source.slug] = source
            # and the parents it speaks for, up its affiliation chain (PROV's actedOnBehalfOf)
            if source.affiliated_with is not None:
                named(source.affiliated_with)
        return source.slug

    def placed(document):
        if document is None:
            return None
        documents.setdefault(str(document.pk), document)
        if document.publisher is not None:
            named(document.publisher)
        return document.pk

    attributions = [
        {
            "id": hop.pk,
            "source": named(hop.source),
            "document": placed(hop.document),
            "cites": sorted(hop.cite_ids),
            "relation": hop.relation,
            "quote": hop.quote,
            "quote_language": hop.quote_language,
            "quote_translation": hop.quote_translation,
            "stated_at": day(hop.stated_at),
            "note": hop.note,
            "is_origin": hop.is_origin,
            "authorship_contested": hop.pk in denied,
            "circular": hop.pk in circular,
        }
        for hop in built.hops.values()
    ]
    chains = []
    for chain in paths:
        weakest = chain.weakest_hop
        chains.append(
            {
                "hops": chain.hop_ids,
                "sources": chain.source_slugs,
                "label": chain.label,
                "weakest_reliability": weakest.source.reliability,
                "weakest_hop": weakest.pk,
                "truncated": chain.truncated,
            }
        )
    dispute_rows = [
        {
            "id": dispute.pk,
            "disputed_by": named(dispute.disputed_by),
            "kind": dispute.kind,
            "target": dispute.target_id,
            "statement": dispute.statement,
            "quote": dispute.quote,
            "quote_language": dispute.quote_language,
            "quote_translation": dispute.quote_translation,
            "stated_at": day(dispute.stated_at),
            "document": placed(dispute.document),
            "resolution": dispute.resolution,
            "resolution_note": dispute.resolution_note,
        }
        for dispute in disputes
    ]
    origins = [named(source) for source in provenance.origin_sources(hops, built)]
    # Every field a review's ClaimReview export needs (claims.standards.claimreview builds
    # it from this dict alone). ``published_at`` is a Moment, which ``day`` gives back as
    # stored: a date for a day, ``…Z`` with its time of day for a time.
    reviews = [
        {
            "id": review.pk,
            "author": named(review.author),
            "url": review.url,
            "published_at": day(review.published_at),
            "headline": review.headline,
            "body": review.body,
            "language": review.language,
            "rating_text": review.rating_text,
            "rating_language": review.rating_language,
            "rating_value": _number(review.rating_value),
            "best_rating": _number(review.best_rating),
            "worst_rating": _number(review.worst_rating),
            "rating_explanation": review.rating_explanation,
            "verdict": review.verdict,
            "verdict_basis": review.verdict_basis,
            "claim_reviewed": review.claim_reviewed,
            "claimant": named(review.claimant) if review.claimant else None,
            "claimant_placeholder": review.claimant_placeholder,
            "claimant_same_as": list(review.claimant_same_as or []),
            "claim_date": day(review.claim_date),
            "appearances": list(review.appearances or []),
            "imported_from": review.imported_from,
            "imported_at": moment(review.imported_at),
        }
        for review in graph.reviews
        if as_of is None or _published_by(review, as_of)
    ]
    return stored, {
        "id": graph.pk,
        "text": graph.text,
        "occurred_at": day(graph.occurred_at),
        "location": graph.location,
        "topics": list(graph.topics),
        "verdict": graph.verdict,
        "verdict_explanation": graph.verdict_explanation,
        "credibility": graph.credibility,
        "suggested_credibility": grade,
        "suggested_credibility_reason": reason,
        "reviewed_by": graph.reviewed_by,
        "reviewed_at": moment(graph.reviewed_at),
        "first_reported_at": day(stored["first_reported_at"]),
        "is_disputed": stored["is_disputed"],
        "dispute_count": stored["dispute_count"],
        "origins": origins,
        "independent_origin_count": stored["independent_origin_count"],
        "relay_count": stored["relay_count"],
        "single_origin_echo": echo,
        "echo_origin": echo_origin.slug if echo_origin else None,
        "circular_reporting": stored["circular_reporting"],
        "authorship_contested": stored["authorship_contested"],
        "attributions": attributions,
        "chains": chains,
        "disputes": dispute_rows,
        "reviews": reviews,
        "sources": {slug: _source(source) for slug, source in sources.items()},
        "documents": {key: _document(document) for key, document in documents.items()},
        "as_of": day(as_of) if as_of is not None else None,
        "created_at": moment(graph.created_at),
        "updated_at": moment(graph.updated_at),
    }


# ---------------------------------------------------------------------------- CSV

CSV_HEADER = [
    "id",
    "text",
    "verdict",
    "verdict_explanation",
    "reviewed_at",
    "credibility",
    "occurred_at",
    "location",
    "first_reported_at",
    "is_disputed",
    "dispute_count",
    "independent_origin_count",
    "single_origin_echo",
    "circular_reporting",
    "authorship_contested",
    "review_count",
    "origins",
    "origin_names",
    "chains",
    "chain_names",
    "disputes",
    "topics",
    "updated_at",
]
CHAIN_SEPARATOR = " | "
SLUG_ARROW = " > "


def dispute_summary(document: dict, dispute: dict) -> str:
    """``#7 Kataib Hezbollah, authorship_denial of Telegram channel …'s hop 2024-04-22:
    “fabricated news” (open)``: one dispute in a CSV cell."""
    names = document["sources"]
    by = names[dispute["disputed_by"]]["name"]
    target = ""
    if dispute["target"] is not None:
        hop = next(h for h in document["attributions"] if h["id"] == dispute["target"])
        target = f" of {names[hop['source']]['name']}'s hop"
    when = f" {dispute['stated_at']}" if dispute["stated_at"] else ""
    quote = f": “{dispute['quote']}”" if dispute["quote"] else ""
    resolution = dispute["resolution"]
    return f"#{dispute['id']} {by}, {dispute['kind']}{target}{when}{quote} ({resolution})"


def csv_cells(document: dict) -> list:
    """The claim's CSV cells, in ``CSV_HEADER`` order, from its document alone."""
    names = document["sources"]
    return [
        document["id"],
        document["text"],
        document["verdict"],
        document["verdict_explanation"],
        document["reviewed_at"],
        document["credibility"],
        document["occurred_at"],
        document["location"],
        document["first_reported_at"],
        document["is_disputed"],
        document["dispute_count"],
        document["independent_origin_count"],
        document["single_origin_echo"],
        document["circular_reporting"],
        document["authorship_contested"],
        len(document["reviews"]),
        document["origins"],
        [names[slug]["name"] for slug in document["origins"]],
        CHAIN_SEPARATOR.join(SLUG_ARROW.join(chain["sources"]) for chain in document["chains"]),
        CHAIN_SEPARATOR.join(chain["label"] for chain in document["chains"]),
        CHAIN_SEPARATOR.join(dispute_summary(document, d) for d in document["disputes"]),
        document["topics"],
        document["updated_at"],
    ]


def csv_line(document: dict) -> str:
    """The claim's CSV line (cells defused against formulas, CRLF-terminated)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_safe(cell) for cell in csv_cells(document)])
    return buffer.getvalue()


def csv_header_line() -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(CSV_HEADER)
    return buffer.getvalue()
