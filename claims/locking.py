"""Optimistic locking of a claim in the admin: its version and who changed it last.

A claim's page edits the claim, its hops and its disputes in one save, so its version is a
fingerprint of all of them: the claim's editable fields and topics, every hop (with what it
cites) and every dispute. Derived columns are left out on purpose: they can change when a
*source* changes (its family, say), which is not an edit of this claim.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from .models import Attribution, Claim, Dispute

CLAIM_FIELDS = (
    "text",
    "occurred_at",
    "location",
    "verdict",
    "verdict_explanation",
    "reviewed_by_id",
    "reviewed_at",
    "credibility",
)


def claim_version(claim_id: int, *, lock: bool = False) -> str:
    """A fingerprint of the claim, its topics, hops (and their cites) and disputes.

    With ``lock`` the claim's row is locked (``SELECT … FOR UPDATE``) until the end of the
    caller's transaction, so two saves of the same claim cannot both pass the check.
    """
    claims = Claim.objects.filter(pk=claim_id)
    if lock:
        claims = claims.select_for_update()
    claim = claims.values(*CLAIM_FIELDS).first()
    topics = list(
        Claim.topics.through.objects.filter(claim_id=claim_id)
        .order_by("topic_id")
        .values_list("topic_id", flat=True)
    )
    hops = list(Attribution.objects.filter(claim_id=claim_id).order_by("pk").values())
    cites = list(
        Attribution.cites.through.objects.filter(from_attribution__claim_id=claim_id)
        .order_by("from_attribution_id", "to_attribution_id")
        .values_list("from_attribution_id", "to_attribution_id")
    )
    disputes = list(Dispute.objects.filter(claim_id=claim_id).order_by("pk").values())
    payload = json.dumps([claim, topics, hops, cites, disputes], default=str, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LastChange:
    """Who last changed a claim, one of its hops or disputes, and when."""

    user: str
    at: datetime.datetime


def last_change(claim_id: int) -> LastChange | None:
    """The latest history row of the claim, its hops and its disputes (deletes included)."""
    rows = [
        Claim.history.filter(id=claim_id),
        Attribution.history.filter(claim_id=claim_id),
        Dispute.history.filter(claim_id=claim_id),
    ]
    latest = None
    for history in rows:
        row = history.select_related("history_user").order_by("-history_date").first()
        if row is not None and (latest is None or row.history_date > latest.history_date):
            latest = row
    if latest is None:
        return None
    user = latest.history_user
    name = (user.get_full_name() or user.get_username()) if user else "someone (no user recorded)"
    return LastChange(user=name, at=latest.history_date)
