"""The benchmark's speed changes keep behaviour: capped counts say so; menus render the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from factcheck.api import CappedCountPaginator

pytestmark = pytest.mark.django_db


def test_small_results_are_counted_exactly(researcher_api, seed):
    body = researcher_api.get("/api/v1/claims/").json()
    assert body["count"] == 9
    assert body["count_exact"] is True
    assert len(body["results"]) == 9


def test_paging_through_the_list_gives_every_claim_once_with_the_count(researcher_api, seed):
    seen = []
    for number in (1, 2, 3):
        body = researcher_api.get(f"/api/v1/claims/?page_size=4&page={number}").json()
        assert (body["count"], body["count_exact"]) == (9, True)
        assert (body["next"] is None) == (number == 3)
        seen += [row["id"] for row in body["results"]]
    assert len(seen) == len(set(seen)) == 9
    assert researcher_api.get("/api/v1/claims/?page_size=4&page=4").status_code == 404


def test_a_full_page_counts_over_ids_only(researcher_api, seed):
    with CaptureQueriesContext(connection) as queries:
        body = researcher_api.get("/api/v1/claims/?page_size=4").json()
    assert (body["count"], len(body["results"])) == (9, 4)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    # One count, capped, over claim ids (never the stored documents).
    assert len(counts) == 1 and "document" not in counts[0]


def test_count_past_the_cap_is_a_lower_bound_that_says_so(researcher_api, seed, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 2)
    body = researcher_api.get("/api/v1/claims/?page_size=1").json()
    # The cap follows the requested page: page 1 of 1 counts to 2 at least.
    assert (body["count"], body["count_exact"], body["count_text"]) == (2, False, "at least 2")
    assert [row["id"] for row in body["results"]]
    # A page beyond the cap is still exact and reachable.
    deep = researcher_api.get("/api/v1/claims/?page_size=1&page=9").json()
    assert deep["count_exact"] is True
    assert deep["count"] == 9
    assert len(deep["results"]) == 1
    # The last page needs the real count.
    last = researcher_api.get("/api/v1/claims/?page_size=2&page=last").json()
    assert last["count_exact"] is True
    assert last["count"] == 9
    assert len(last["results"]) == 1
