"""What one claim looks like in a report: its chains as rows of hops, disputes beside hops.

Built from a claim whose hops and disputes are already prefetched (``selectors.claim_list``),
so laying out a page of claims costs no queries beyond the page's own prefetches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claims import provenance
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


@dataclass
class ClaimEntry:
    """A claim laid out for a report: chains of hop cells and the claim-level disputes."""

    claim: object
    chains: list  # list of lists of HopCell, origin first
    claim_disputes: list  # disputes against the claim as a whole (or a hop not drawn)
    disputes: list  # every dispute, in date order
    truncated: bool = False


def claim_entry(claim) -> ClaimEntry:
    """Lay out ``claim`` for a report from its prefetched hops and disputes."""
    hops = list(claim.attributions.all())
    disputes = list(claim.disputes.all())
    by_target = provenance.disputes_by_target(disputes)
    drawn: set[int] = set()
    rows = []
    truncated = False
    for chain in provenance.chains(hops):
        truncated = truncated or chain.truncated
        row = []
        for position, hop in enumerate(chain.hops):
            targeted = by_target.get(hop.pk, [])
            repeated = hop.pk in drawn
            row.append(
                HopCell(
                    hop=hop,
                    disputes=[] if repeated else targeted,
                    repeated=repeated,
                    disputed=bool(targeted),
                    is_first=position == 0,
                )
            )
            drawn.add(hop.pk)
        rows.append(row)
    # A dispute whose hop is not drawn (only possible when chains were cut off) still shows,
    # at the claim level, so nothing contested is ever hidden.
    claim_disputes = [
        dispute
        for dispute in disputes
        if dispute.target_id is None or dispute.target_id not in drawn
    ]
    return ClaimEntry(
        claim=claim,
        chains=rows,
        claim_disputes=claim_disputes,
        disputes=disputes,
        truncated=truncated,
    )
