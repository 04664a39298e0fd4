"""What one claim looks like in a report: its chains as rows of hops, disputes beside hops.

Built from a claim whose hops and disputes are already prefetched (``selectors.claim_list``),
so laying out a page of claims costs no queries beyond the page's own prefetches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claims import intelligence, provenance
from claims.choices import DisputeKind

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
    # Issue 5: the chain's weakest link, a hop where the chain comes back to a family it
    # already passed through, and the parties denying this hop's authorship.
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

    def __iter__(self):
        return iter(self.cells)


@dataclass
class ClaimEntry:
    """A claim laid out for a report: chains of hop cells and the claim-level disputes."""

    claim: object  # as it read on ``facts.day`` when the report is drawn as of a day
    chains: list  # of ChainRow
    claim_disputes: list  # disputes against the claim as a whole (or a hop not drawn)
    disputes: list  # every dispute, in date order
    truncated: bool = False
    facts: intelligence.ClaimFacts | None = None


def claim_entry(claim, *, day=None, history=None) -> ClaimEntry:
    """Lay out ``claim`` for a report from its prefetched hops and disputes; with ``day``, as
    known that day (``history``: its row from ``selectors.verdicts_as_of``, or None)."""
    facts = intelligence.claim_facts(claim, day=day, history=history)
    disputes = facts.disputes
    by_target = provenance.disputes_by_target(disputes)
    drawn: set[int] = set()
    rows = []
    truncated = False
    for item in facts.chains:
        chain = item.chain
        truncated = truncated or chain.truncated
        row = []
        family_seen: dict = {}  # family id -> first source of that family on this chain
        for position, hop in enumerate(chain.hops):
            family = provenance.family_of(hop.source)
            targeted = by_target.get(hop.pk, [])
            repeated = hop.pk in drawn
            row.append(
                HopCell(
                    hop=hop,
                    disputes=[] if repeated else targeted,
                    repeated=repeated,
                    disputed=bool(targeted),
                    is_first=position == 0,
                    weakest=hop.pk == item.weakest_hop.pk,
                    circular=facts.hop_circular(hop),
                    circular_with=family_seen.get(family) if facts.hop_circular(hop) else None,
                    authorship_denied_by=[
                        d.disputed_by for d in facts.authorship_denials.get(hop.pk, [])
                    ],
                )
            )
            drawn.add(hop.pk)
            family_seen.setdefault(family, hop.source)
        rows.append(ChainRow(row, item.weakest_reliability, item.weakest_hop))
    # A dispute whose hop is not drawn (only possible when chains were cut off) still shows,
    # at the claim level, so nothing contested is ever hidden.
    claim_disputes = [
        dispute
        for dispute in disputes
        if dispute.target_id is None or dispute.target_id not in drawn
    ]
    return ClaimEntry(
        claim=facts.claim,
        chains=rows,
        claim_disputes=claim_disputes,
        disputes=disputes,
        truncated=truncated,
        facts=facts,
    )
