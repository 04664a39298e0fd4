"""The API's throttles: a fixed allowance per window, one counter per client, 429 past it."""

import time

import pytest
from django.core.cache import cache

from factcheck.throttling import UserThrottle
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/"


@pytest.fixture
def rate(monkeypatch):
    """Set a scope's rate for one test (the throttles read it when a request starts)."""

    def set_rate(scope: str, value: str) -> None:
        # One dict for every scope, read from the settings when DRF was imported.
        monkeypatch.setitem(UserThrottle.THROTTLE_RATES, scope, value)

    return set_rate


def test_a_user_past_the_allowance_gets_429_and_when_to_retry(rate, researcher, editor):
    rate("user", "3/minute")
    client = token_client(researcher)
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(URL)
    assert refused.status_code == 429
    assert "Request was throttled" in refused.json()["detail"]
    # Retry-After is the rest of the current minute.
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another user has an allowance of their own.
    assert token_client(editor).get(URL).status_code == 200


def test_the_allowance_starts_again_with_the_next_window(rate, researcher):
    rate("user", "2/second")
    client = token_client(researcher)
    # Start just after a second begins so the three requests share one window.
    time.sleep(1 - time.time() % 1 + 0.01)
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(1 - time.time() % 1 + 0.01)
    assert client.get(URL).status_code == 200


def test_a_busy_client_costs_one_integer_not_a_list_of_requests(rate, researcher):
    # DRF's own throttle kept every request's timestamp of the period in one cache entry,
    # read and written back whole on every request.
    rate("user", "100000/hour")
    client = token_client(researcher)
    for _ in range(30):
        assert client.get(URL + "?page_size=1").status_code == 200
    window = int(time.time() // 3600)
    count = cache.get(f"throttle_user_{researcher.pk}:{window}")
    if count is None:  # the hour turned during the loop
        count = cache.get(f"throttle_user_{researcher.pk}:{window - 1}")
    assert isinstance(count, int) and 1 <= count <= 30


def test_anonymous_clients_are_counted_by_address(rate, anon_api):
    rate("anon", "2/minute")
    # Anonymous reading is refused (401) before any throttle counts; the schema is public.
    statuses = [anon_api.get("/api/v1/schema/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    other = anon_api.get("/api/v1/schema/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
