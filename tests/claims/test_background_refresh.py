"""A change that reaches many claims (issue 13): past ``FACTCHECK_INLINE_REFRESH_LIMIT`` it is
applied by a background job, and until then every surface says the claims are being
refreshed; up to it, it stays in the write's transaction.

Transactional tests: the job is a real row of django-tasks-db's queue, committed with the
write and run by the real ``manage.py db_worker --batch``, as in production.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import signal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from claims import projection
from claims.models import Claim, PendingRefresh
from sources import services as source_services
from tests.conftest import token_client
from tests.factories import (
    AttributionFactory,
    ClaimFactory,
    DisputeFactory,
    DocumentFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 3  # the wire agency below is named in 5 claims
DAY = datetime.date(2024, 4, 22)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def run_worker() -> str:
    """Run every pending job once (``manage.py db_worker --batch``), as ops would; the
    worker's signal handlers are put back afterwards so pytest keeps its own."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    out = io.StringIO()
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=out)
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)
    return out.getvalue()


@pytest.fixture
def chief():
    return get_user_model().objects.create_superuser("chief", password="pw-chief")


@pytest.fixture
def api(chief):
    return token_client(chief)


@pytest.fixture
def wire():
    """A wire agency relaying five disputed claims, each from its own origin, all citing one
    wire report; and one claim that does not name the agency."""
    agency = SourceFactory(name="Wire Agency", kind="news_agency")
    report = DocumentFactory(title="Wire report", publisher=SourceFactory(name="Wire Desk"))
    claims = []
    for n in range(5):
        claim = ClaimFactory(text=f"Wire claim {n}")
        origin = AttributionFactory(
            claim=claim, source=SourceFactory(name=f"Official {n}"), stated_at=DAY
        )
        AttributionFactory(claim=claim, source=agency, cites=[origin], document=report)
        DisputeFactory(claim=claim, target=origin, disputed_by=SourceFactory(name=f"Denier {n}"))
        claims.append(claim)
    other = ClaimFactory(text="A claim nobody relayed")
    AttributionFactory(claim=other, source=SourceFactory(name="Local Paper"))
    return agency, report, claims, other


def detail(api, claim) -> dict:
    response = api.get(f"/api/v1/claims/{claim.pk}/")
    assert response.status_code == 200, response.content
    return response.json()


def agency_name(document: dict) -> str:
    return document["sources"]["wire-agency"]["name"]


