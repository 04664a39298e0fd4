"""The import finds existing claims and sources through indexes, in any case.

A feed of a thousand records into a database of a million claims looks up a claim and a
few sources per record; a scan of every claim each time (23.7 ms at 10,000 claims, so
seconds at a million) made such an import take hours.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.selectors import claim_by_text
from sources.selectors import source_by_name
from tests.factories import ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_claim_by_text_is_any_case_and_the_oldest():
    first = ClaimFactory(text="Rockets hit the Ain al-Asad base")
    ClaimFactory(text="rockets HIT the ain al-asad base")
    ClaimFactory(text="Rockets hit the Ain al-Asad base at night")
    assert claim_by_text("ROCKETS HIT THE AIN AL-ASAD BASE") == first
    assert claim_by_text("Rockets hit the base") is None


def test_source_by_name_is_any_case():
    afp = SourceFactory(name="AFP Factual", kind="organization")
    assert source_by_name("afp factual") == afp
    assert source_by_name("AFP") is None


def plan_of(lookup) -> str:
    """The database's plan for the one query ``lookup`` runs, with table scans priced out,
    so the plan names an index whenever one can answer it."""
    with CaptureQueriesContext(connection) as ran:
        lookup()
    [query] = ran.captured_queries
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + query["sql"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize(
    "lookup, index",
    [
        (lambda: claim_by_text("A drone attack targeted the base"), "claims_claim_text_lower"),
        (lambda: source_by_name("Reuters"), "sources_source_name_unique_ci"),
    ],
    ids=["claim text", "source name"],
)
def test_lookups_use_their_index(lookup, index):
    ClaimFactory(text="A drone attack targeted the base")
    SourceFactory(name="Reuters")
    assert index in plan_of(lookup)
