"""What one claim looks like in a report: its chains as rows of hops, disputes beside hops.

Built from the claim's stored document (``claims.projection``) alone: the document names
every source and document it mentions, so laying out a page of claims reads nothing more.
The objects below give the templates the attribute names they use (``hop.source.name``,
``dispute.get_kind_display`` …), so the reports, the claim page and the admin's provenance
panel share one markup (``claims/reports/render.py``).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from claims.choices import Credibility, DisputeKind, Relation, Resolution, Verdict
from factcheck.moments import parse_moment
from sources.choices import Affiliation, Reliability, SourceKind

# How a dispute reads in a report: "authorship denied by Kataib Hezbollah" says the party
# denies having said it, which is a different thing from "claim denied by" (says it is false).
DISPUTE_HEADINGS = {
    DisputeKind.DENIAL: "claim denied",
    DisputeKind.AUTHORSHIP_DENIAL: "authorship denied",
    DisputeKind.CONTRADICTION: "contradicted",
    DisputeKind.RETRACTION: "retracted",
    DisputeKind.CORRECTION: "corrected",
    DisputeKind.FACT_CHECK: "fact-checked",
}


def dispute_heading(kind: str) -> str:
    """The report's words for a dispute kind, e.g. ``authorship denied``."""
    return DISPUTE_HEADINGS.get(kind, str(kind).replace("_", " "))


def when(value):
    """A stored moment (a day or a UTC time) as a ``Moment``: it prints as stored and knows
    its ``display`` form and precision (``factcheck.moments``)."""
    return parse_moment(value) if value else None


def instant(value):
    """A stored timestamp (``reviewed_at``, ``updated_at``) as an aware datetime."""
    if not value:
        return None
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@functools.cache
def _labels(choices) -> dict:
    return dict(choices.choices)


def _label(choices, value) -> str:
    return _labels(choices).get(value, value)


class Named:
    """A source as the document names it."""

    def __init__(self, slug: str, data: dict):
        self.slug = slug
        self.pk = slug  # documents name sources by slug, not by id
        self.name = data["name"]
        self.kind = data["kind"]
        self.is_anonymous = data["is_anonymous"]
        self.reliability = data["reliability"]
        self.url = data.get("url", "")
        self.affiliation = data.get("affiliation", "")
        parent = data.get("affiliated_with")
        self.affiliated_with = (
            Parent(parent, data.get("affiliated_with_name") or parent) if parent else None
        )

    def get_kind_display(self) -> str:
        return _label(SourceKind, self.kind)

    def get_reliability_display(self) -> str:
        return _label(Reliability, self.reliability)

    def get_affiliation_display(self) -> str:
        return _label(Affiliation, self.affiliation)

    def __str__(self) -> str:
        return self.name


@dataclass
class Parent:
    slug: str
    name: str


class Paper:
    """A document as the claim's document describes it."""

    def __init__(self, pk, data: dict, sources: dict):
        self.pk = pk
        self.title = data["title"]
        self.url = data["url"]
        self.kind = data["kind"]
        self.author = data.get("author", "")
        self.published_at = when(data.get("published_at"))
        self.language = data.get("language", "")
        self.publisher = sources.get(data["publisher"]) if data.get("publisher") else None


class Hop:
    def __init__(self, data: dict, sources: dict, papers: dict):
        self.pk = data["id"]
        self.source = sources[data["source"]]
        self.document_id = data["document"]
        self.document = papers.get(str(data["document"])) if data["document"] else None
        self.cite_ids = data["cites"]
        self.relation = data["relation"]
        self.quote = data["quote"]
        self.quote_language = data["quote_language"]
        self.quote_translation = data["quote_translation"]
        self.stated_at = when(data["stated_at"])
        self.note = data["note"]
        self.is_origin = data["is_origin"]
        self.authorship_contested = data["authorship_contested"]
        self.circular = data["circular"]

    def get_relation_display(self) -> str:
        return _label(Relation, self.relation)


class Disputed:
    def __init__(self, data: dict, sources: dict, papers: dict, hops: dict):
        self.pk = data["id"]
        self.disputed_by = sources[data["disputed_by"]]
        self.kind = data["kind"]
        self.target_id = data["target"]
        self.target = hops.get(data["target"])
        self.statement = data["statement"]
        self.quote = data["quote"]
        self.quote_language = data["quote_language"]
        self.quote_translation = data["quote_translation"]
        self.stated_at = when(data["stated_at"])
        self.document = papers.get(str(data["document"])) if data["document"] else None
        self.resolution = data["resolution"]
        self.resolution_note = data["resolution_note"]

    def get_kind_display(self) -> str:
        return _label(DisputeKind, self.kind)

    def get_resolution_display(self) -> str:
        return _label(Resolution, self.resolution)


@dataclass
class Reviewer:
    username: str

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return self.username


