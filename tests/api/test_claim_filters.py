"""Every claim filter of DESIGN.md against the seed article, alone and combined."""

import datetime

import pytest

from claims import projection, services
from tests.factories import AttributionFactory, ClaimFactory, DisputeFactory, SourceFactory

from .conftest import (
    ALL_CLAIMS,
    DRONE,
    EXPLOSION,
    FIRST_SINCE_PAUSE,
    HUNDREDS,
    JET,
    NO_CASUALTIES,
    ROCKETS,
    SUDANI,
    TELEGRAM,
    texts,
)

pytestmark = pytest.mark.django_db

ANONYMOUS_ORIGIN = {DRONE, ROCKETS, FIRST_SINCE_PAUSE, JET}
REUTERS_RELAYED = {DRONE, ROCKETS, FIRST_SINCE_PAUSE, TELEGRAM}
ANTIWAR_ONLY = {EXPLOSION, SUDANI, HUNDREDS}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("origin_anonymous=true", ANONYMOUS_ORIGIN),
        ("origin_anonymous=false", ALL_CLAIMS - ANONYMOUS_ORIGIN),
        ("disputed_by=kataib-hezbollah", {TELEGRAM}),
        ("disputed_by=reuters", set()),
        ("source_family=kataib-hezbollah", {TELEGRAM}),
        # Telegram channel → affiliated with Kataib Hezbollah → part of the PMF: transitive.
        ("source_family=popular-mobilization-forces", {TELEGRAM}),
        ("source_family=stars-and-stripes", {JET}),
        ("reported_by=stars-and-stripes", {JET}),
        ("reported_by=reuters", REUTERS_RELAYED),
        ("origin=reuters", {NO_CASUALTIES}),
        ("origin=antiwarcom", ANTIWAR_ONLY),
        ("origin=us-officials", {DRONE, ROCKETS, FIRST_SINCE_PAUSE}),
        ("origin_kind=social_channel", {TELEGRAM}),
        ("origin_kind=official", ANONYMOUS_ORIGIN),
        ("origin_kind=news_outlet", ANTIWAR_ONLY),
        ("source=reuters", REUTERS_RELAYED | {NO_CASUALTIES}),
        ("source=pentagon-official", {JET}),
        ("disputed=true", {TELEGRAM}),
        ("disputed=false", ALL_CLAIMS - {TELEGRAM}),
        ("dispute_kind=authorship_denial", {TELEGRAM}),
        ("dispute_kind=denial", set()),
        ("dispute_kind=denial,authorship_denial", {TELEGRAM}),
        ("dispute_resolution=open", {TELEGRAM}),
        ("dispute_resolution=rejected", set()),
        ("topic=us-withdrawal-from-iraq", {TELEGRAM, SUDANI}),
        ("verdict=unrated", ALL_CLAIMS),
        ("verdict=false", set()),
        ("credibility=6", ALL_CLAIMS),
        ("credibility=1,2", set()),
        # The article is dated 2024-04-22 and every claim was first reported that day.
        ("reported_after=2024-04-22", ALL_CLAIMS),
        ("reported_before=2024-04-22", ALL_CLAIMS),
        ("reported_after=2024-04-23", set()),
        ("reported_before=2024-04-21", set()),
        # "Rumalyn" is in the rockets claim's text and in Antiwar.com's quote on the drone claim.
        ("search=Rumalyn", {ROCKETS, DRONE}),
        # Only in Kataib Hezbollah's dispute quote, "fabricated news".
        ("search=fabricated", {TELEGRAM}),
        ("search=withdrawal", {TELEGRAM, SUDANI}),
    ],
)
def test_claim_filter_alone_returns_exactly(seed, researcher_api, query, expected):
    response = researcher_api.get(f"/api/v1/claims/?{query}")
    assert texts(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("origin_anonymous=true&reported_by=stars-and-stripes", {JET}),
        ("source=reuters&disputed=true", {TELEGRAM}),
        ("origin_kind=official&search=Rumalyn", {DRONE, ROCKETS}),
        # "Which disputed claims did Reuters relay in April 2024?"
        (
            "reported_by=reuters&disputed=true&reported_after=2024-04-01"
            "&reported_before=2024-04-30",
            {TELEGRAM},
        ),
        (
            "origin=us-officials&topic=attacks-on-us-forces-in-iraq-and-syria&disputed=false",
            {DRONE, ROCKETS, FIRST_SINCE_PAUSE},
        ),
        # The dispute filters describe one dispute: Kataib Hezbollah issued no plain denial.
        ("disputed_by=kataib-hezbollah&dispute_kind=denial", set()),
        ("disputed_by=kataib-hezbollah&dispute_kind=authorship_denial", {TELEGRAM}),
        ("origin_anonymous=true&disputed=true", set()),
    ],
)
def test_claim_filters_combine(seed, researcher_api, query, expected):
    assert texts(researcher_api.get(f"/api/v1/claims/?{query}")) == expected


