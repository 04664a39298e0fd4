"""Provenance of a claim computed from its hops: origins, chains, labels, cycle checks.

Every function here works on hops already in memory (``claim.attributions.all()`` from a
prefetch), so lists, reports and CSV export compute the same facts with no extra queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from factcheck import moments
from factcheck.moments import parse_moment
from sources.choices import SourceKind

# Enumerating paths is exponential in the worst case (a lattice of hops each citing two
# others); a claim with more chains than this is cut off and says so.
MAX_CHAINS = 64

ARROW = " → "

# Admiralty source reliability from best to worst; F ("cannot be judged") counts as worst,
# because a chain is only as strong as the hop nobody can vouch for.
RELIABILITY_ORDER = "ABCDEF"
RELIABLE = set("ABC")


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

    @property
    def weakest_hop(self):
        """The hop whose source has the worst Admiralty reliability (F counts as worst)."""
        return max(self.hops, key=lambda hop: RELIABILITY_ORDER.index(hop.source.reliability))

    @property
    def weakest_reliability(self) -> str:
        return self.weakest_hop.source.reliability


@dataclass
class Graph:
    """The citation graph of one claim's hops."""

    hops: dict = field(default_factory=dict)  # id -> hop
    cites: dict = field(default_factory=dict)  # id -> [cited ids]
    cited_by: dict = field(default_factory=dict)  # id -> [citing ids]


def cited_ids(hop) -> list[int]:
    """Ids of the hops ``hop`` cites: a row's ``cite_ids`` (``claims.rows``), a prefetch when
    there is one, else a query."""
    ids = getattr(hop, "cite_ids", None)
    if ids is not None:
        return sorted(ids)
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


def origin_hops(hops: Iterable, graph: Graph | None = None) -> list:
    """Hops that cite nothing, in entry order (``graph``: ``build_graph(hops)``, if built)."""
    graph = graph or build_graph(hops)
    return [graph.hops[pk] for pk in graph.hops if not graph.cites[pk]]


def origin_sources(hops: Iterable, graph: Graph | None = None) -> list:
    """Distinct sources of the origin hops, in entry order."""
    seen: dict = {}
    for hop in origin_hops(hops, graph):
        seen.setdefault(hop.source_id, hop.source)
    return list(seen.values())


def chains(hops: Iterable, limit: int = MAX_CHAINS, graph: Graph | None = None) -> list[Chain]:
    """Every path origin → … → last reporter, origin first, in a stable order.

    A hop that no other hop cites ends a chain; a lone origin is a chain of one.
    """
    graph = graph or build_graph(hops)
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
    """Earliest moment any hop was stated (a day or a UTC time, ``factcheck.moments``), or
    None. A day-only hop counts from the start of its day, so it beats a timed hop that day."""
    dates = [parse_moment(hop.stated_at) for hop in hops if hop.stated_at]
    return min(dates) if dates else None


def disputes_by_target(disputes: Iterable) -> dict:
    """Group disputes by the hop they contest; key None holds disputes against the whole claim."""
    grouped: dict = {}
    for dispute in disputes:
        grouped.setdefault(dispute.target_id, []).append(dispute)
    return grouped


# ---------------------------------------------------------------------------- families


def family_of(source) -> int:
    """The family a source speaks for: the root of its affiliation tree (itself if none)."""
    return source.family or source.pk


def origin_families(hops: Iterable, graph: Graph | None = None) -> dict:
    """family id -> origin sources of that family, in entry order."""
    families: dict = {}
    for source in origin_sources(hops, graph):
        families.setdefault(family_of(source), []).append(source)
    return families


def independent_origin_count(hops: Iterable) -> int:
    """Distinct source families among the origins."""
    return len(origin_families(hops))


def relay_sources(hops: Iterable, graph: Graph | None = None) -> list:
    """Distinct sources of the hops that cite others, in entry order."""
    graph = graph or build_graph(hops)
    seen: dict = {}
    for pk, hop in graph.hops.items():
        if graph.cites[pk]:
            seen.setdefault(hop.source_id, hop.source)
    return list(seen.values())


ECHO_MIN_RELAYS = 3


def is_echo(families: Mapping, relays: list) -> bool:
    """The single-origin echo rule: relayed by three or more reporting sources, yet resting
    on one independent origin (``families``: ``origin_families``; ``relays``:
    ``relay_sources``). The one definition every surface and filter relies on."""
    return len(families) == 1 and len(relays) >= ECHO_MIN_RELAYS


