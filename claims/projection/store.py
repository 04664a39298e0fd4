"""Store each claim's projection on its row: the document, the CSV line and the figures.

``refresh`` is what the services call, inside the writing transaction, for the claims a
change reaches: one claim for a hop or a dispute, every claim naming a source for a rename.
It reads the graphs in bulk (``graph.load``, seven queries a batch) and writes a batch with
one statement, so it serves a single write and ``manage.py refresh_derived`` alike.

A change that reaches more claims than ``FACTCHECK_INLINE_REFRESH_LIMIT`` (``refresh_reaching``)
is not re-projected in its transaction: ``defer`` marks those claims as being refreshed (one
``INSERT`` of ``PendingRefresh`` rows; every surface then serves them with ``"refreshing":
true``, ``claims.selectors``) and queues ``claims.tasks.refresh_marked_claims``, which
re-projects them in batches (``refresh_marked``). Every fresh projection clears the mark.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from factcheck.jsontext import dumps

from ..models import Claim, PendingRefresh
from ..reports.entries import claim_entry
from ..reports.render import entry_html
from . import document as projection
from . import graph as graphs

BATCH = 1000

# The stored columns, in the order ``rows_for`` gives them after the claim's id.
FIGURES = (
    "first_reported_at",
    "dispute_count",
    "is_disputed",
    "search_document",
    "independent_origin_count",
    "relay_count",
    "single_origin_echo",
    "circular_reporting",
    "authorship_contested",
    "origin_kind_mask",
    "origin_anonymous",
    "source_lineage",
)
TEXTS = ("document", "csv_row", "report_html")
COLUMNS = (*FIGURES, *TEXTS, "updated_at")
# In a row of ``rows_for``, ``KEEP`` for each of ``TEXTS`` means "as stored": ``_write``
# then leaves the column as it is (see ``rows_for``).
KEEP = (None,) * len(TEXTS)


def project(graph) -> tuple[dict, dict, str, str]:
    """(figures, document, CSV line, report entry) of one claim graph, as stored.

    The stored document always carries ``"refreshing": false`` (a fresh projection is not
    pending); readers serve ``true`` while the claim has a ``PendingRefresh`` row. The
    report entry is the disputed report's ``<article>`` for a disputed claim, drawn from
    that document (``claims.reports.render``), and empty for the others: the report lists
    only disputed claims, and drawing one took ~60% of a report page (bench/RESULTS.md).
    """
    figures, document = projection.project(graph)
    document["refreshing"] = False
    entry = report_entry(document) if figures["is_disputed"] else ""
    return figures, document, projection.csv_line(document), entry


def report_entry(document: dict) -> str:
    """A document's entry in the disputed report, as the report would draw it."""
    return str(entry_html(claim_entry(document)))


def lock(ids: list[int], *, read_texts: bool = False) -> dict[int, tuple[str, str, str]]:
    """Lock the claims' rows in ascending id (the documented order) before reading their
    graphs, so no write to one of them can commit between the read and the store.

    With ``read_texts`` (a rebuild), the same statement returns each claim's stored
    ``TEXTS``, so that ``rows_for`` leaves out those a fresh projection would write
    unchanged. PostgreSQL only; elsewhere nothing is locked and ``{}`` returned.
    """
    if not ids or connection.vendor != "postgresql":
        return {}
    # The ids as one array parameter: the ORM's ``IN`` list took longer to build and send
    # than to lock for a change reaching many claims (2.4 s against 1.5 s for the 224,724
    # claims naming the most-cited source of a million).
    columns = ", ".join(("id", *TEXTS)) if read_texts else "id"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {Claim._meta.db_table} WHERE id = ANY(%s) "
            "ORDER BY id FOR UPDATE",
            [ids],
        )
        return {row[0]: row[1:] for row in cursor.fetchall()} if read_texts else {}


