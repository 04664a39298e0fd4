"""Flat rows for CSV: one claim a row, shared by the API export and the reports' download."""

from __future__ import annotations

from . import provenance

CLAIM_CSV_HEADER = [
    "id",
    "text",
    "verdict",
    "credibility",
    "occurred_at",
    "location",
    "first_reported_at",
    "is_disputed",
    "dispute_count",
    "origins",
    "chains",
    "disputes",
    "topics",
    "updated_at",
]


def dispute_summary(dispute) -> str:
    return summary_line(
        dispute.disputed_by.name,
        dispute.kind,
        dispute.target.source.name if dispute.target_id else None,
        dispute.stated_at.isoformat() if dispute.stated_at else None,
        dispute.quote,
        dispute.resolution,
    )


def summary_line(by: str, kind: str, target: str | None, day: str | None, quote: str, resolution):
    """``Kataib Hezbollah, authorship_denial of Reuters's hop 2024-02-05: “…” (open)``;
    ``day`` is the moment the dispute was stated as stored (``2024-02-05``, or
    ``2024-02-05T18:00:00Z`` when the time is known), if known."""
    target = f" of {target}'s hop" if target is not None else ""
    quote = f": “{quote}”" if quote else ""
    when = f" {day}" if day else ""
    return f"{by}, {kind}{target}{when}{quote} ({resolution})"


def claim_csv_row(claim) -> list:
    """One claim as a CSV row; reads only prefetched hops, disputes and topics."""
    hops = list(claim.attributions.all())
    return [
        claim.pk,
        claim.text,
        claim.verdict,
        claim.credibility,
        claim.occurred_at.isoformat() if claim.occurred_at else "",
        claim.location,
        claim.first_reported_at.isoformat() if claim.first_reported_at else "",
        claim.is_disputed,
        claim.dispute_count,
        [source.slug for source in provenance.origin_sources(hops)],
        " | ".join(chain.label for chain in provenance.chains(hops)),
        " | ".join(dispute_summary(d) for d in claim.disputes.all()),
        [topic.slug for topic in claim.topics.all()],
        claim.updated_at.isoformat(),
    ]
