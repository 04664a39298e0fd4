"""Race tests: real threads, each with its own database connection, against PostgreSQL.

SQLite lets one writer in at a time, so these races cannot happen there; the tests are
skipped on SQLite with that reason, and CI runs them on PostgreSQL.
"""

import threading

import pytest
from django.db import connection, connections


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("race tests need PostgreSQL (SQLite serializes every writer)")


@pytest.fixture(autouse=True)
def _editors_group(_postgresql_only, transactional_db):
    """The Editors group as the data migration makes it. A transactional test's flush empties
    every table, and whether the migration's rows come back depends on what ran before."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label__in=["claims", "sources"])
    )


def race(*calls, timeout: float = 60):
    """Run ``calls`` at once (a barrier releases them together); return their results in
    order. Each thread closes its own connection afterwards."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test, not swallowed
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