def rows_for(ids: list[int], *, touch: bool, locked: bool = True) -> list[tuple]:
    """One tuple of ``("id", *COLUMNS)`` values per existing claim of ``ids`` (their rows
    locked first, unless only compared: ``locked=False``).

    In a locked rebuild (``touch=False``) a claim whose stored ``TEXTS`` are what the fresh
    projection gives carries ``KEEP`` for them: most claims of a ``refresh_derived`` after
    a deploy. Sending their documents back only for PostgreSQL to find them equal cost
    that rebuild over a third of its time (bench/RESULTS.md).
    """
    stored = lock(ids, read_texts=not touch) if locked else {}
    now = timezone.now() if touch else None
    rows = []
    for graph in graphs.load(ids).values():
        if touch:
            graph.updated_at = now
        figures, document, line, entry = project(graph)
        texts = (dumps(document), line, entry)
        rows.append(
            (
                graph.pk,
                *(figures[name] for name in FIGURES),
                *(KEEP if stored.get(graph.pk) == texts else texts),
                graph.updated_at,
            )
        )
    return rows


def _write(rows: list[tuple]) -> None:
    if not rows:
        return
    table = Claim._meta.db_table
    with connection.cursor() as cursor:
        # A fresh projection is not pending: its claims' marks go with the same write (their
        # rows are locked, so no ``defer`` can mark them between the read and this).
        _unmark(cursor, [row[0] for row in rows])
        if connection.vendor == "postgresql":
            # One UPDATE a batch: the new values arrive as parallel arrays.
            types = (
                "text",  # first_reported_at (a date or date-time, as stored)
                "int",
                "bool",
                "text",
                "int",
                "int",
                "bool",
                "bool",
                "bool",
                "int",
                "bool",
                "text",  # source_lineage, as its array literal: unnest would flatten an array
                "text",  # document: JSON text, stored and compared as written
                "text",
                "text",
                "timestamptz",
            )
            casts = {
                name: Claim._meta.get_field(name).db_type(connection)
                for name in ("first_reported_at", "source_lineage")
            }
            new = {
                name: f"v.{name}::{casts[name]}"
                if name in casts
                else f"COALESCE(v.{name}, c.{name})"
                if name in TEXTS
                else f"v.{name}"
                for name in COLUMNS
            }
            columns = ", ".join(
                f"unnest(%s::{kind}[]) AS {name}"
                for name, kind in zip(("id", *COLUMNS), ("bigint", *types), strict=True)
            )
            values = [list(column) for column in zip(*rows, strict=True)]
            values[1] = [None if v is None else str(v) for v in values[1]]
            lineage = 1 + COLUMNS.index("source_lineage")
            values[lineage] = ["{" + ",".join(map(str, ids)) + "}" for ids in values[lineage]]
            # Only rows that change are written: a rebuild of claims whose stored projection
            # is already right (most of ``refresh_derived`` after a deploy) then writes no
            # new row versions and no index entries for them. The texts are compared only
            # where they were sent: kept ones (``KEEP``) were already found equal, and
            # comparing a stored document with itself would still read it from TOAST.
            others = [name for name in COLUMNS if name not in TEXTS]
            cursor.execute(
                f"UPDATE {table} AS c SET "
                f"{', '.join(f'{name} = {value}' for name, value in new.items())} "
                f"FROM (SELECT {columns}) AS v WHERE c.id = v.id "
                f"AND (({', '.join(f'c.{name}' for name in others)}) "
                f"IS DISTINCT FROM ({', '.join(new[name] for name in others)}) "
                f"OR v.{TEXTS[0]} IS NOT NULL "
                f"AND ({', '.join(f'c.{name}' for name in TEXTS)}) IS DISTINCT FROM "
                f"({', '.join(f'v.{name}' for name in TEXTS)}))",
                values,
            )
        else:
            ops = connection.ops
            sets = ", ".join(
                f"{name} = COALESCE(%s, {name})" if name in TEXTS else f"{name} = %s"
                for name in COLUMNS
            )
            lineage_field = Claim._meta.get_field("source_lineage")
            lineage = 1 + COLUMNS.index("source_lineage")
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s",
                [
                    (
                        ops.adapt_datefield_value(row[1]),
                        *row[2:lineage],
                        lineage_field.get_db_prep_value(row[lineage], connection),
                        *row[lineage + 1 : -1],
                        ops.adapt_datetimefield_value(row[-1]),
                        row[0],
                    )
                    for row in rows
                ],
            )


