"""One claim's provenance figures, as every surface shows them (API, reports, admin).

Everything is computed by ``claims.provenance`` from hops and disputes already in memory
(``selectors.claim_list``'s prefetches), optionally as they stood on a given day; this
module only gathers the answers in one object so that no surface re-derives them.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass

from . import provenance

# What a claim's verdict fields read as on a day before the tracker had a history row for
# it: the model's defaults, i.e. not reviewed yet.
UNREVIEWED = {
    "verdict": "unrated",
    "verdict_explanation": "",
    "credibility": 6,
    "reviewed_by": None,
    "reviewed_at": None,
}
HISTORY_FIELDS = tuple(UNREVIEWED)


@dataclass
class ChainFacts:
    """A chain with its weakest link: the hop whose source has the worst reliability."""

    chain: provenance.Chain
    weakest_hop: object
    weakest_reliability: str

    @property
    def hops(self):
        return self.chain.hops


@dataclass
class ClaimFacts:
    """A claim's provenance figures, computed from the hops and disputes visible on ``day``
    (all of them when ``day`` is None)."""

    claim: object  # the claim as it read that day (a copy when ``day`` is set)
    day: datetime.date | None
    hops: list
    disputes: list
    chains: list  # of ChainFacts
    origins: list  # origin sources
    independent_origin_count: int
    relay_sources: list
    single_origin_echo: bool
    echo_origin: object | None  # the shared origin source when single_origin_echo
    circular_hop_ids: set
    authorship_denials: dict  # hop id -> live authorship denials
    suggested_credibility: int
    suggested_credibility_reason: str

    @property
    def relay_count(self) -> int:
        return len(self.relay_sources)

    @property
    def authorship_contested(self) -> bool:
        return bool(self.authorship_denials)

    @property
    def circular_reporting(self) -> bool:
        return bool(self.circular_hop_ids)

    @property
    def echo_reason(self) -> str:
        """Why the claim is an echo, in a reader's words (empty when it is not one)."""
        if not self.single_origin_echo:
            return ""
        return f"{self.relay_count} outlets relay one origin: {self.echo_origin.name}"

    def hop_authorship_contested(self, hop) -> bool:
        return hop.pk in self.authorship_denials

    def hop_circular(self, hop) -> bool:
        return hop.pk in self.circular_hop_ids


def as_of_claim(claim, day: datetime.date, history) -> object:
    """A copy of ``claim`` whose verdict fields come from ``history`` (its history row in force
    on ``day``, or None: not entered yet, so not reviewed) — the stored claim is untouched."""
    view = copy.copy(claim)
    for name in HISTORY_FIELDS:
        value = UNREVIEWED[name] if history is None else getattr(history, name)
        setattr(view, name, value)
    return view


def claim_facts(claim, *, day: datetime.date | None = None, history=None) -> ClaimFacts:
    """The provenance figures of a prefetched ``claim``; with ``day``, as known on that day
    (hops and disputes by ``provenance.as_of``, verdict from ``history``, the history row
    ``selectors.verdicts_as_of`` returned for it, or None). Cached on the claim per day."""
    cache = claim.__dict__.setdefault("_facts_cache", {})
    if day in cache:
        return cache[day]
    hops = list(claim.attributions.all())
    disputes = list(claim.disputes.all())
    shown = claim
    if day is not None:
        hops, disputes = provenance.as_of(hops, disputes, day)
        shown = as_of_claim(claim, day, history)
        live = [d for d in disputes if d.resolution != "rejected"]
        # Derived columns as they stood that day, from the visible rows only.
        shown.first_reported_at = provenance.first_reported(hops)
        shown.dispute_count = len(disputes)
        shown.is_disputed = bool(live)
    # One citation graph and one walk of its chains serve every figure below.
    graph = provenance.build_graph(hops)
    paths = provenance.chains(hops, graph=graph)
    families = provenance.origin_families(hops, graph)
    relays = provenance.relay_sources(hops, graph)
    echo = len(families) == 1 and len(relays) >= provenance.ECHO_MIN_RELAYS
    grade, reason = provenance.suggested_credibility(hops, disputes, families)
    chains = []
    for chain in paths:
        weakest = chain.weakest_hop
        chains.append(ChainFacts(chain, weakest, weakest.source.reliability))
    facts = ClaimFacts(
        claim=shown,
        day=day,
        hops=hops,
        disputes=disputes,
        chains=chains,
        origins=provenance.origin_sources(hops, graph),
        independent_origin_count=len(families),
        relay_sources=relays,
        single_origin_echo=echo,
        echo_origin=next(iter(families.values()))[0] if echo else None,
        circular_hop_ids=provenance.circular_hop_ids(hops, paths),
        authorship_denials=provenance.authorship_denials(disputes),
        suggested_credibility=grade,
        suggested_credibility_reason=reason,
    )
    cache[day] = facts
    return facts
