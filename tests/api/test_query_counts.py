"""Every list runs the same number of SQL queries for 1 row and for several (JSON and CSV)."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from sources import services as source_services
from tests.factories import DocumentFactory, SourceFactory, TopicFactory

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def rich_claim():
    """A claim with every kind of related row the list shows: hops citing hops, documents,
    an affiliated source, topics, and a dispute targeting a hop."""
    n = next(_numbers)
    parent = SourceFactory(name=f"Group {n}")
    channel = source_services.source_create(
        name=f"Channel {n}",
        kind="social_channel",
        affiliated_with=parent,
        affiliation="affiliated",
    )
    agency = SourceFactory(name=f"Agency {n}", kind="news_agency")
    outlet = SourceFactory(name=f"Outlet {n}")
    claim = services.claim_create(
        text=f"Claim {n} about an attack",
        topics=[TopicFactory(), TopicFactory()],
    )
    origin = services.attribution_add(claim=claim, source=channel, quote=f"statement {n}")
    relay = services.attribution_add(
        claim=claim, source=agency, cites=[origin], document=DocumentFactory(publisher=agency)
    )
    services.attribution_add(
        claim=claim, source=outlet, cites=[relay], document=DocumentFactory(publisher=outlet)
    )
    services.dispute_record(
        claim=claim,
        disputed_by=parent,
        kind="authorship_denial",
        target=origin,
        quote="fabricated",
        document=DocumentFactory(publisher=parent),
    )
    return claim


def count_queries(client, url: str) -> tuple[int, int]:
    """(queries, rows) for one GET of ``url``, reading a streamed body to its end."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        assert response.status_code == 200, response.content
        if response.streaming:
            rows = b"".join(response.streaming_content).decode().count("\n") - 1
        else:
            rows = len(response.json()["results"])
    return len(context), rows


LISTS = [
    "/api/v1/claims/",
    "/api/v1/claims/?format=csv",
    "/api/v1/claims/?disputed=true&source_family={family}&ordering=-dispute_count",
    "/api/v1/claims/?disputed=true&format=csv&origin_kind=social_channel",
    "/api/v1/sources/",
    "/api/v1/sources/?format=csv",
    "/api/v1/documents/",
    "/api/v1/documents/?format=csv",
    "/api/v1/attributions/",
    "/api/v1/attributions/?format=csv",
    "/api/v1/disputes/",
    "/api/v1/disputes/?format=csv",
    "/api/v1/topics/",
    "/api/v1/topics/?format=csv",
]


@pytest.mark.parametrize("url", LISTS)
def test_list_queries_do_not_grow_with_rows(researcher_api, django_assert_num_queries, url):
    first = rich_claim()
    url = url.format(family=first.disputes.get().disputed_by.slug)
    one, rows_one = count_queries(researcher_api, url)

    group = first.disputes.get().disputed_by
    for _ in range(3):
        claim = rich_claim()
        if "source_family" in url:
            # Make the new claims match too: a hop by another channel of the first group.
            channel = source_services.source_create(
                name=f"Another channel {claim.pk}", affiliated_with=group, affiliation="affiliated"
            )
            services.attribution_add(claim=claim, source=channel)

    with django_assert_num_queries(one):
        many, rows_many = count_queries(researcher_api, url)
    assert rows_many >= 3 * rows_one >= 3, (rows_one, rows_many)


def test_claim_page_query_count_is_small(researcher_api):
    for _ in range(5):
        rich_claim()
    queries, rows = count_queries(researcher_api, "/api/v1/claims/")
    assert rows == 5
    # token, the data version kept answers are keyed by (factcheck/response_cache.py),
    # count (SQLite only: PostgreSQL counts the rows its page query read up to the cap,
    # factcheck/api.py), page, hops, disputes, their sources, cited hops, topics
    # (claims/rows.py: the sources are read by id rather than hash-joined, which cost more
    # at 1M claims).
    assert queries == (8 if connection.vendor == "postgresql" else 9)
    # Asked again with nothing changed: the token and the data version only.
    again, rows = count_queries(researcher_api, "/api/v1/claims/")
    assert (again, rows) == (2, 5)