def read_csv(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8")
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


def rename(api, name: str = "Global Wire"):
    response = api.patch("/api/v1/sources/wire-agency/", {"name": name}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == name
    return response


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=LIMIT)
def test_rename_past_the_limit_reads_old_and_marked_until_the_worker_runs(api, wire):
    agency, _, claims, other = wire
    rename(api)

    # The write committed the rename, the marks and one queued job; no claim re-projected.
    assert [job.status for job in DBTaskResult.objects.all()] == ["READY"]
    for claim in claims:
        document = detail(api, claim)
        assert document["refreshing"] is True
        assert agency_name(document) == "Wire Agency"  # the old name, labelled as such
    assert detail(api, other)["refreshing"] is False
    listed = api.get("/api/v1/claims/?refreshing=true&page_size=50").json()
    assert sorted(item["id"] for item in listed["results"]) == [c.pk for c in claims]
    assert all(item["refreshing"] for item in listed["results"])
    assert api.get("/api/v1/claims/?refreshing=false").json()["count"] == 1

    run_worker()

    [job] = DBTaskResult.objects.all()
    assert job.status == "SUCCESSFUL" and job.return_value == 5
    for claim in claims:
        document = detail(api, claim)
        assert document["refreshing"] is False
        assert agency_name(document) == "Global Wire"
        assert "Global Wire" in document["chains"][0]["label"]
    assert api.get("/api/v1/claims/?refreshing=true").json()["count"] == 0
    assert list(projection.stale()) == []
    # A second run finds nothing left: the job is idempotent.
    assert projection.refresh_marked() == 0


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=5)
def test_rename_within_the_limit_is_applied_in_the_write(api, wire):
    _, _, claims, _ = wire
    rename(api)
    assert DBTaskResult.objects.count() == 0
    for claim in claims:
        document = detail(api, claim)
        assert document["refreshing"] is False
        assert agency_name(document) == "Global Wire"


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=LIMIT)
def test_csv_says_which_claims_are_being_refreshed(api, wire):
    _, _, claims, other = wire
    rename(api)
    rows = read_csv(api.get("/api/v1/claims/?format=csv"))
    for claim in claims:
        assert rows[str(claim.pk)]["refreshing"] == "true"
        assert "Wire Agency" in rows[str(claim.pk)]["chain_names"]
    assert rows[str(other.pk)]["refreshing"] == "false"
    [one] = read_csv(api.get(f"/api/v1/claims/{claims[0].pk}/?format=csv")).values()
    assert one["refreshing"] == "true"
    # The disputed report's CSV is the same writer.
    client = Client()
    client.force_login(get_user_model().objects.get(username="chief"))
    disputed = read_csv(client.get("/reports/disputed/?format=csv"))
    assert {row["refreshing"] for row in disputed.values()} == {"true"}

    run_worker()

    rows = read_csv(api.get("/api/v1/claims/?format=csv"))
    assert {row["refreshing"] for row in rows.values()} == {"false"}
    assert "Global Wire" in rows[str(claims[0].pk)]["chain_names"]


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=LIMIT)
def test_reports_and_admin_say_the_claim_is_being_refreshed(api, chief, wire):
    _, _, claims, _ = wire
    client = Client()
    client.force_login(chief)
    note = "being refreshed"
    assert note not in client.get("/reports/disputed/").content.decode()
    rename(api)

    page = client.get("/reports/disputed/").content.decode()
    entries = page[page.index("<article") :]  # the filter form above lists today's names
    assert entries.count('data-refreshing="true"') == 5
    assert "Wire Agency" in entries and "Global Wire" not in entries
    claim_page = client.get(f"/reports/claims/{claims[0].pk}/").content.decode()
    assert note in claim_page and "from before that change" in claim_page
    admin_page = client.get(f"/admin/claims/claim/{claims[0].pk}/change/").content.decode()
    assert note in admin_page

    run_worker()

    page = client.get("/reports/disputed/").content.decode()
    entries = page[page.index("<article") :]
    assert note not in entries and "Global Wire" in entries and "Wire Agency" not in entries
    assert note not in client.get(f"/reports/claims/{claims[0].pk}/").content.decode()


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=LIMIT)
def test_document_change_past_the_limit_is_deferred_too(api, wire):
    _, report, claims, _ = wire
    response = api.patch(f"/api/v1/documents/{report.pk}/", {"title": "Wire report, corrected"})
    assert response.status_code == 200, response.content
    document = detail(api, claims[0])
    assert document["refreshing"] is True
    assert document["documents"][str(report.pk)]["title"] == "Wire report"

    run_worker()

    document = detail(api, claims[0])
    assert document["refreshing"] is False
    assert document["documents"][str(report.pk)]["title"] == "Wire report, corrected"


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=LIMIT)
def test_aborted_write_marks_nothing_and_queues_nothing(wire):
    agency, _, claims, _ = wire
    with pytest.raises(RuntimeError), transaction.atomic():
        source_services.source_update(agency, name="Global Wire")
        assert PendingRefresh.objects.count() == 5  # marked inside
        raise RuntimeError("the write fails after the rename")
    assert DBTaskResult.objects.count() == 0
    assert PendingRefresh.objects.count() == 0
    assert agency_name(Claim.objects.get(pk=claims[0].pk).document) == "Wire Agency"


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=LIMIT, TASKS=IMMEDIATE)
def test_immediate_backend_runs_the_job_after_the_commit_only(api, wire):
    agency, _, claims, _ = wire
    with pytest.raises(RuntimeError), transaction.atomic():
        source_services.source_update(agency, name="Never Saved")
        raise RuntimeError("rolled back: on_commit must not run the job")
    assert agency_name(detail(api, claims[0])) == "Wire Agency"
    assert PendingRefresh.objects.count() == 0

    rename(api)  # no worker: the job ran in this process right after the commit
    for claim in claims:
        document = detail(api, claim)
        assert document["refreshing"] is False
        assert agency_name(document) == "Global Wire"


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=LIMIT)
@pytest.mark.parametrize("args", [["--jobs", "1"], ["--pending"]], ids=["all", "pending"])
def test_refresh_derived_clears_the_marks(api, wire, args):
    _, _, claims, _ = wire
    rename(api)
    out = io.StringIO()
    call_command("refresh_derived", *args, stdout=out, stderr=io.StringIO())
    assert PendingRefresh.objects.count() == 0
    document = detail(api, claims[0])
    assert document["refreshing"] is False and agency_name(document) == "Global Wire"
    if args == ["--pending"]:
        assert "Refreshed 5 claims that were being refreshed." in out.getvalue()


def test_refreshing_filter_refuses_a_bad_value(api, wire):
    response = api.get("/api/v1/claims/?refreshing=maybe")
    assert response.status_code == 400
    assert "refreshing" in json.dumps(response.json())


def test_fresh_documents_always_carry_the_key(api, wire):
    _, _, claims, _ = wire
    assert detail(api, claims[0])["refreshing"] is False
    as_of = api.get(f"/api/v1/claims/{claims[0].pk}/?as_of=2100-01-01")
    assert as_of.status_code == 200, as_of.content
    assert as_of.json()["refreshing"] is False