def test_verdict_filter_takes_comma_and_repeated_values(seed, editor, researcher_api):
    services.verdict_set(claim=seed.claim(DRONE), verdict="true", user=editor)
    services.verdict_set(claim=seed.claim(JET), verdict="mostly_true", user=editor)
    services.verdict_set(claim=seed.claim(SUDANI), verdict="mixed", user=editor)

    comma = researcher_api.get("/api/v1/claims/?verdict=true,mostly_true")
    repeated = researcher_api.get("/api/v1/claims/?verdict=true&verdict=mostly_true")

    assert texts(comma) == {DRONE, JET}
    assert texts(repeated) == {DRONE, JET}
    assert texts(researcher_api.get("/api/v1/claims/?verdict=mixed")) == {SUDANI}


def test_credibility_filter_takes_several_grades(seed, editor, researcher_api):
    services.verdict_set(claim=seed.claim(DRONE), verdict="true", credibility=2, user=editor)
    services.verdict_set(claim=seed.claim(JET), verdict="mixed", credibility=3, user=editor)

    assert texts(researcher_api.get("/api/v1/claims/?credibility=2,3")) == {DRONE, JET}
    assert texts(researcher_api.get("/api/v1/claims/?credibility=2&credibility=6")) == (
        ALL_CLAIMS - {JET}
    )


def test_occurred_bounds_are_inclusive(researcher_api):
    for day in (1, 10, 20):
        ClaimFactory(text=f"Event on day {day}", occurred_at=datetime.date(2024, 3, day))
    ClaimFactory(text="Undated event")

    after = researcher_api.get("/api/v1/claims/?occurred_after=2024-03-10")
    before = researcher_api.get("/api/v1/claims/?occurred_before=2024-03-10")
    both = researcher_api.get(
        "/api/v1/claims/?occurred_after=2024-03-10&occurred_before=2024-03-10"
    )

    assert texts(after) == {"Event on day 10", "Event on day 20"}
    assert texts(before) == {"Event on day 1", "Event on day 10"}
    assert texts(both) == {"Event on day 10"}


@pytest.fixture
def dated_claims(db):
    """Three claims first reported, occurring and disputed on different scales."""
    rows = [
        ("Oldest report", datetime.date(2024, 1, 5), datetime.date(2024, 3, 1), 2),
        ("Middle report", datetime.date(2024, 2, 5), datetime.date(2024, 1, 1), 0),
        ("Newest report", datetime.date(2024, 3, 5), datetime.date(2024, 2, 1), 1),
    ]
    for text, reported, occurred, disputes in rows:
        claim = ClaimFactory(text=text, occurred_at=occurred)
        AttributionFactory(claim=claim, stated_at=reported)
        for _ in range(disputes):
            DisputeFactory(claim=claim)
    return [row[0] for row in rows]