# Claims whose projection waits for the end of an ``at_end()`` block of this thread.
_deferred = threading.local()


@contextmanager
def at_end() -> Iterator[None]:
    """Within the block, ``refresh`` only notes the claims; leaving it refreshes each once.

    A claim entered with a chain of four hops was re-projected after each hop: five
    projections (130 queries) for one write, where one at the end gives the same stored
    result. Nested blocks join the outermost one. If the block raises, nothing is
    refreshed: the transaction it runs in is rolled back anyway.
    """
    if getattr(_deferred, "claims", None) is not None:
        yield
        return
    _deferred.claims = set()
    try:
        yield
        claims = _deferred.claims
    finally:
        _deferred.claims = None
    refresh(claims)


def refresh(claim_ids: Iterable[int], *, touch: bool = True) -> int:
    """Re-project ``claim_ids`` and store the results; return how many were written (or,
    inside ``at_end()``, will be written when it ends).

    ``touch`` sets ``updated_at`` to now (a change readers can see); a rebuild of
    unchanged data (``refresh_derived``) keeps it.
    """
    pending = getattr(_deferred, "claims", None)
    if pending is not None and touch:
        ids = set(claim_ids)
        pending.update(ids)
        return len(ids)
    ids = sorted(set(claim_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        rows = rows_for(ids[start : start + BATCH], touch=touch)
        _write(rows)
        written += len(rows)
    return written


def claims_naming(source_ids: Iterable[int]) -> set[int]:
    """Ids of the claims whose document names one of ``source_ids``: a hop, dispute or
    review by it or by a source affiliated with it (at any depth: a document names every
    parent up the chain), a document it published."""
    from django.db.models import Q
    from django.db.models.expressions import RawSQL

    from sources.models import Source

    from ..models import Attribution, Dispute, Review

    ids = list(source_ids)
    if not ids:
        return set()
    table = Source._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    below = RawSQL(
        f"WITH RECURSIVE below(id) AS ("
        f" SELECT id FROM {table} WHERE affiliated_with_id IN ({marks})"
        f" UNION SELECT s.id FROM {table} s JOIN below b ON s.affiliated_with_id = b.id"
        f") SELECT id FROM below",
        ids,
    )
    affiliates = list(Source.objects.filter(pk__in=below).values_list("pk", flat=True))
    speakers = [*ids, *affiliates]
    # One UNION of index lookups. Written as one filter with OR, "by the source or in a
    # document it published" joined every hop to every document: 1.4-2 s at a million
    # claims for any source change, even of a source named by three hops.
    parts = [
        Attribution.objects.filter(source_id__any_of=speakers),
        Attribution.objects.filter(document__publisher_id__any_of=ids),
        Dispute.objects.filter(disputed_by_id__any_of=speakers),
        Dispute.objects.filter(document__publisher_id__any_of=ids),
        Review.objects.filter(Q(author_id__any_of=speakers) | Q(claimant_id__any_of=speakers)),
    ]
    first, *rest = (part.order_by().values_list("claim_id", flat=True) for part in parts)
    return set(first.union(*rest))


@transaction.atomic
def refresh_for_sources(source_ids: Iterable[int]) -> int:
    """Re-project every claim that names one of ``source_ids`` (after a rename, a change of
    kind, anonymity, reliability or family): set-based reads, batches of ``BATCH``; past
    the inline limit, mark them and queue the job instead (``refresh_reaching``)."""
    return refresh_reaching(claims_naming(source_ids))


@transaction.atomic
def refresh_for_documents(document_ids: Iterable[int]) -> int:
    """Re-project every claim whose hops or disputes appeared in one of ``document_ids``
    (or, past the inline limit, mark them and queue the job: ``refresh_reaching``)."""
    from ..models import Attribution, Dispute

    ids = list(document_ids)
    claims = set(
        Attribution.objects.filter(document_id__any_of=ids).values_list("claim_id", flat=True)
    )
    claims |= set(
        Dispute.objects.filter(document_id__any_of=ids).values_list("claim_id", flat=True)
    )
    return refresh_reaching(claims)


# ---------------------------------------------------------------------------- background refresh


def refresh_reaching(claim_ids: Iterable[int]) -> int:
    """Re-project the claims one change reaches, in the caller's transaction, when they are
    at most ``FACTCHECK_INLINE_REFRESH_LIMIT``; otherwise ``defer`` them. Returns how many
    were re-projected here (0 when deferred)."""
    ids = sorted(set(claim_ids))
    if len(ids) <= settings.FACTCHECK_INLINE_REFRESH_LIMIT:
        return refresh(ids)
    defer(ids)
    return 0


def _unmark(cursor, ids: list[int]) -> None:
    pending = PendingRefresh._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute(f"DELETE FROM {pending} WHERE claim_id = ANY(%s)", [ids])
    else:
        cursor.execute(
            f"DELETE FROM {pending} WHERE claim_id IN (SELECT value FROM json_each(%s))",
            [json.dumps(ids)],
        )


@transaction.atomic
def defer(claim_ids: Iterable[int]) -> int:
    """Mark ``claim_ids`` as being refreshed and queue the job that re-projects them.

    One ``INSERT`` of ``PendingRefresh`` rows: readers then serve those claims' stored
    documents with ``"refreshing": true``, and their CSV lines with ``refreshing`` true, so
    every surface says that what it shows predates a change being applied. The claims' own
    rows are not written (that rewrote every index of the table: 5.7 s for 22,452 claims),
    only locked, in ascending id (the documented order): an edit re-projecting one of them
    either commits first (and is then marked) or waits and reads the changed graph. Returns
    how many claims were marked.
    """
    ids = sorted(set(claim_ids))
    if not ids:
        return 0
    lock(ids)
    table = PendingRefresh._meta.db_table
    claims = Claim._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (claim_id, marked_at) "
                f"SELECT c.id, %s FROM {claims} c WHERE c.id = ANY(%s) "
                "ON CONFLICT (claim_id) DO NOTHING",
                [now, ids],
            )
        else:
            # One parameter whatever the count: SQLite limits the number of variables.
            cursor.execute(
                f"INSERT OR IGNORE INTO {table} (claim_id, marked_at) "
                f"SELECT c.id, %s FROM {claims} c "
                "WHERE c.id IN (SELECT value FROM json_each(%s))",
                [connection.ops.adapt_datetimefield_value(now), json.dumps(ids)],
            )
        marked = cursor.rowcount
    enqueue_refresh()
    return marked


def enqueue_refresh() -> None:
    """Queue ``refresh_marked_claims`` for the marks this transaction writes.

    With the database backend the job is a row written in this same transaction: the marks
    and the job that clears them commit together or not at all, and no worker can see the
    job before the marks are there. Any other backend (``immediate``) runs or sends the job
    elsewhere, so it is queued only once the transaction has committed.
    """
    from django_tasks_db import DatabaseBackend

    from ..tasks import refresh_marked_claims

    if isinstance(refresh_marked_claims.get_backend(), DatabaseBackend):
        refresh_marked_claims.enqueue()
    else:
        transaction.on_commit(refresh_marked_claims.enqueue)


def refresh_marked(*, batch: int = BATCH) -> int:
    """Re-project every claim marked as being refreshed, in ascending id, ``batch`` claims a
    transaction (``refresh`` locks each batch in id order); return how many were written.

    One pass: a claim marked behind the cursor meanwhile was marked by a change that
    queued its own job. A claim re-projected meanwhile by its own edit is simply
    re-projected again, from the graph as it is then.
    """
    done, last = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                PendingRefresh.objects.filter(claim_id__gt=last)
                .order_by("claim_id")
                .values_list("claim_id", flat=True)[:batch]
            )
            if not ids:
                return done
            done += refresh(ids)
        last = ids[-1]