class ClaimView:
    """The claim's own fields, as the document gives them."""

    def __init__(self, document: dict):
        self.pk = self.id = document["id"]
        self.text = document["text"]
        self.verdict = document["verdict"]
        self.verdict_explanation = document["verdict_explanation"]
        self.credibility = document["credibility"]
        self.first_reported_at = when(document["first_reported_at"])
        self.occurred_at = (
            datetime.date.fromisoformat(document["occurred_at"])
            if document["occurred_at"]
            else None
        )
        self.location = document["location"]
        self.dispute_count = document["dispute_count"]
        self.is_disputed = document["is_disputed"]
        self.reviewed_at = instant(document["reviewed_at"])
        self.reviewed_by = Reviewer(document["reviewed_by"]) if document["reviewed_by"] else None
        self.updated_at = instant(document["updated_at"])
        # A change that reached many claims is still being applied to this one (its
        # document predates it); absent in documents stored before the mark existed.
        self.refreshing = bool(document.get("refreshing"))

    def get_verdict_display(self) -> str:
        return _label(Verdict, self.verdict)

    def get_credibility_display(self) -> str:
        return dict(Credibility.choices).get(self.credibility, str(self.credibility))


class Facts:
    """The claim's provenance figures, as stored in its document."""

    def __init__(self, document: dict, sources: dict, hops: dict, disputes: list):
        self.day = when(document.get("as_of"))
        self.hops = list(hops.values())
        self.disputes = disputes
        self.independent_origin_count = document["independent_origin_count"]
        self.relay_count = document["relay_count"]
        self.single_origin_echo = document["single_origin_echo"]
        echo = document["echo_origin"]
        self.echo_origin = sources.get(echo) if echo else None
        self.circular_reporting = document["circular_reporting"]
        self.authorship_contested = document["authorship_contested"]
        self.suggested_credibility = document["suggested_credibility"]
        self.suggested_credibility_reason = document["suggested_credibility_reason"]
        self.origins = [sources[slug] for slug in document["origins"]]

    @property
    def echo_reason(self) -> str:
        """Why the claim is an echo, in a reader's words (empty when it is not one)."""
        if not self.single_origin_echo:
            return ""
        return f"{self.relay_count} outlets relay one origin: {self.echo_origin.name}"


@dataclass
class HopCell:
    """One box in a drawn chain, with the disputes shown under it.

    ``disputes`` is empty and ``repeated`` is true when the hop was already drawn, with its
    disputes, in an earlier chain of the same claim: the disputes are drawn once only, and
    the later box points back to them.
    """

    hop: object
    disputes: list = field(default_factory=list)
    repeated: bool = False
    disputed: bool = False
    is_first: bool = False
    weakest: bool = False
    circular: bool = False
    circular_with: object = None  # the earlier source of the same family in this chain
    authorship_denied_by: list = field(default_factory=list)


@dataclass
class ChainRow:
    """One drawn chain: its hop cells, origin first, and its weakest link."""

    cells: list
    weakest_reliability: str
    weakest_hop: object
    label: str = ""
    truncated: bool = False

    def __iter__(self):
        return iter(self.cells)


@dataclass
class ClaimEntry:
    """A claim laid out for a report: chains of hop cells and the claim-level disputes."""

    claim: ClaimView
    chains: list  # of ChainRow
    claim_disputes: list  # disputes against the claim as a whole (or a hop not drawn)
    disputes: list  # every dispute, in date order
    facts: Facts
    document: dict
    truncated: bool = False


LIVE = {"open", "upheld"}


def claim_entry(document: dict) -> ClaimEntry:
    """Lay out a claim's document (stored, or built ``as_of`` a day) for a report."""
    sources = {slug: Named(slug, data) for slug, data in document["sources"].items()}
    papers = {key: Paper(key, data, sources) for key, data in document["documents"].items()}
    hops = {item["id"]: Hop(item, sources, papers) for item in document["attributions"]}
    disputes = [Disputed(item, sources, papers, hops) for item in document["disputes"]]
    facts = Facts(document, sources, hops, disputes)
    by_target: dict = {}
    for dispute in disputes:
        by_target.setdefault(dispute.target_id, []).append(dispute)
    drawn: set[int] = set()
    rows = []
    truncated = False
    for chain in document["chains"]:
        truncated = truncated or chain.get("truncated", False)
        family_seen: dict = {}  # family -> first source of that family on this chain
        cells = []
        for position, pk in enumerate(chain["hops"]):
            hop = hops[pk]
            family = document["sources"][hop.source.slug]["family"]
            targeted = by_target.get(pk, [])
            repeated = pk in drawn
            cells.append(
                HopCell(
                    hop=hop,
                    disputes=[] if repeated else targeted,
                    repeated=repeated,
                    disputed=bool(targeted),
                    is_first=position == 0,
                    weakest=pk == chain["weakest_hop"],
                    circular=hop.circular,
                    circular_with=family_seen.get(family) if hop.circular else None,
                    authorship_denied_by=[
                        d.disputed_by
                        for d in targeted
                        if d.kind == DisputeKind.AUTHORSHIP_DENIAL and d.resolution in LIVE
                    ],
                )
            )
            drawn.add(pk)
            family_seen.setdefault(family, hop.source)
        rows.append(
            ChainRow(
                cells,
                chain["weakest_reliability"],
                hops[chain["weakest_hop"]],
                label=chain["label"],
                truncated=chain.get("truncated", False),
            )
        )
    # A dispute whose hop is not drawn (only possible when chains were cut off) still shows,
    # at the claim level, so nothing contested is ever hidden.
    claim_disputes = [d for d in disputes if d.target_id is None or d.target_id not in drawn]
    return ClaimEntry(
        claim=ClaimView(document),
        chains=rows,
        claim_disputes=claim_disputes,
        disputes=disputes,
        facts=facts,
        document=document,
        truncated=truncated,
    )
