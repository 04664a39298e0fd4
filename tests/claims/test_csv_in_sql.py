"""The claim CSV written by PostgreSQL (claims/csv_export.py) is the CSV Python writes.

On PostgreSQL the export's lines are built in SQL; elsewhere by ``export_rows`` and the csv
module. Both must give, byte for byte, what ``csv_rows`` writes for ``exports.claim_csv_row``
over model instances: the reference here, built without either path. The claims carry
every cell a spreadsheet or a CSV parser could trip on: a formula's first character in each
text column, commas, double quotes, CR, LF, CRLF, apostrophes in names, Arabic and emoji,
empty fields, disputes with and without dates, quotes and targets, and moments with and
without microseconds.
"""

from __future__ import annotations

import csv
import datetime
import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection

from claims import csv_export, exports, selectors, services
from claims.filtersets import ClaimFilterSet
from claims.models import Claim, Dispute
from factcheck.api import FORMULA_FIRST, csv_rows
from sources.models import Source
from tests.factories import (
    AttributionFactory,
    ClaimFactory,
    DisputeFactory,
    SourceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE_TEXTS = [
    *(f"{first}SUM(A1:A9) was the total" for first in sorted(FORMULA_FIRST)),
    'He said "it was, in fact, fabricated"',
    "First line\nsecond line",
    "Windows line\r\nand the next",
    "A lone carriage\rreturn",
    "قصف القاعدة 🚀, according to the channel",
    "   leading spaces are kept",
]


@pytest.fixture
def hostile(seed):
    """The seed article plus one claim per hostile text, each with hops and a dispute."""
    wire = SourceFactory(name='Wire, "the agency"')
    channel = SourceFactory(name="=Channel's feed", kind="social_channel")
    outlet = SourceFactory(name="Outlet\nwith a newline")
    topic = TopicFactory(name="Strikes, drones")
    made = []
    for number, text in enumerate(HOSTILE_TEXTS):
        claim = ClaimFactory(
            text=text,
            occurred_at=datetime.date(2024, 1, 1) + datetime.timedelta(days=number),
            topics=[topic] if number % 2 else [],
        )
        origin = AttributionFactory(claim=claim, source=channel if number % 3 else wire)
        relay = AttributionFactory(claim=claim, source=outlet, cites=[origin])
        if number % 2:
            AttributionFactory(claim=claim, source=wire, cites=[origin, relay])
        DisputeFactory(
            claim=claim,
            disputed_by=wire,
            kind="authorship_denial",
            target=origin,
            quote=text,
            stated_at=datetime.date(2024, 4, 22) if number % 2 else None,
        )
        if number % 3 == 0:
            DisputeFactory(claim=claim, disputed_by=outlet, kind="correction", quote="")
        made.append(claim)
    # A reviewer with no group: the transactional tests below start from a flushed
    # database, where the groups of migration 0003 may be gone.
    checker = get_user_model().objects.create_user("checker")
    services.verdict_set(
        claim=made[0], verdict="false", explanation="=not, a formula", credibility=5, user=checker
    )
    # The services strip leading whitespace from text; a row written by anything else (SQL,
    # an old import) must be exported safely all the same.
    for claim, text in zip(made, HOSTILE_TEXTS, strict=True):
        Claim.objects.filter(pk=claim.pk).update(text=text, location=text)
        Dispute.objects.filter(claim=claim, kind="authorship_denial").update(quote=text)
    # A slug written by anything but the services may start like a formula.
    Source.objects.filter(pk=channel.pk).update(slug="-channel")
    # One moment without microseconds, one with leading zeros in them.
    Claim.objects.filter(pk=made[1].pk).update(
        updated_at=datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    )
    Claim.objects.filter(pk=made[2].pk).update(
        updated_at=datetime.datetime(2024, 5, 6, 7, 8, 9, 123, tzinfo=datetime.UTC)
    )
    ClaimFactory(text="A claim with no hop, no dispute and no topic")
    return made


def reference_csv(claims) -> str:
    """The CSV as the csv module writes it for rows built from model instances."""
    return "".join(
        csv_rows(exports.CLAIM_CSV_HEADER, (exports.claim_csv_row(claim) for claim in claims))
    )


def test_the_download_is_byte_identical_to_the_csv_module(hostile, researcher_api):
    response = researcher_api.get("/api/v1/claims/", {"format": "csv"})
    assert response.status_code == 200
    got = b"".join(response.streaming_content).decode()
    assert got == reference_csv(selectors.claim_list())
    table = {row["id"]: row for row in csv.DictReader(io.StringIO(got))}
    assert len(table) == Claim.objects.count() == 9 + len(HOSTILE_TEXTS) + 1
    # What a spreadsheet reads back: formulas defused, every character kept.
    for claim, text in zip(hostile, HOSTILE_TEXTS, strict=True):
        row = table[str(claim.pk)]
        want = "'" + text if text[0] in FORMULA_FIRST else text
        assert row["text"] == row["location"] == want
        assert f"“{text}”" in row["disputes"]
    first = table[str(hostile[0].pk)]
    assert first["verdict"] == "false" and first["credibility"] == "5"
    assert first["chains"] == 'Wire, "the agency" → Outlet\nwith a newline'
    assert first["origins"] == "wire-the-agency"
    assert first["disputes"].startswith(
        'Wire, "the agency", authorship_denial of Wire, "the agency"'
    )
    assert first["disputes"].endswith("Outlet\nwith a newline, correction (open)")
    second = table[str(hostile[1].pk)]
    assert second["chains"] == (
        "'=Channel's feed → Outlet\nwith a newline → Wire, \"the agency\""
        ' | =Channel\'s feed → Wire, "the agency"'
    )
    assert second["topics"] == "strikes-drones"
    assert second["origins"] == "'-channel"
    assert second["updated_at"] == "2024-05-06T07:08:09+00:00"
    assert table[str(hostile[2].pk)]["updated_at"] == "2024-05-06T07:08:09.000123+00:00"
    assert "2024-04-22" in second["disputes"]
    empty = next(row for row in table.values() if row["text"].startswith("A claim with no hop"))
    assert [empty[key] for key in ("origins", "chains", "disputes", "topics")] == ["", "", "", ""]


def test_the_disputed_report_downloads_the_same_rows(hostile, client, researcher):
    client.force_login(researcher)
    response = client.get("/reports/disputed/", {"format": "csv"})
    assert response.status_code == 200
    got = b"".join(response.streaming_content).decode()
    claims = selectors.claim_list().filter(is_disputed=True)
    assert got == reference_csv(claims)
    assert got.count("\r\n") >= len(HOSTILE_TEXTS) + 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the lines are PostgreSQL's")
def test_postgresql_writes_every_line_in_one_query_whatever_the_chunk(
    hostile, django_assert_num_queries
):
    claims = selectors.claim_list()
    # Inside the test's transaction the request's own connection writes every line.
    assert connection.in_atomic_block
    with django_assert_num_queries(1):
        pieces = list(csv_export.export_lines(claims, chunk_size=2, builders=3))
    text = "".join(pieces)
    assert text == reference_csv(claims)
    assert text == "".join(csv_export.export_lines(claims, chunk_size=1000))
    assert all(piece.endswith("\r\n") for piece in pieces)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the builders are PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("builders", [2, 3])
def test_several_sessions_write_the_same_lines_in_order(hostile, builders):
    claims = selectors.claim_list()
    reference = reference_csv(claims)
    assert not connection.in_atomic_block
    pieces = list(csv_export.export_lines(claims, chunk_size=4, builders=builders))
    assert "".join(pieces) == reference
    # The header, then one piece per chunk of four: the sessions' chunks interleaved.
    assert len(pieces) == 1 + -(-claims.count() // 4)
    # Filtered and ordered otherwise, still the same rows as the serial path.
    disputed = claims.filter(is_disputed=True).order_by("text", "id")
    serial = "".join(csv_export.export_lines(disputed, chunk_size=3, builders=1))
    assert "".join(csv_export.export_lines(disputed, chunk_size=3, builders=builders)) == serial
    assert serial.count("\r\n") > len(HOSTILE_TEXTS)
    # The researchers' filters (full-text search, EXISTS on hops) go through as they are.
    found = ClaimFilterSet({"search": "line", "source": "-channel"}, queryset=claims).qs
    serial = "".join(csv_export.export_lines(found, chunk_size=1, builders=1))
    texts = [row["text"] for row in csv.DictReader(io.StringIO(serial, newline=""))]
    assert sorted(texts) == ["First line\nsecond line", "Windows line\r\nand the next"]
    assert "".join(csv_export.export_lines(found, chunk_size=1, builders=builders)) == serial


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the builders are PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_abandoned_download_stops_its_sessions(hostile):
    def sessions() -> set[int]:
        """Backends on the test database; one whose client has just gone may linger a
        moment, so the checks below wait for the expected set rather than read it once."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            return {pid for (pid,) in cursor.fetchall()}

    def within(seconds: float, condition) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    before = sessions()
    stream = csv_export.export_lines(selectors.claim_list(), chunk_size=2, builders=2)
    next(stream)  # the header
    first = next(stream)  # the first chunk: both builders are running now
    assert first.count("\r\n") == 2
    builders: set[int] = set()

    def both_connected() -> bool:
        builders.update(sessions() - before)
        return len(builders) == 2

    assert within(10, both_connected)
    stream.close()  # the client went away
    assert within(10, lambda: not builders & sessions())
    assert not connection.in_atomic_block


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the builders are PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_builder_that_fails_raises_in_the_request_instead_of_hanging():
    # A snapshot that was never exported: the builder's first statement fails, and the
    # error reaches the request's thread (the download is cut with it, not left waiting).
    feed = csv_export._Feed(connection.alias, "00000003-0000001B-1", "SELECT 1", [], 10)
    try:
        # Read with a deadline here, so that a broken builder fails this test, not hangs it.
        error = feed.chunks.get(timeout=10)
        assert isinstance(error, DatabaseError) and "snapshot" in str(error)
        feed.chunks.put(error)
        with pytest.raises(DatabaseError, match="snapshot"):
            feed.take()  # what the request's thread calls
    finally:
        feed.stop()
    assert not feed.thread.is_alive()
