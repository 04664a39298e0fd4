"""The API's throttles: a fixed allowance per window, one counter per client, 429 past it.

Counters live in the database cache here (no REDIS_URL in the test run); the same throttles
on Redis and across gunicorn workers: tests/hardening/test_throttle_workers.py.
"""

import logging
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection, connections

from factcheck.throttling import DatabaseCache, RedisCache, UserThrottle
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/"


# A public, throttled endpoint an anonymous client may read.
ANON_URL = "/api/v1/docs/"


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
    # Anonymous reading is refused (401) before any throttle counts; the API docs page is
    # public and throttled (the schema itself is one static document, not throttled).
    statuses = [anon_api.get(ANON_URL).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    other = anon_api.get(ANON_URL, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_bad_tokens_past_the_allowance_get_429_before_the_token_is_checked(
    rate, researcher, anon_api
):
    rate("auth_failure", "3/hour")
    bad = {"HTTP_AUTHORIZATION": "Token 0123456789abcdef0123456789abcdef01234567"}
    statuses = [anon_api.get(URL, REMOTE_ADDR="198.51.100.7", **bad).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    refused = anon_api.get(URL, REMOTE_ADDR="198.51.100.7", **bad)
    assert refused.status_code == 429
    assert "Too many failed authentications from your address" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 3600
    # The address is refused whatever token it sends now: past the allowance a guess is
    # not even tried, so a right guess would not tell the guesser anything.
    good = token_client(researcher)
    assert good.get(URL, REMOTE_ADDR="198.51.100.7").status_code == 429
    # Another address, and requests without a token, are not affected.
    assert good.get(URL, REMOTE_ADDR="198.51.100.8").status_code == 200
    assert anon_api.get(ANON_URL, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_good_tokens_do_not_count_as_failures(rate, researcher):
    rate("auth_failure", "2/hour")
    client = token_client(researcher)
    assert [client.get(URL).status_code for _ in range(4)] == [200, 200, 200, 200]


def test_a_forged_forwarded_header_does_not_buy_a_new_allowance(rate, anon_api):
    rate("anon", "2/hour")
    statuses = [
        anon_api.get(ANON_URL, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(4)
    ]
    assert statuses == [200, 200, 429, 429]


def test_forwarded_addresses_count_only_from_a_trusted_proxy(rate, anon_api, settings):
    settings.FACTCHECK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    rate("anon", "1/hour")
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = anon_api.get(ANON_URL, HTTP_X_FORWARDED_FOR="198.51.100.7", **via_proxy)
    assert first.status_code == 200
    # The same client behind the proxy, forging a prefix: still the same client.
    again = anon_api.get(ANON_URL, HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.7", **via_proxy)
    assert again.status_code == 429
    other = anon_api.get(ANON_URL, HTTP_X_FORWARDED_FOR="198.51.100.9", **via_proxy)
    assert other.status_code == 200


def test_the_throttle_cache_is_the_database_without_redis():
    # Shared by every worker and server: never a per-process cache.
    assert isinstance(caches["default"], DatabaseCache)


@pytest.fixture
def redis_server():
    """The test Redis (its own DB number), emptied before and after; skipped without one,
    unless FACTCHECK_REQUIRE_REDIS is set (CI), where no Redis is a failure."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("FACTCHECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=1)
        server.flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("FACTCHECK_REQUIRE_REDIS"):
            pytest.fail(f"no Redis at {url}, and FACTCHECK_REQUIRE_REDIS is set")
        pytest.skip(f"no Redis at {url}")
    server.url = url
    yield server
    server.flushdb()


def test_with_redis_url_the_counters_live_in_redis(redis_server):
    server, url = redis_server, redis_server.url
    code = """
import django
django.setup()
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import RequestFactory
from factcheck.throttling import AnonThrottle
print(type(caches["default"]).__module__)
request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
request.user = AnonymousUser()
print([AnonThrottle().allow_request(request, None) for _ in range(2)])
"""
    env = {**os.environ, "REDIS_URL": url, "FACTCHECK_THROTTLE_ANON": "1/hour"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["factcheck.throttling", "[True, False]"]
    keys = [key.decode() for key in server.keys("*throttle_anon_192.0.2.1*")]
    assert len(keys) == 1 and int(server.get(keys[0])) == 2
    server.flushdb()


def test_redis_counter_is_one_round_trip_loses_no_count_and_expires(redis_server):
    server, url = redis_server, redis_server.url
    counters = RedisCache(url, {"KEY_PREFIX": "t"})
    threads, each = 8, 25
    barrier = threading.Barrier(threads)

    def work():
        barrier.wait()
        return [counters.count_up("shared", timeout=60) for _ in range(each)]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        seen = [n for result in pool.map(lambda _: work(), range(threads)) for n in result]
    # Every increment returned a distinct count, and Django's get() reads the counter back.
    assert sorted(seen) == list(range(1, threads * each + 1))
    assert counters.get("shared") == threads * each
    [key] = server.keys("*shared*")
    assert 0 < server.ttl(key) <= 60  # created with its expiry; raising it keeps the expiry
    # One round trip per count: a MULTI pipeline, not add() then incr().
    before = server.info("stats")["total_commands_processed"]
    counters.count_up("other", timeout=5)
    commands = server.info("stats")["total_commands_processed"] - before
    assert commands == 1 + 4  # this INFO, then MULTI, SET NX EX, INCRBY, EXEC
    assert 0 < server.ttl(server.keys("*other*")[0]) <= 5
    server.flushdb()


@pytest.fixture
def redis_counters(redis_server, settings):
    """The throttles' counters in the test Redis, through our ``RedisCache``, as with
    ``REDIS_URL`` in production."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "factcheck.throttling.RedisCache", "LOCATION": redis_server.url},
    }
    return redis_server


def test_with_redis_the_allowances_hold_as_with_the_database(
    redis_counters, rate, researcher, editor, anon_api
):
    rate("user", "2/hour")
    client = token_client(researcher)
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    assert token_client(editor).get(URL).status_code == 200
    rate("auth_failure", "2/hour")
    bad = {"HTTP_AUTHORIZATION": "Token 0123456789abcdef0123456789abcdef01234567"}
    there = {"REMOTE_ADDR": "198.51.100.7"}
    assert [anon_api.get(URL, **there, **bad).status_code for _ in range(2)] == [401, 401]
    wrong = anon_api.get(URL, **there, **bad)
    # A right token from that address is refused the same way, before its user is counted
    # (the editor had used 1 of 2); from another address it passes, once more.
    right = token_client(editor).get(URL, **there)
    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
    assert right.status_code == 429
    assert token_client(editor).get(URL, REMOTE_ADDR="198.51.100.8").status_code == 200
    assert token_client(editor).get(URL, REMOTE_ADDR="198.51.100.8").status_code == 429


def test_database_counter_counts_expires_and_reads_back(settings):
    cache.clear()
    assert [cache.count_up("c", timeout=60) for _ in range(3)] == [1, 2, 3]
    assert cache.get("c") == 3
    # An expired counter starts again from zero.
    cache.set("old", 41, timeout=-1)
    assert cache.count_up("old", timeout=60) == 1
    assert cache.get("old") == 1


@pytest.mark.django_db(transaction=True)
def test_database_counter_loses_no_count_under_concurrent_workers():
    if connection.vendor != "postgresql":
        pytest.skip(
            "threads need PostgreSQL (SQLite's in-memory test database is one file "
            "per process); tests/hardening/test_throttle_workers.py covers SQLite"
        )
    cache.clear()
    threads, each = 8, 25
    barrier = threading.Barrier(threads)

    def work():
        try:
            barrier.wait()
            return [cache.count_up("shared", timeout=60) for _ in range(each)]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        seen = [n for result in pool.map(lambda _: work(), range(threads)) for n in result]
    # Every increment returned a distinct count: none was lost to a read-then-write race.
    assert sorted(seen) == list(range(1, threads * each + 1))
    assert cache.get("shared") == threads * each
    cache.clear()


def test_an_unreachable_redis_is_a_503_that_says_when_to_retry(settings, researcher, anon_api):
    # Nothing listens on port 1: the connection is refused at once.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
    }
    response = token_client(researcher).get(URL)
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The request counter is unavailable for a moment; try again shortly."
    }
    assert response["Retry-After"] == "5"
    # The public docs page is counted too, and says when to come back the same way.
    page = anon_api.get(ANON_URL)
    assert (page.status_code, page["Retry-After"]) == (503, "5")


def test_a_refused_address_is_logged_without_the_token(rate, anon_api, caplog):
    rate("auth_failure", "1/hour")
    bad = {"HTTP_AUTHORIZATION": "Token bad-token-secret", "REMOTE_ADDR": "198.51.100.7"}
    assert anon_api.get(URL, **bad).status_code == 401
    with caplog.at_level(logging.WARNING, logger="factcheck.security"):
        assert anon_api.get(URL, **bad).status_code == 429
    (record,) = [r for r in caplog.records if getattr(r, "event", "") == "auth_throttled"]
    assert (record.client, record.failures, record.path) == ("198.51.100.7", 1, URL)
    assert "bad-token-secret" not in repr(record.__dict__)


def test_migrate_creates_the_counters_table_wherever_the_app_is_migrated():
    # bench/, the fuzz server and a fresh deployment run migrate and nothing else: the
    # database cache's table must come with it, or every API request would fail.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE factcheck_cache")
    assert "factcheck_cache" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "factcheck_cache" in connection.introspection.table_names()
    assert cache.count_up("after-migrate", timeout=60) == 1
