"""Every report runs the same number of queries for one row as for several (STYLE.md)."""

import pytest
from django.db import connection

from claims import projection
from claims.models import Claim
from tests.factories import AttributionFactory, DisputeFactory, SourceFactory

# session + user, then each report's own: the filter form's topics (its sources come from
# source-options/ when a reader uses a source field), the summary (the capped count, which
# is also the page count, then the disputes of those claims by kind), and the page of
# stored entries (their claims' documents in one more query, only when some must be drawn
# afresh: the test at the end).
DISPUTED_QUERIES = 2 + 1 + 2 + 1
# session + user, then the stored CSV lines (one query, read through a cursor).
CSV_QUERIES = 2 + 1
# session + user, the page count, the rows with every figure as correlated subqueries.
SOURCES_QUERIES = 2 + 1 + 1
# session + user, the claim's stored document, its history rows (the verdict history).
CLAIM_QUERIES = 2 + 1 + 1


def fetch(client, url: str):
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)  # a streamed body runs its queries as it is read
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/reports/disputed/", DISPUTED_QUERIES),
        ("/reports/disputed/?disputed_by=&format=csv", CSV_QUERIES),
        ("/reports/sources/?sort=-disputes_raised", SOURCES_QUERIES),
    ],
)
def test_report_queries_constant_for_one_or_many(
    reader_client, make_disputed, django_assert_num_queries, url, expected
):
    if isinstance(expected, dict):
        expected = expected[connection.vendor]
    make_disputed()
    with django_assert_num_queries(expected):
        fetch(reader_client, url)
    for day in range(2, 6):
        make_disputed(day=day)
    with django_assert_num_queries(expected):
        response = fetch(reader_client, url)
    if url.startswith("/reports/disputed/?"):
        return
    # The rows really are all there (and not a truncated page).
    body = response.content.decode()
    assert body.count('<article class="claim"') in (0, 5)


def test_claim_report_queries_constant_for_few_or_many_hops(
    reader_client, make_disputed, django_assert_num_queries
):
    claim, hops = make_disputed()
    url = f"/reports/claims/{claim.pk}/"
    with django_assert_num_queries(CLAIM_QUERIES):
        fetch(reader_client, url)
    for _ in range(4):
        hop = AttributionFactory(claim=claim, cites=[hops[-1]])
        DisputeFactory(claim=claim, target=hop, disputed_by=SourceFactory())
    with django_assert_num_queries(CLAIM_QUERIES):
        response = fetch(reader_client, url)
    assert response.content.decode().count("data-dispute-id=") >= 5


def test_claims_being_refreshed_cost_the_disputed_report_one_query_however_many(
    reader_client, make_disputed, django_assert_num_queries
):
    claims = [make_disputed(day=day)[0] for day in range(1, 6)]
    Claim.objects.filter(pk=claims[4].pk).update(report_html="")  # no stored entry: drawn
    with django_assert_num_queries(DISPUTED_QUERIES + 1):
        page = fetch(reader_client, "/reports/disputed/").content.decode()
    assert page.count('<article class="claim"') == 5
    assert page.count('data-refreshing="true"') == 0
    projection.defer([claims[0].pk])
    with django_assert_num_queries(DISPUTED_QUERIES + 1):  # its document, to draw it from
        page = fetch(reader_client, "/reports/disputed/").content.decode()
    assert page.count('<article class="claim"') == 5
    assert page.count('data-refreshing="true"') == 1
    projection.defer([claim.pk for claim in claims[1:]])
    with django_assert_num_queries(DISPUTED_QUERIES + 1):
        page = fetch(reader_client, "/reports/disputed/").content.decode()
    assert page.count('<article class="claim"') == 5
    assert page.count('data-refreshing="true"') == 5
