"""export_tracker / import_tracker: byte-identical round trip on the test database."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims import reviews, services
from claims.models import Attribution, Claim, Dispute, Topic
from claims.standards import dump
from sources import services as source_services
from sources.models import Document, Source

pytestmark = pytest.mark.django_db


def wipe(with_history: bool) -> None:
    """Empty every tracker table (and the history), as a fresh database would be."""
    Dispute.objects.all().delete()
    Attribution.cites.through.objects.all().delete()
    Attribution.objects.all().delete()
    Claim.objects.all().delete()
    Topic.objects.all().delete()
    Document.objects.all().delete()
    Source.objects.filter(affiliated_with__isnull=False).update(
        affiliated_with=None, affiliation=""
    )
    Source.objects.all().delete()
    if with_history:
        from django.apps import apps

        for label in dump.HISTORY_MODELS:
            apps.get_model(label).objects.all().delete()


def export(tmp_path, name, *args) -> bytes:
    path = tmp_path / name
    call_command("export_tracker", str(path), *args, stderr=StringIO())
    return path.read_bytes()


def rich_seed(seed, editor):
    """The seed plus everything a round trip could drop: a verdict by a user, a quote in
    Arabic, a rejected dispute, a URL, a Unicode name, a hop that quotes."""
    services.verdict_set(
        claim=seed.telegram_claim, verdict="misattributed", explanation="Denied.", user=editor
    )
    reuters = seed.source("reuters")
    source_services.source_update(reuters, url="https://www.reuters.com/", reliability="B")
    source_services.source_create(name="قناة تلغرام", kind="social_channel")
    claim = seed.drone_claim
    hop = claim.attributions.get(source__slug="antiwarcom")
    services.attribution_update(hop, relation="quotes", quote_language="ar", quote="«نص»")
    services.dispute_record(
        claim=claim, disputed_by=reuters, kind="correction", resolution="rejected"
    )
    reviews.review_create(
        claim=claim,
        author=reuters,
        url="https://lupa.example/verificamos",
        published_at=datetime.datetime(2024, 4, 23, 21, 20, tzinfo=datetime.UTC),
        rating_text="não é bem assim",
        rating_language="pt",
        rating_value=Decimal("-1"),
        best_rating=Decimal("-1"),
        worst_rating=Decimal("-1"),
        verdict="mixed",
        verdict_basis="table",
        appearances=[
            {"url": "https://x.example/1"},
            {"url": "https://y.example/2", "publisher": "Y"},
        ],
        imported_from="brazil.json",
        imported_at=datetime.datetime(2024, 5, 1, 8, 0, tzinfo=datetime.UTC),
    )


@pytest.mark.parametrize("with_history", [False, True])
def test_round_trip_is_byte_identical(seed, editor, tmp_path, with_history):
    rich_seed(seed, editor)
    args = ["--with-history"] if with_history else []
    first = export(tmp_path, "first.jsonl", *args)
    wipe(with_history)
    assert dump.tracker_is_empty()
    out = StringIO()
    call_command("import_tracker", str(tmp_path / "first.jsonl"), stdout=out)
    assert "9 claims.claim" in out.getvalue()
    second = export(tmp_path, "second.jsonl", *args)
    assert second == first
    # The restored rows are live data: the telegram claim still has its verdict and reviewer.
    claim = seed.telegram_claim
    assert (claim.verdict, claim.reviewed_by.username) == ("misattributed", "editor")
    # And the id sequences moved on: a new row gets a fresh id.
    new = source_services.source_create(name="After restore")
    assert new.pk > max(json.loads(line)["pk"] for line in first.decode().splitlines()[1:10])


def test_dump_format_is_sorted_and_complete(seed, tmp_path):
    lines = export(tmp_path, "d.jsonl").decode().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "factcheck-tracker-dump" and header["history"] is False
    assert header["counts"] == {
        "sources.source": 9,
        "sources.document": 3,
        "claims.topic": 2,
        "claims.claim": 9,
        "claims.attribution": 23,
        "claims.dispute": 1,
        "claims.review": 0,
    }
    rows = [json.loads(line) for line in lines[1:]]
    assert [r["model"] for r in rows] == sorted(
        (r["model"] for r in rows), key=dump.TRACKER_MODELS.index
    )
    claim = next(r for r in rows if r["model"] == "claims.claim" and r["fields"]["is_disputed"])
    assert claim["fields"]["dispute_count"] == 1
    assert claim["fields"]["first_reported_at"] == "2024-04-22"
    assert len(claim["fields"]["topics"]) == 2
    relays = [r for r in rows if r["model"] == "claims.attribution" and r["fields"]["cites"]]
    # 23 hops, 12 of them origins: every other hop names what it cites (14 links in all).
    assert len(relays) == 11
    assert sum(len(r["fields"]["cites"]) for r in relays) == 14
    assert all(not r["fields"]["is_origin"] for r in relays)
    assert all(
        line
        == json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        for line in lines
    )


def test_import_refuses_non_empty_database(seed, tmp_path):
    export(tmp_path, "d.jsonl")
    before = Claim.objects.count()
    with pytest.raises(CommandError, match="already holds tracker data"):
        call_command("import_tracker", str(tmp_path / "d.jsonl"), stdout=StringIO())
    assert Claim.objects.count() == before


def test_force_merge_overwrites_same_ids_and_keeps_others(seed, tmp_path):
    export(tmp_path, "d.jsonl")
    claim = seed.drone_claim
    services.claim_update(claim, location="Changed after the dump")
    extra = services.claim_create(text="Entered after the dump")
    call_command("import_tracker", str(tmp_path / "d.jsonl"), "--force-merge", stdout=StringIO())
    claim.refresh_from_db()
    assert claim.location == "Ain al-Asad air base, western Iraq"
    assert Claim.objects.filter(pk=extra.pk).exists()


def test_truncated_dump_is_refused_and_nothing_written(seed, tmp_path):
    data = export(tmp_path, "d.jsonl").decode().splitlines()
    wipe(False)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(data[:-3]) + "\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_tracker", str(cut), stdout=StringIO(), stderr=err)
    # The last three rows were the one dispute and two hops.
    reported = err.getvalue().splitlines()
    assert (
        f"{cut}:{len(data) - 3}: counts: the header promises 23 rows of claims.attribution but "
        "the file holds 21; the file is truncated or edited"
    ) in reported
    assert (
        f"{cut}:{len(data) - 3}: counts: the header promises 1 rows of claims.dispute but "
        "the file holds 0; the file is truncated or edited"
    ) in reported
    assert dump.tracker_is_empty()


def test_not_a_dump_is_refused(db, tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"hello": 1}\n')
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_tracker", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue() == (
        f"{path}:1: format: the first line does not say “factcheck-tracker-dump”; "
        "not a tracker dump\n"
    )
