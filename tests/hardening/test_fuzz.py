"""Property-based fuzzing of /api/v1/ against its own OpenAPI schema (schemathesis 4).

Every operation in ``/api/v1/schema/`` gets a bounded, deterministic run (``EXAMPLES``
examples, a fixed seed, a wall-clock budget) through the real WSGI application, on the test
database with the seed article loaded. Reads go out with a researcher's token, writes with
an editor's, so writes really happen. Both schema-valid and schema-invalid inputs are
sent (schemathesis' positive and negative modes). What must hold, for every response:

- no 5xx (``not_a_server_error``);
- the status code is one the schema documents (``status_code_conformance``);
- the body and content type match the schema (``response_schema_conformance``,
  ``content_type_conformance``, ``response_headers_conformance``).

Not checked: ``negative_data_rejection``. An empty query value (``?kind=``, ``?ordering=``)
is outside the schema's enums, yet means "no filter" on purpose: the reports' filter forms
share these filtersets and submit every empty field.

Each example runs in a savepoint that is rolled back, so every example starts from the same
seed and a delete in one example cannot hide a bug from the next.
"""

from __future__ import annotations

import time

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims.models import Attribution, Claim, Dispute, Topic
from factcheck.wsgi import application
from sources.models import Document, Source
from tests.conftest import _user

pytestmark = pytest.mark.django_db

#: Examples per operation (positive and negative modes together).
EXAMPLES = 25
#: Fixed seed: CI sees the same inputs every run, so a failure reproduces.
SEED = 20240422
#: Wall-clock budget per operation; later examples are generated but not sent.
BUDGET_SECONDS = 20.0

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# The schema the API serves, loaded once through the WSGI app (anonymous, no database).
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
OPERATIONS = sorted(
    (result.ok() for result in SCHEMA.get_all_operations()), key=lambda op: op.label
)


@pytest.fixture
def wsgi_in_test_transaction():
    """Let requests sent straight to the WSGI app run inside the test's transaction.

    Django closes "old" connections at the start and end of every request; inside a test's
    transaction that would break it. Django's own test client disconnects the same handler.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _path_values(name: str) -> list:
    """Existing objects for a path parameter, plus one that does not exist (→ 404)."""
    if name == "slug":
        return [
            *Source.objects.values_list("slug", flat=True)[:4],
            *Topic.objects.values_list("slug", flat=True)[:2],
            "no-such-slug",
        ]
    ids = {
        *Claim.objects.values_list("pk", flat=True)[:3],
        *Attribution.objects.values_list("pk", flat=True)[:3],
        *Dispute.objects.values_list("pk", flat=True)[:2],
        *Document.objects.values_list("pk", flat=True)[:2],
    }
    return [*sorted(ids), 987654]


def _strategy(operation):
    """Positive and negative cases; path parameters mostly name existing objects."""
    names = [parameter.name for parameter in operation.path_parameters]

    def cases(path_parameters):
        return st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path_parameters),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path_parameters),
        )

    if not names:
        return cases(None)
    fixed = st.fixed_dictionaries({name: st.sampled_from(_path_values(name)) for name in names})
    return fixed.flatmap(cases)


def _fuzz(operation, headers: dict[str, str]) -> tuple[int, list[str]]:
    """Send up to EXAMPLES cases; return how many were sent and the failure reports."""
    sent = 0
    failures: list[str] = []
    started = time.monotonic()

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        # No shrinking: failures are collected, not raised, and reported all together.
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.seed(SEED)
    @hypothesis.given(case=_strategy(operation))
    def run(case):
        nonlocal sent
        if time.monotonic() - started > BUDGET_SECONDS:
            return
        sent += 1
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 - all reported below
                failures.append(f"{type(exc).__name__}: {exc}")
            transaction.set_rollback(True)

    run()
    return sent, failures


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_operation_survives_fuzzing(operation, seed, wsgi_in_test_transaction):
    if operation.method.upper() in ("GET", "HEAD", "OPTIONS"):
        user = _user("fuzz-researcher", "Researchers")
    else:
        user = _user("fuzz-editor", "Editors", is_staff=True)
    token, _ = Token.objects.get_or_create(user=user)
    sent, failures = _fuzz(operation, {"Authorization": f"Token {token.key}"})
    assert sent > 0, f"{operation.label}: no example was sent"
    print(f"{operation.label}: {sent} examples sent, {len(failures)} failed")
    assert not failures, f"{operation.label}: {len(failures)} of {sent} failed\n\n" + "\n\n".join(
        failures[:3]
    )