def _refresh_chunk(ids: list[int]) -> int:
    """One batch of a rebuild, in its own transaction (a worker process of ``refresh_all``)."""
    with transaction.atomic():
        rows = rows_for(ids, touch=False)
        _write(rows)
    # With DEBUG on, Django keeps the last 9,000 statements, each batch's UPDATE carrying a
    # thousand documents: 2.3 GB a worker at a million claims. A rebuild needs none of them.
    reset_queries()
    return len(ids)


# A rebuild that rewrites every claim vacuums the table this often (claims), see _reclaim.
RECLAIM_EVERY = 100_000


def _reclaim() -> None:
    """``VACUUM`` the claims table while a parallel rebuild goes on, so that the rest of the
    rebuild writes its new row versions into the space the rewritten ones left.

    A rebuild that rewrites every claim appends each new version at the table's end (its
    pages are full) and leaves the old ones dead. Vacuumed only at the end, a million-claim
    table kept its first fifth (28,817 of 144,443 pages) empty: a capped count that scans
    the table (``source_family``, ``search``) read those empty pages first, 49 ms instead
    of 2-5 ms (bench/RESULTS.md). Vacuumed as it goes, the freed space is reused at once.
    A plain ``VACUUM`` blocks no reader or writer; it cannot run in a transaction, so a
    one-transaction rebuild (``jobs=1``) leaves this to autovacuum.
    """
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {Claim._meta.db_table}")


