"""Reused reads: QuerySets that already carry their joins and prefetches.

The API, the reports and the CSV export all read claims through ``claim_list`` so that
each runs a fixed number of queries whatever the page size.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Attribution, Claim, Dispute


def hop_queryset() -> QuerySet:
    """Hops with their source (and its affiliation), document and cited hop ids."""
    return (
        Attribution.objects.select_related("source", "source__affiliated_with", "document")
        .prefetch_related(Prefetch("cites", queryset=Attribution.objects.only("id", "claim_id")))
        .order_by("id")
    )


def dispute_queryset() -> QuerySet:
    return Dispute.objects.select_related("disputed_by", "document", "target__source").order_by(
        "stated_at", "id"
    )


def claim_list() -> QuerySet:
    """Every claim with hops, disputes and topics prefetched, newest first."""
    return Claim.objects.select_related("reviewed_by").prefetch_related(
        Prefetch("attributions", queryset=hop_queryset()),
        Prefetch("disputes", queryset=dispute_queryset()),
        "topics",
    )


def disputed_claims() -> QuerySet:
    """Claims with at least one dispute that is not rejected, newest first."""
    return claim_list().filter(is_disputed=True)
