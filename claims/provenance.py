"""Provenance of a claim computed from its hops: origins, chains, labels, cycle checks.

Every function here works on hops already in memory (``claim.attributions.all()`` from a
prefetch), so lists, reports and CSV export compute the same facts with no extra queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Enumerating paths is exponential in the worst case (a lattice of hops each citing two
# others); a claim with more chains than this is cut off and says so.
MAX_CHAINS = 64

ARROW = " → "


@dataclass(frozen=True)
class Chain:
    """One path from an origin hop down to a hop that no other hop cites."""

    hops: tuple  # Attribution objects, origin first
    truncated: bool = False

    @property
    def hop_ids(self) -> list[int]:
        return [hop.pk for hop in self.hops]

    @property
    def sources(self) -> list:
        return [hop.source for hop in self.hops]

    @property
    def source_slugs(self) -> list[str]:
        return [hop.source.slug for hop in self.hops]

    @property
    def label(self) -> str:
        return ARROW.join(hop.source.name for hop in self.hops)


@dataclass
class Graph:
    """The citation graph of one claim's hops."""

    hops: dict = field(default_factory=dict)  # id -> hop
    cites: dict = field(default_factory=dict)  # id -> [cited ids]
    cited_by: dict = field(default_factory=dict)  # id -> [citing ids]


def cited_ids(hop) -> list[int]:
    """Ids of the hops ``hop`` cites, from a prefetch when there is one."""
    cache = getattr(hop, "_prefetched_objects_cache", {})
    if "cites" in cache:
        return sorted(cited.pk for cited in cache["cites"])
    if hop.pk is None:
        return []
    return sorted(hop.cites.values_list("pk", flat=True))


def build_graph(hops: Iterable) -> Graph:
    graph = Graph()
    ordered = sorted(hops, key=lambda hop: hop.pk)
    for hop in ordered:
        graph.hops[hop.pk] = hop
        graph.cites[hop.pk] = []
        graph.cited_by[hop.pk] = []
    for hop in ordered:
        for cited in cited_ids(hop):
            if cited in graph.hops:
                graph.cites[hop.pk].append(cited)
                graph.cited_by[cited].append(hop.pk)
    return graph


def origin_hops(hops: Iterable) -> list:
    """Hops that cite nothing, in entry order."""
    graph = build_graph(hops)
    return [graph.hops[pk] for pk in graph.hops if not graph.cites[pk]]


def origin_sources(hops: Iterable) -> list:
    """Distinct sources of the origin hops, in entry order."""
    seen: dict = {}
    for hop in origin_hops(hops):
        seen.setdefault(hop.source_id, hop.source)
    return list(seen.values())


def chains(hops: Iterable, limit: int = MAX_CHAINS) -> list[Chain]:
    """Every path origin → … → last reporter, origin first, in a stable order.

    A hop that no other hop cites ends a chain; a lone origin is a chain of one.
    """
    graph = build_graph(hops)
    result: list[Chain] = []
    truncated = False

    def walk(path: list[int]) -> None:
        nonlocal truncated
        if len(result) >= limit:
            truncated = True
            return
        children = graph.cited_by[path[-1]]
        if not children:
            result.append(Chain(hops=tuple(graph.hops[pk] for pk in path)))
            return
        for child in children:
            if child in path:  # a cycle slipped in through raw SQL; do not loop forever
                continue
            walk(path + [child])

    for pk in graph.hops:
        if not graph.cites[pk]:
            walk([pk])
    if truncated and result:
        result[-1] = Chain(hops=result[-1].hops, truncated=True)
    return result


def would_cycle(edges: Mapping[int, Iterable[int]], hop_id, new_cites: Iterable[int]) -> bool:
    """True when making ``hop_id`` cite ``new_cites`` closes a loop in ``edges`` (id -> cited)."""
    stack = list(new_cites)
    seen = set()
    while stack:
        current = stack.pop()
        if current == hop_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(edges.get(current, ()))
    return False


def find_cycle(edges: Mapping) -> list:
    """Nodes caught in citation loops of a citing -> cited mapping (empty when there are none).

    Kahn's algorithm: whatever cannot be put in a topological order sits on, or hangs
    below, a loop; that set is what an editor has to untangle.
    """
    nodes = set(edges)
    for targets in edges.values():
        nodes.update(targets)
    indegree = {node: 0 for node in nodes}
    for targets in edges.values():
        for cited in set(targets):
            indegree[cited] += 1
    ready = [node for node, degree in indegree.items() if degree == 0]
    while ready:
        node = ready.pop()
        for cited in set(edges.get(node, ())):
            indegree[cited] -= 1
            if indegree[cited] == 0:
                ready.append(cited)
    return sorted((node for node, degree in indegree.items() if degree > 0), key=str)


def first_reported(hops: Iterable):
    """Earliest date any hop was stated, or None."""
    dates = [hop.stated_at for hop in hops if hop.stated_at]
    return min(dates) if dates else None


def disputes_by_target(disputes: Iterable) -> dict:
    """Group disputes by the hop they contest; key None holds disputes against the whole claim."""
    grouped: dict = {}
    for dispute in disputes:
        grouped.setdefault(dispute.target_id, []).append(dispute)
    return grouped