def _worker_start() -> None:
    # A forked worker must not share the parent's database connection.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.inc_thread_sharing()
        conn.close()
        conn.dec_thread_sharing()


def refresh_all(
    *,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
    ids=None,
    jobs: int = 1,
    reclaim_every: int | None = RECLAIM_EVERY,
) -> int:
    """Rebuild every claim's stored projection in batches of ``batch`` (``updated_at`` kept),
    calling ``progress(done, total)`` after each batch.

    With ``jobs`` > 1 on PostgreSQL, that many worker processes each build and write whole
    batches, one transaction a batch (a rebuild is idempotent, and ``--verify`` checks it),
    and this process vacuums the claims table after every ``reclaim_every`` claims
    (``_reclaim``); otherwise it runs here, in the caller's transaction.
    """
    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True)) if ids is None else ids
    total, done = len(ids), 0
    chunks = [ids[start : start + batch] for start in range(0, total, batch)]
    if jobs > 1 and connection.vendor == "postgresql" and len(chunks) > 1:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        connection.close()  # the children open their own; so does this process after
        reclaimed = 0
        with context.Pool(jobs, initializer=_worker_start) as pool:
            for count in pool.imap_unordered(_refresh_chunk, chunks):
                done += count
                if progress:
                    progress(done, total)
                if reclaim_every and done - reclaimed >= reclaim_every and done < total:
                    reclaimed = done
                    _reclaim()
        return done
    for chunk in chunks:
        with transaction.atomic():  # a savepoint inside a caller's transaction
            _write(rows_for(chunk, touch=False))
        reset_queries()
        done += len(chunk)
        if progress:
            progress(done, total)
    return done


def stale(claim_ids: Iterable[int] | None = None, *, batch: int = BATCH) -> Iterator[int]:
    """Ids of claims whose stored document, CSV line or figures differ from a fresh
    projection of the graph as it is now."""
    query = Claim.objects.order_by("pk")
    if claim_ids is not None:
        query = query.filter(pk__any_of=list(claim_ids))
    ids = list(query.values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        stored = {
            row[0]: row[1:]
            for row in Claim.objects.filter(pk__any_of=chunk).values_list("pk", *COLUMNS[:-1])
        }
        for row in rows_for(chunk, touch=False, locked=False):
            pk, fresh = row[0], row[1:-1]
            kept = list(stored[pk])
            kept_doc = kept[len(FIGURES)]
            fresh = list(fresh)
            fresh[len(FIGURES)] = json.loads(fresh[len(FIGURES)])
            kept[0] = None if kept[0] is None else str(kept[0])
            fresh[0] = None if fresh[0] is None else str(fresh[0])
            if kept_doc != fresh[len(FIGURES)] or kept != fresh:
                yield pk
