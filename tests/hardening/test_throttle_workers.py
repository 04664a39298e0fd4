"""The anonymous limit holds across gunicorn workers, and a forged X-Forwarded-For buys nothing.

Each test starts gunicorn with two sync workers against a real database and a shared cache
(Redis on a test DB number, or the database cache), sends more anonymous requests than the
limit from several threads at once, and counts the answers. Before the counters were shared
and the header was read only from trusted proxies, 300 of 300 spoofed requests passed a
60/minute limit, and 183 of 300 passed without spoofing (issue 14, item 7).
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
#: Redis for these tests only: a DB number of its own, emptied before each test.
REDIS_URL = os.environ.get("FACTCHECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
LIMIT = 20
REQUESTS = 60
#: Anonymous and public: its answer is a small page that reads no table, so the run
#: measures the throttle, not the page.
PATH = "/api/v1/docs/"

# Committed, not rolled back: the servers read the database from other connections.
pytestmark = pytest.mark.django_db(transaction=True)


def redis_ready() -> bool:
    """Whether the test Redis answers; emptied when it does (its DB number is the tests').
    With FACTCHECK_REQUIRE_REDIS set (CI), no Redis is a failure, never a quiet skip."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
        return True
    except redis.exceptions.ConnectionError:
        if os.environ.get("FACTCHECK_REQUIRE_REDIS"):
            pytest.fail(f"no Redis at {REDIS_URL}, and FACTCHECK_REQUIRE_REDIS is set")
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(tmp: Path) -> str:
    """The database the server uses: the test database on PostgreSQL (already migrated,
    with its cache table); on SQLite, whose test database lives in this process's memory,
    a file of its own with the cache table, which is all the throttled page reads."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user, host, port = settings["USER"], settings["HOST"], settings["PORT"] or 5432
        return f"postgres://{user}@{host}:{port}/{settings['NAME']}"
    path = tmp / "throttle.sqlite3"
    url = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, "manage.py", "createcachetable"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "REDIS_URL": ""},
        check=True,
        capture_output=True,
        timeout=120,
    )
    return url


class Server:
    """gunicorn with two sync workers on a free port; its access log names the worker."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "factcheck.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "-",
                # The worker's pid and the status, to count both per worker.
                "--access-logformat",
                "pid=%(p)s status=%(s)s path=%(U)s",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Ready when both workers have answered: a worker still starting would leave the
        # whole burst to the other, and the test would prove nothing about sharing.
        deadline = time.monotonic() + 90
        while len(self.workers("/login/")) < 2:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start two workers:\n{self.output()}")
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda _: self.ping(), range(4)))
            time.sleep(0.2)

    def ping(self) -> None:
        try:
            with urllib.request.urlopen(f"{self.url}/login/", timeout=5):
                pass
        except (OSError, urllib.error.URLError):
            pass

    def workers(self, path: str) -> set[str]:
        """The pids of the workers that answered ``path`` so far (from the access log)."""
        return set(re.findall(r"pid=<?(\d+)>? status=\d+ path=" + re.escape(path), self.output()))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, str | None]:
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers.get("Retry-After")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Retry-After")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def serve(tmp_path):
    """Start a server with extra environment; every server started is stopped after."""
    servers: list[Server] = []

    def start(cache: str, **env: str) -> Server:
        env = {
            "DATABASE_URL": database_url(tmp_path),
            "REDIS_URL": REDIS_URL if cache == "redis" else "",
            "FACTCHECK_THROTTLE_ANON": f"{LIMIT}/minute",
            "FACTCHECK_TRUSTED_PROXIES": "",
            "DJANGO_DEBUG": "false",
            "GUNICORN_PRELOAD": "true",
            **env,
        }
        server = Server(env)
        servers.append(server)
        return server

    cache.clear()
    yield start
    for server in servers:
        server.stop()
    # The servers' counters are committed in the test database's cache table; the test
    # client's requests come from 127.0.0.1 too, so later tests must not inherit them.
    cache.clear()


def start_of_a_fresh_window() -> None:
    """Wait, if need be, so the burst fits in one minute's window (counts start again
    at each window, which would let up to twice the limit through across a boundary)."""
    left = 60 - time.time() % 60
    if left < 20:
        time.sleep(left + 0.5)


def burst(server: Server, headers_for) -> list[tuple[int, str | None]]:
    """``REQUESTS`` GETs of ``PATH`` from eight threads at once; each request's headers
    come from ``headers_for(i)``."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda i: server.get(PATH, headers_for(i)), range(REQUESTS)))


def forged(i: int) -> dict[str, str]:
    """Every other request claims to come from a new address."""
    if i % 2:
        return {}
    return {"X-Forwarded-For": f"203.0.113.{random.randrange(1, 255)}, 10.{i}.0.1"}


def assert_exactly_the_limit_passed(server: Server, answers) -> None:
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == REQUESTS - LIMIT, statuses
    for status, retry_after in answers:
        if status == 429:
            assert retry_after is not None and 1 <= int(retry_after) <= 60
    # Both workers answered: the count was shared, not per worker.
    assert len(server.workers(PATH)) == 2, server.output()[-2000:]


@pytest.mark.parametrize("cache", ["redis", "database"])
def test_anonymous_limit_holds_across_two_workers_with_forged_headers(serve, cache):
    if cache == "redis" and not redis_ready():
        pytest.skip(f"no Redis at {REDIS_URL} (set FACTCHECK_TEST_REDIS_URL)")
    server = serve(cache)
    start_of_a_fresh_window()
    answers = burst(server, forged)
    assert_exactly_the_limit_passed(server, answers)
    # The forged requests spent the same allowance: a plain request is refused too.
    assert server.get(PATH, {})[0] == 429
    assert server.get(PATH, {"X-Forwarded-For": "198.51.100.200"})[0] == 429


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(serve):
    """127.0.0.1 plays the trusted proxy: what it appends is believed, what the client
    wrote to the left of it is not. One real client with forged prefixes still gets
    exactly the limit, and another client has an allowance of its own."""
    if not redis_ready():
        pytest.skip(f"no Redis at {REDIS_URL} (set FACTCHECK_TEST_REDIS_URL)")
    server = serve("redis", FACTCHECK_TRUSTED_PROXIES="127.0.0.1/32")
    start_of_a_fresh_window()

    def via_proxy(i: int) -> dict[str, str]:
        # What the client sent, then what the proxy appended: the client's real address.
        return {"X-Forwarded-For": f"203.0.113.{random.randrange(1, 255)}, 198.51.100.7"}

    answers = burst(server, via_proxy)
    assert_exactly_the_limit_passed(server, answers)
    assert server.get(PATH, {"X-Forwarded-For": "198.51.100.8"})[0] == 200
    assert server.get(PATH, {"X-Forwarded-For": "198.51.100.7"})[0] == 429
