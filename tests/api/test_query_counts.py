"""Every list runs the same number of SQL queries for 1 row and for several (JSON and CSV)."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Attribution, Claim
from sources import services as source_services
from sources.models import Source
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


def test_claim_page_query_count_is_small(researcher_api, settings):
    # Throttle counters in a cache outside the database, as with REDIS_URL in production
    # (docs/deploying.md); the database cache's own statements are tested with the throttles.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for _ in range(5):
        rich_claim()
    queries, rows = count_queries(researcher_api, "/api/v1/claims/")
    assert rows == 5
    # The token, then the page of stored documents; a first page with room to spare is its
    # own count (factcheck/api.py CappedCountPaginator).
    assert queries == 2
    # A full page needs its count: one more query, over ids only, capped.
    queries, rows = count_queries(researcher_api, "/api/v1/claims/?page_size=2")
    assert (queries, rows) == (3, 2)
    # A source named by slug in a filter is looked up once.
    slug = Source.objects.filter(kind="news_agency").values_list("slug", flat=True).first()
    queries, rows = count_queries(researcher_api, f"/api/v1/claims/?source={slug}&page_size=2")
    assert queries <= 4 and rows == 1


def test_count_beyond_the_cap_is_a_stated_lower_bound(researcher_api, settings):
    from factcheck.api import CappedCountPaginator

    for n in range(7):
        services.claim_create(text=f"Counted claim {n}")
    old = CappedCountPaginator.CAP
    CappedCountPaginator.CAP = 4
    try:
        body = researcher_api.get("/api/v1/claims/?page_size=2").json()
    finally:
        CappedCountPaginator.CAP = old
    assert (body["count"], body["count_exact"], body["count_text"]) == (4, False, "at least 4")
    body = researcher_api.get("/api/v1/claims/?page_size=2").json()
    assert (body["count"], body["count_exact"], body["count_text"]) == (7, True, "7")


# The write bench/run.py times: a claim with two origins, a relay and a reporter. Token and
# the editor's permissions (2: factcheck.backends reads own and group permissions in one),
# the claim and its history row (2), the chain's sources looked up at once (1), the hops:
# their sources held, the hops, their history rows, the cites, the '~' history rows and
# their cites (6), the projection (the graph 7, unmark, store; on PostgreSQL the claim's
# row lock too), the claim's figures and the stored answer (2), the savepoints of the write
# and of claim_create (4; BEGIN and COMMIT outside a test). It was 95 before, most of them
# per hop; now none is per hop (for sources that exist already).
CHAIN_WRITE_QUERIES = 26


def test_claim_write_with_a_chain_runs_a_fixed_number_of_queries(editor, editor_api, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    slugs = [SourceFactory(name=f"Writer {n}").slug for n in range(8)]

    def write(n: int, a: str, b: str, c: str, d: str) -> tuple[list[str], dict]:
        with CaptureQueriesContext(connection) as context:
            response = editor_api.post(
                "/api/v1/claims/",
                {
                    "text": f"Bench write {n}: a drone attack was reported",
                    "chain_lines": f"{a} + {b} → {c} → {d}",
                },
                format="json",
            )
        assert response.status_code == 201, response.content
        return [query["sql"] for query in context.captured_queries], response.json()

    expected = CHAIN_WRITE_QUERIES + (connection.vendor == "postgresql")
    for n in range(2):  # the same count for any claim, whichever sources
        queries, body = write(n, *slugs[4 * n : 4 * n + 4])
        assert len(queries) == expected, "\n".join(sql[:100] for sql in queries)
        a, b, c, d = slugs[4 * n : 4 * n + 4]
        assert [chain["sources"] for chain in body["chains"]] == [[a, c, d], [b, c, d]]
        assert body["origins"] == [a, b]
        # Every hop's history: a '+' row each, a '~' row with its cites for each relay.
        history = Attribution.history.filter(claim_id=body["id"])
        assert sorted(history.values_list("history_type", flat=True)) == ["+"] * 4 + ["~"] * 2
        cited = {
            (
                row.instance.source.slug,
                tuple(sorted(c.to_attribution.source.slug for c in row.cites.all())),
            )
            for row in history.filter(history_type="~")
        }
        assert cited == {(c, tuple(sorted([a, b]))), (d, (c,))}
        assert Claim.history.filter(id=body["id"]).count() == 1
        # The rows written in bulk still name the editor who made them, as save() does.
        users = {row.history_user_id for row in history} | {
            row.history_user_id for row in Claim.history.filter(id=body["id"])
        }
        assert users == {editor.pk}

    # A longer chain costs no more statements: nothing is written or checked hop by hop.
    queries, body = write(2, *slugs[:3], " → ".join(slugs[3:6]))
    assert len(queries) == expected, "\n".join(sql[:100] for sql in queries)
    assert len(body["attributions"]) == 6
