"""Hand-built provenance graphs for issue 5, shared by the API, report and admin tests.

Each builder writes through the services (via the factories) and returns the rows a test
needs to name. Dates are set so that ``as_of`` sees every graph from 2024-03-01.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sources.models import Source
from tests.factories import AttributionFactory, ClaimFactory, DisputeFactory, SourceFactory

DAY = datetime.date(2024, 3, 1)


def fresh(name: str) -> str:
    """``name``, or ``name 2``, ``name 3``… when a graph of the same shape was built before."""
    candidate, n = name, 1
    while Source.objects.filter(name__iexact=candidate).exists():
        n += 1
        candidate = f"{name} {n}"
    return candidate


@dataclass
class Graph:
    claim: object
    hops: dict = field(default_factory=dict)  # name -> hop
    sources: dict = field(default_factory=dict)  # name -> source


def wire_echo(outlets: int = 2, text: str = "The minister resigned overnight") -> Graph:
    """An anonymous official (F) → a wire (B) → ``outlets`` outlets (C), each citing the wire.

    With two outlets three sources relay one origin: a single-origin echo; with one, not.
    """
    official = SourceFactory(name=fresh("A ministry official"), kind="official", is_anonymous=True)
    wire = SourceFactory(name=fresh("Global Wire"), kind="news_agency", reliability="B")
    graph = Graph(claim=ClaimFactory(text=text), sources={"official": official, "wire": wire})
    origin = AttributionFactory(claim=graph.claim, source=official, stated_at=DAY)
    relay = AttributionFactory(claim=graph.claim, source=wire, cites=[origin], stated_at=DAY)
    graph.hops.update(origin=origin, wire=relay)
    for n in range(outlets):
        outlet = SourceFactory(name=fresh(f"Daily Outlet {n + 1}"), reliability="C")
        graph.sources[f"outlet{n + 1}"] = outlet
        graph.hops[f"outlet{n + 1}"] = AttributionFactory(
            claim=graph.claim, source=outlet, cites=[relay], stated_at=DAY
        )
    return graph


def affiliated_origins(text: str = "The militia claimed the strike") -> Graph:
    """A party and its channel both assert the claim (one family), an outlet relays both."""
    party = SourceFactory(name=fresh("The Militia"), kind="armed_group", reliability="D")
    channel = SourceFactory(
        name=fresh("The Militia's channel"),
        kind="social_channel",
        affiliated_with=party,
        affiliation="affiliated",
    )
    outlet = SourceFactory(name=fresh("Regional Times"), reliability="C")
    graph = Graph(claim=ClaimFactory(text=text))
    graph.sources.update(party=party, channel=channel, outlet=outlet)
    first = AttributionFactory(claim=graph.claim, source=channel, stated_at=DAY)
    second = AttributionFactory(claim=graph.claim, source=party, stated_at=DAY)
    graph.hops.update(channel=first, party=second)
    graph.hops["outlet"] = AttributionFactory(
        claim=graph.claim, source=outlet, cites=[first, second], stated_at=DAY
    )
    return graph


def citation_loop(text: str = "The dam was sabotaged") -> Graph:
    """An outlet → a wire → the outlet's own blog: the chain comes back to the outlet's family."""
    outlet = SourceFactory(name=fresh("Metro Herald"), reliability="B")
    blog = SourceFactory(
        name=fresh("Metro Herald blog"), affiliated_with=outlet, affiliation="part_of"
    )
    wire = SourceFactory(name=fresh("Loop Wire"), kind="news_agency", reliability="A")
    graph = Graph(claim=ClaimFactory(text=text))
    graph.sources.update(outlet=outlet, blog=blog, wire=wire)
    first = AttributionFactory(claim=graph.claim, source=outlet, stated_at=DAY)
    middle = AttributionFactory(claim=graph.claim, source=wire, cites=[first], stated_at=DAY)
    back = AttributionFactory(claim=graph.claim, source=blog, cites=[middle], stated_at=DAY)
    graph.hops.update(first=first, middle=middle, back=back)
    return graph


def two_origins_disputed(text: str = "The convoy was hit near the border") -> Graph:
    """Two independent reliable origins (A, B) relayed by one outlet, and one open denial."""
    agency = SourceFactory(name=fresh("Border Agency"), kind="government", reliability="A")
    monitor = SourceFactory(name=fresh("Rights Monitor"), kind="organization", reliability="B")
    outlet = SourceFactory(name=fresh("Frontier News"), reliability="C")
    denier = SourceFactory(name=fresh("Defence Ministry"), kind="government")
    graph = Graph(claim=ClaimFactory(text=text))
    graph.sources.update(agency=agency, monitor=monitor, outlet=outlet, denier=denier)
    a = AttributionFactory(claim=graph.claim, source=agency, stated_at=DAY)
    b = AttributionFactory(claim=graph.claim, source=monitor, stated_at=DAY)
    graph.hops.update(agency=a, monitor=b)
    graph.hops["outlet"] = AttributionFactory(
        claim=graph.claim, source=outlet, cites=[a, b], stated_at=DAY
    )
    graph.dispute = DisputeFactory(
        claim=graph.claim, disputed_by=denier, kind="denial", stated_at=DAY, quote="Untrue."
    )
    return graph