def single_origin_echo(hops: Iterable) -> bool:
    """Relayed by three or more reporting sources, yet resting on one independent origin."""
    hops = list(hops)
    return is_echo(origin_families(hops), relay_sources(hops))


def is_disputed(disputes: Iterable) -> bool:
    """A claim is disputed while it has a dispute that was not rejected."""
    return any(dispute.resolution != "rejected" for dispute in disputes)


def default_relation(relation: str | None, cites) -> str:
    """The relation a hop gets when none is named: an origin asserts, a citing hop
    paraphrases."""
    if relation:
        return relation
    return "paraphrases" if cites else "asserts"


def circular_hop_ids(hops: Iterable, paths: list[Chain] | None = None) -> set:
    """Hops at which a chain comes back to a source family it already passed through
    (``paths``: ``chains(hops)``, if already walked).

    That is citogenesis: a source citing a report that (eventually) cites the source itself.
    """
    flagged: set = set()
    for chain in chains(hops) if paths is None else paths:
        seen: set = set()
        for hop in chain.hops:
            family = family_of(hop.source)
            if family in seen:
                flagged.add(hop.pk)
            seen.add(family)
    return flagged


# ---------------------------------------------------------------------------- authorship

LIVE_RESOLUTIONS = {"open", "upheld"}


def authorship_denials(disputes: Iterable) -> dict:
    """hop id -> open or upheld authorship denials targeting it."""
    denied: dict = {}
    for dispute in disputes:
        if (
            dispute.kind == "authorship_denial"
            and dispute.target_id
            and dispute.resolution in LIVE_RESOLUTIONS
        ):
            denied.setdefault(dispute.target_id, []).append(dispute)
    return denied


# ---------------------------------------------------------------------------- credibility

CONTESTING_KINDS = {"denial", "authorship_denial", "contradiction", "retraction", "fact_check"}


def plural(count: int, word: str) -> str:
    """``word`` as it reads after ``count``: "1 origin", "2 origins" (never "origin(s)")."""
    return word if count == 1 else f"{word}s"


def suggested_credibility(
    hops: Iterable, disputes: Iterable, families: dict | None = None
) -> tuple[int, str]:
    """An Admiralty credibility grade (1-6) and the reason for it, by a small fixed rule.

    1. No origin yet: 6. An upheld denial, authorship denial, contradiction, retraction or
       fact check: 5 (improbable).
    2. Otherwise grade each independent origin family by its best source reliability:
       two or more families rated A-C: 1; one rated A-C plus other independent origins: 2;
       one rated A-C alone: 3; only D-E: 4; only F: 6.
    3. Each open dispute lowers a grade of 1-4 by one step, to 5 at most.
    """
    disputes = list(disputes)
    if families is None:
        families = origin_families(list(hops))
    if not families:
        return 6, "No origin recorded yet."
    upheld = [d for d in disputes if d.resolution == "upheld" and d.kind in CONTESTING_KINDS]
    if upheld:
        first = upheld[0]
        return 5, f"An upheld {first.kind.replace('_', ' ')} by {first.disputed_by.name}."
    grades = {family: min(s.reliability for s in sources) for family, sources in families.items()}
    reliable = sum(1 for grade in grades.values() if grade in RELIABLE)
    count = len(grades)
    origins = f"{count} independent {plural(count, 'origin')}"
    others = f"{count - 1} other independent {plural(count - 1, 'origin')}"
    if reliable >= 2:
        grade, reason = 1, f"{reliable} independent origins rated A-C"
    elif reliable == 1 and count >= 2:
        grade, reason = 2, f"one origin rated A-C, with {others}"
    elif reliable == 1:
        grade, reason = 3, "a single independent origin, rated A-C"
    elif any(g in "DE" for g in grades.values()):
        grade, reason = 4, f"{origins}, none rated better than D"
    else:
        return 6, f"{origins}, all of reliability F (cannot be judged)."
    open_disputes = [d for d in disputes if d.resolution == "open"]
    if open_disputes:
        grade = min(5, grade + len(open_disputes))
        reason += f"; lowered by {len(open_disputes)} open {plural(len(open_disputes), 'dispute')}"
    return grade, reason[0].upper() + reason[1:] + "."


