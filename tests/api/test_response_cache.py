"""Repeated reads come from the cache until any write changes the data (response_cache.py).

Every test reads through the real URLs twice or more and checks the second answer is the
kept one (``X-Cache: hit``, same bytes) while nothing changed, and a fresh one with the
change as soon as anything under it was written: through the API, the services, or raw SQL
that no Python code sees.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim
from factcheck.response_cache import data_version
from sources import services as source_services
from tests.conftest import TELEGRAM_TEXT, token_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/?disputed=true"

TABLES = (
    "claims_claim",
    "claims_attribution",
    "claims_attribution_cites",
    "claims_dispute",
    "claims_topic",
    "claims_claim_topics",
    "sources_source",
    "sources_document",
    "auth_user",
)


def test_a_repeated_read_is_the_kept_answer(seed, researcher_api):
    first = researcher_api.get(LIST)
    second = researcher_api.get(LIST)
    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == "application/json"
    assert TELEGRAM_TEXT in {claim["text"] for claim in second.json()["results"]}
    # Another query string is another answer.
    assert researcher_api.get(LIST + "&page_size=1")["X-Cache"] == "miss"


def test_a_write_through_the_api_is_seen_at_once(seed, researcher_api, editor_api):
    claim = seed.telegram_claim
    url = f"/api/v1/claims/{claim.pk}/"
    assert researcher_api.get(url)["X-Cache"] == "miss"
    assert researcher_api.get(url)["X-Cache"] == "hit"
    changed = editor_api.patch(url, {"verdict": "false"}, format="json")
    assert changed.status_code == 200, changed.content
    after = researcher_api.get(url)
    assert after["X-Cache"] == "miss"
    assert after.json()["verdict"] == "false"
    assert after.json()["reviewed_by"] == "editor"


def test_a_renamed_source_reaches_every_kept_claim(seed, researcher_api):
    before = researcher_api.get(LIST)
    assert researcher_api.get(LIST)["X-Cache"] == "hit"
    reuters = seed.source("reuters")
    assert any(
        "Reuters" in chain["label"] for c in before.json()["results"] for chain in c["chains"]
    )
    source_services.source_update(reuters, name="Reuters News Agency")
    after = researcher_api.get(LIST)
    assert after["X-Cache"] == "miss"
    labels = [chain["label"] for c in after.json()["results"] for chain in c["chains"]]
    assert any("Reuters News Agency" in label for label in labels)


def test_raw_sql_behind_the_services_back_is_seen_too(seed, researcher_api):
    claim = seed.telegram_claim
    url = f"/api/v1/claims/{claim.pk}/"
    researcher_api.get(url)
    assert researcher_api.get(url)["X-Cache"] == "hit"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET location = %s WHERE id = %s", ["Baghdad", claim.pk])
    after = researcher_api.get(url)
    assert after["X-Cache"] == "miss" and after.json()["location"] == "Baghdad"


def test_migrate_puts_back_a_trigger_that_a_table_rebuild_dropped(seed):
    # SQLite drops a table's triggers when a migration rebuilds the table (claims/0008 did):
    # every migrate run restores the missing ones.
    names = {
        "postgresql": ("claims_claim_data_version", "DROP TRIGGER {} ON claims_claim"),
        "sqlite": ("claims_claim_data_version_update", "DROP TRIGGER {}"),
    }
    name, drop = names[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(drop.format(name))
    before = data_version()
    Claim.objects.filter(pk=seed.telegram_claim.pk).update(location="Baghdad")
    assert data_version() == before  # no trigger, no bump: kept answers would go stale
    call_command("migrate", verbosity=0)
    Claim.objects.filter(pk=seed.telegram_claim.pk).update(location="Erbil")
    assert data_version() > before


@pytest.mark.parametrize("table", TABLES)
def test_every_table_an_answer_reads_moves_the_version(seed, editor, table):
    services.verdict_set(claim=seed.telegram_claim, verdict="false", user=editor)  # a reviewer
    Claim.topics.through.objects.get_or_create(
        claim=seed.telegram_claim, topic=services.topic_create(name="Strikes")
    )
    before = data_version()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id WHERE id = (SELECT MIN(id) FROM {table})")
    assert data_version() > before


def test_answers_are_kept_per_user(seed, researcher_api, editor):
    researcher_api.get(LIST)
    assert researcher_api.get(LIST)["X-Cache"] == "hit"
    other = token_client(editor)
    assert other.get(LIST)["X-Cache"] == "miss"
    # Without credentials there is no answer to keep or to leak.
    assert APIClient().get(LIST).status_code == 401


def test_the_detail_keeps_its_etag_and_csv_is_never_kept(seed, researcher_api):
    url = f"/api/v1/claims/{seed.drone_claim.pk}/"
    first, second = researcher_api.get(url), researcher_api.get(url)
    assert second["X-Cache"] == "hit" and second["ETag"] == first["ETag"]
    csv_first = researcher_api.get(LIST + "&format=csv")
    csv_second = researcher_api.get(LIST + "&format=csv")
    assert "X-Cache" not in csv_first and "X-Cache" not in csv_second
    assert b"".join(csv_second.streaming_content).decode().startswith("id,text,")


def test_errors_are_never_kept(seed, researcher_api):
    for _ in range(2):
        response = researcher_api.get("/api/v1/claims/?disputd=true")
        assert response.status_code == 400
        assert "X-Cache" not in response


@override_settings(FACTCHECK_RESPONSE_CACHE=False)
def test_it_can_be_turned_off(seed, researcher_api):
    first, second = researcher_api.get(LIST), researcher_api.get(LIST)
    assert first.status_code == second.status_code == 200
    assert "X-Cache" not in first and "X-Cache" not in second
    assert first.content == second.content