def ordered_texts(client, ordering: str) -> list[str]:
    response = client.get(f"/api/v1/claims/?ordering={ordering}")
    assert response.status_code == 200, response.content
    return [claim["text"] for claim in response.json()["results"]]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("first_reported_at", ["Oldest report", "Middle report", "Newest report"]),
        ("-first_reported_at", ["Newest report", "Middle report", "Oldest report"]),
        ("occurred_at", ["Middle report", "Newest report", "Oldest report"]),
        ("-occurred_at", ["Oldest report", "Newest report", "Middle report"]),
        ("dispute_count", ["Middle report", "Newest report", "Oldest report"]),
        ("-dispute_count", ["Oldest report", "Newest report", "Middle report"]),
        ("id", ["Oldest report", "Middle report", "Newest report"]),
        ("-id", ["Newest report", "Middle report", "Oldest report"]),
    ],
)
def test_claim_ordering_both_ways(dated_claims, researcher_api, ordering, expected):
    assert ordered_texts(researcher_api, ordering) == expected


def test_claim_default_order_is_newest_report_first(dated_claims, researcher_api):
    response = researcher_api.get("/api/v1/claims/")
    assert [c["text"] for c in response.json()["results"]] == [
        "Newest report",
        "Middle report",
        "Oldest report",
    ]


def test_claim_ordering_puts_undated_last_both_ways(dated_claims, researcher_api):
    ClaimFactory(text="Never reported")
    assert ordered_texts(researcher_api, "first_reported_at")[-1] == "Never reported"
    assert ordered_texts(researcher_api, "-first_reported_at")[-1] == "Never reported"


def test_source_family_follows_a_move_within_the_same_family(researcher_api, editor_api):
    """A channel moved from one faction to another of the same movement: its family root is
    unchanged, yet the claims naming it leave the first faction's family and join the
    second's at once (the stored lineage of every claim under the moved source is rebuilt)."""
    movement = SourceFactory(name="The Movement", kind="armed_group")
    first = SourceFactory(name="First Faction", affiliated_with=movement, affiliation="part_of")
    second = SourceFactory(name="Second Faction", affiliated_with=movement, affiliation="part_of")
    unit = SourceFactory(name="The Unit", affiliated_with=first, affiliation="part_of")
    channel = SourceFactory(
        name="The Unit's channel", affiliated_with=unit, affiliation="affiliated"
    )
    claim = services.claim_create(text="The checkpoint was abandoned")
    services.attribution_add(claim=claim, source=channel)

    def family(source) -> set[str]:
        response = researcher_api.get(f"/api/v1/claims/?source_family={source.slug}")
        assert response.status_code == 200, response.content
        return texts(response)

    assert family(first) == {"The checkpoint was abandoned"}
    assert family(second) == set()
    # The unit (not the channel the hop names) moves to the second faction.
    response = editor_api.patch(
        f"/api/v1/sources/{unit.slug}/", {"affiliated_with": second.slug}, format="json"
    )
    assert response.status_code == 200, response.content
    assert family(first) == set()
    assert family(second) == {"The checkpoint was abandoned"}
    assert family(movement) == {"The checkpoint was abandoned"}
    assert family(unit) == {"The checkpoint was abandoned"}
    assert list(projection.stale()) == []


def test_source_family_reads_the_claims_own_rows(seed, researcher_api):
    """``source_family`` asks the claim's stored lineage: no walk of the family and no probe
    of every claim's hops (what made (c) the slowest list at 1M); on PostgreSQL a family
    with few claims is found from the lineage's GIN index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ran:
        response = researcher_api.get("/api/v1/claims/?source_family=popular-mobilization-forces")
    assert texts(response) == {TELEGRAM}
    [page] = [q["sql"] for q in ran.captured_queries if "source_lineage" in q["sql"]][:1]
    assert "claims_attribution" not in page and "RECURSIVE" not in page
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + page)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "claims_claim_lineage_gin" in plan, plan
        # Its capped count (CappedCountPaginator's shape; this page needs none) can be
        # answered from an index alone (migration 0023: the lineage is in the default
        # ordering's index), not only by reading the table's pages.
        from claims.filtersets import ClaimFilterSet
        from claims.models import Claim

        claims = ClaimFilterSet(
            {"source_family": "popular-mobilization-forces"}, queryset=Claim.objects.all()
        ).qs
        count, params = claims.order_by().values("pk")[:1001].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({count}) capped", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Index Only Scan using claims_claim_reported_idx" in plan, plan