# ---------------------------------------------------------------------------- as of a date


def known_on(hops: Iterable) -> dict:
    """hop id -> the moment the hop was known: its own ``stated_at``, or else the earliest
    moment of a hop that cites it (a relay proves its source had spoken by then); None if
    undated. Moments are ``factcheck.moments.Moment``: a day or a UTC time."""
    graph = build_graph(hops)
    memo: dict = {}

    def date_of(pk, trail=()):
        if pk in memo:
            return memo[pk]
        hop = graph.hops[pk]
        if hop.stated_at:
            memo[pk] = parse_moment(hop.stated_at)
            return memo[pk]
        dates = [
            date_of(child, trail + (pk,)) for child in graph.cited_by[pk] if child not in trail
        ]
        dates = [d for d in dates if d]
        memo[pk] = min(dates) if dates else None
        return memo[pk]

    return {pk: date_of(pk) for pk in graph.hops}


def dispute_date(dispute):
    """When a dispute became known, as a moment: its own, its document's, or the time it was
    entered."""
    if dispute.stated_at:
        return parse_moment(dispute.stated_at)
    if dispute.document_id and dispute.document.published_at:
        return parse_moment(dispute.document.published_at)
    return moments.from_datetime(dispute.created_at)


def as_of(hops: Iterable, disputes: Iterable, day) -> tuple[list, list]:
    """The hops and disputes known by ``day``: a date (its whole day counts) or a moment in
    time (``2024-04-22T12:00:00Z``: a hop stated at 09:00 is in, a denial at 18:00 is not).
    A day-only statement counts from the start of its day. Undated hops stay (nothing says
    they are later)."""
    bound = moments.end_of(day)
    hops = list(hops)
    dates = known_on(hops)
    visible = [hop for hop in hops if dates.get(hop.pk) is None or dates[hop.pk] <= bound]
    visible_ids = {hop.pk for hop in visible}
    shown_disputes = [
        d
        for d in disputes
        if (dispute_date(d) is None or dispute_date(d) <= bound)
        and (d.target_id is None or d.target_id in visible_ids)
    ]
    return visible, shown_disputes


# ---------------------------------------------------------------------------- origin figures
# Each source kind's bit in a claim's stored ``origin_kind_mask`` (the kinds of its origin
# hops), so ``origin_kind=official`` reads one column instead of joining hops and sources.
# Fixed positions, never reordered: a stored mask means what these bits meant when it was
# written. A new kind takes the next free bit (tests/claims/test_origin_figures.py checks
# that every kind has one).
KIND_BITS: dict[str, int] = {
    SourceKind.NEWS_AGENCY: 1 << 0,
    SourceKind.NEWS_OUTLET: 1 << 1,
    SourceKind.GOVERNMENT: 1 << 2,
    SourceKind.OFFICIAL: 1 << 3,
    SourceKind.MILITARY: 1 << 4,
    SourceKind.ARMED_GROUP: 1 << 5,
    SourceKind.SOCIAL_CHANNEL: 1 << 6,
    SourceKind.ORGANIZATION: 1 << 7,
    SourceKind.PERSON: 1 << 8,
    SourceKind.OTHER: 1 << 9,
    SourceKind.FACT_CHECKER: 1 << 10,
}


def kind_mask(kinds: Iterable[str]) -> int:
    """The ``origin_kind_mask`` bits of ``kinds`` (0 for none)."""
    mask = 0
    for kind in kinds:
        mask |= KIND_BITS[kind]
    return mask


def source_lineage(hops) -> list[int]:
    """Ids of every source a hop names and of every source above it (what it is affiliated
    with, up to its family's root), sorted: a claim is in source X's family (``source_family``)
    exactly when X is among them."""
    ids: set[int] = set()
    for hop in hops:
        source = hop.source
        while source is not None and source.pk not in ids:
            ids.add(source.pk)
            source = source.affiliated_with
    return sorted(ids)


def origin_figures(hops) -> dict:
    """``origin_kind_mask`` and ``origin_anonymous`` of a claim: the kinds of the sources of
    its origin hops, and whether one of them is anonymous."""
    origins = [hop.source for hop in hops if hop.is_origin]
    return {
        "origin_kind_mask": kind_mask(source.kind for source in origins),
        "origin_anonymous": any(source.is_anonymous for source in origins),
    }
