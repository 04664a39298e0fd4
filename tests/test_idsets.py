"""``any_of``: a list of ids sent with a query as one parameter, on either database.

Django's ``__in`` prepares every id and writes one placeholder for each: a tenth of a
rebuild's time in Python, and SQLite's default build refuses a statement with more than
32,766 placeholders (Debian's takes 250,000, so that limit does not show on this machine).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import projection, services
from claims.models import Attribution, Claim
from claims.projection import graph
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

# More ids than SQLite's default build takes placeholders in one statement (32,766).
MANY = 40_000


def test_any_of_finds_exactly_the_listed_rows():
    claims = [services.claim_create(text=f"Claim {n}") for n in range(4)]
    wanted = [claims[0].pk, claims[2].pk]
    found = Claim.objects.filter(pk__any_of=wanted).values_list("pk", flat=True)
    assert sorted(found) == sorted(wanted)
    with CaptureQueriesContext(connection) as ran:  # as with __in, nothing is asked
        assert not Claim.objects.filter(pk__any_of=[]).exists()
    assert ran.captured_queries == []
    assert Claim.objects.exclude(pk__any_of=[]).count() == 4
    # Excluded, it means "not one of them".
    rest = Claim.objects.exclude(pk__any_of=wanted).values_list("pk", flat=True)
    assert sorted(rest) == sorted([claims[1].pk, claims[3].pk])


def test_any_of_on_a_foreign_key_and_through_a_join():
    source = SourceFactory(name="Wire")
    claim = services.claim_create(text="A claim")
    other = services.claim_create(text="Another claim")
    services.attribution_add(claim=claim, source=source)
    services.attribution_add(claim=other, source=SourceFactory(name="Outlet"))
    hops = Attribution.objects.filter(source_id__any_of=[source.pk])
    assert list(hops.values_list("claim_id", flat=True)) == [claim.pk]
    joined = Claim.objects.filter(attributions__source__any_of=[source.pk])
    assert list(joined.values_list("pk", flat=True)) == [claim.pk]


def test_any_of_sends_every_id_as_one_parameter():
    claim = services.claim_create(text="The one that exists")
    ids = [*range(10_000_000, 10_000_000 + MANY), claim.pk]
    with CaptureQueriesContext(connection) as ran:
        assert list(Claim.objects.filter(pk__any_of=ids).values_list("pk", flat=True)) == [claim.pk]
    [sql] = [query["sql"] for query in ran.captured_queries]
    expected = "= ANY(" if connection.vendor == "postgresql" else "json_each("
    assert expected in sql


def test_a_graph_loads_for_more_claims_than_sqlite_takes_placeholders():
    """``graph.load`` (every rebuild, every write) reads a batch by its ids, and the rebuild
    and ``stale`` take batches of any size."""
    claim = services.claim_create(text="A claim with a hop")
    services.attribution_add(claim=claim, source=SourceFactory(name="Wire"))
    graphs = graph.load([*range(10_000_000, 10_000_000 + MANY), claim.pk])
    assert list(graphs) == [claim.pk]
    assert [hop.source.name for hop in graphs[claim.pk].hops] == ["Wire"]
    assert projection.refresh_all(ids=[claim.pk], batch=MANY) == 1
    assert list(projection.stale([*range(10_000_000, 10_000_000 + MANY), claim.pk])) == []
