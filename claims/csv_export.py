"""The claims CSV download: written by PostgreSQL where it runs, by Python elsewhere.

At a million claims the export of every disputed claim is 92,000 rows. Built in Python
(tuples, names for the stored chain ids, dispute summaries, the formula check and the csv
module) it ran near 13,000 rows/s (bench/RESULTS.md). On PostgreSQL the database writes
each whole line instead, byte for byte what ``csv_rows`` writes for ``rows.export_rows``:
text cells defused like ``factcheck.api.csv_safe`` and quoted like the csv module's
QUOTE_MINIMAL (a cell holding a comma, a double quote, CR or LF is quoted, its quotes
doubled). tests/claims/test_csv_in_sql.py compares the two.

Then the cost is PostgreSQL's executor (~20 us a claim, most of it in index look-ups for
disputes, topics and targets), so a large export is split between ``FACTCHECK_CSV_BUILDERS``
database sessions that share one snapshot (``pg_export_snapshot``, as ``pg_dump -j`` does):
session k writes chunks k, k + n, k + 2n ... of the same ordered rows, and the chunks are
streamed in order. Each session runs in a thread of the request's worker, on a connection
of its own, and stops when the download ends or is abandoned.

The SQL is shaped for the executor: one correlated subquery per list cell (origins,
chains, disputes, topics) and no wrapper around it; names and slugs from JSON maps built
once per query instead of a join per hop; the quoting of a list decided inside its own
aggregate (``_sql_list_cell``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.http import StreamingHttpResponse

from factcheck.api import CSV_PIECE, FORMULA_FIRST, csv_attachment, csv_download, csv_rows
from sources.models import Source

from . import exports
from .models import Attribution, Claim, Dispute, Topic
from .provenance import ARROW
from .rows import CSV_CLAIM_COLUMNS, export_rows


def claims_csv_download(queryset: QuerySet, filename: str) -> StreamingHttpResponse:
    """Every claim of a filtered QuerySet as a streamed CSV attachment, header first.

    PostgreSQL writes the lines (``export_lines``); elsewhere they are built in Python
    (``rows.export_rows``). Both give the same bytes.
    """
    if connections[queryset.db].vendor == "postgresql":
        return csv_attachment(export_lines(queryset), filename)
    return csv_download(exports.CLAIM_CSV_HEADER, export_rows(queryset), filename)


def _sql_literal(text: str) -> str:
    """A PostgreSQL string literal; only for the constants below, never for user input."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return f"E'{escaped}'"


_FORMULA_FIRST_SQL = ", ".join(_sql_literal(char) for char in sorted(FORMULA_FIRST))
_NEEDS_QUOTES_SQL = _sql_literal('[,"\r\n]')
# A formula's first character, prefixed with an apostrophe (regexp_replace arguments).
_FORMULA_START_SQL = _sql_literal(
    "^([" + "".join(sorted(FORMULA_FIRST - {"-"})) + ("-" if "-" in FORMULA_FIRST else "") + "])"
)
_DEFUSED_SQL = _sql_literal("'\\1")


def _sql_cell(value: str) -> str:
    """SQL for one CSV cell of the text expression ``value``: a plain column, because it is
    read several times."""
    prefix = f"CASE WHEN left({value}, 1) IN ({_FORMULA_FIRST_SQL}) THEN '''' ELSE '' END"
    return (
        f"CASE WHEN {value} ~ {_NEEDS_QUOTES_SQL} "
        f"THEN '\"' || {prefix} || replace({value}, '\"', '\"\"') || '\"' "
        f"ELSE {prefix} || {value} END"
    )


def _sql_escaped(value: str) -> str:
    """``value`` with its double quotes doubled, as inside a quoted CSV cell."""
    return f"replace({value}, '\"', '\"\"')"


def _sql_list_cell(piece: str, separator: str, needs_quotes: str, order: str, rest: str) -> str:
    """A cell joining one ``piece`` per related row (``rest`` is the FROM ... WHERE ...).

    ``piece`` is already escaped (``_sql_escaped``); separators hold no comma, quote or line
    break, so the cell is quoted exactly when some piece's ``needs_quotes`` is true, and
    escaping every piece is harmless when it is not (there is nothing to double). The
    formula check looks at the joined text's first character. No related row: empty cell.
    """
    joined = f"string_agg({piece}, {_sql_literal(separator)} ORDER BY {order})"
    return f"(SELECT COALESCE({_sql_defused_list(joined, f'bool_or({needs_quotes})')}, '') {rest})"


def _sql_defused_list(escaped: str, needs_quotes: str) -> str:
    """The cell of ``escaped`` text (quotes already doubled): quoted when ``needs_quotes``,
    a formula's first character defused; each read once."""
    quote = f"CASE WHEN {needs_quotes} THEN '\"' ELSE '' END"
    defused = f"regexp_replace({escaped}, {_FORMULA_START_SQL}, {_DEFUSED_SQL})"
    return f"{quote} || {defused} || {quote}"


def _sql_day(value: str) -> str:
    return f"COALESCE(to_char({value}, 'YYYY-MM-DD'), '')"


def _csv_line_sql() -> str:
    """One claim as a CSV line ending in CRLF, the columns of ``exports.CLAIM_CSV_HEADER``.

    Each claim's stored chains (``12>15>18;13>15``) are read as one array, the first id of
    every path after the first made negative (``12>15>18>-13>15``) so that the aggregate
    knows where a path starts.
    """
    quote = connection.ops.quote_name
    claim = quote(Claim._meta.db_table)
    source = quote(Source._meta.db_table)
    hop = quote(Attribution._meta.db_table)
    dispute = quote(Dispute._meta.db_table)
    topic = quote(Topic._meta.db_table)
    claim_topic = quote(Claim.topics.through._meta.db_table)
    # Uncorrelated, so PostgreSQL computes each once per query (an InitPlan).
    names = f"(SELECT jsonb_object_agg(id, {_sql_escaped('name')}) FROM {source})"
    slugs = f"(SELECT jsonb_object_agg(id, {_sql_escaped('slug')}) FROM {source})"

    def quoted_ids(column: str) -> str:
        return f"ARRAY(SELECT id FROM {source} WHERE {column} ~ {_NEEDS_QUOTES_SQL})"

    def name(source_id: str) -> str:
        return f"COALESCE({names} ->> ({source_id})::text, '')"

    arrow = _sql_literal(ARROW)
    # exports.summary_line, in SQL; the target hop is read only when there is one.
    target_name = (
        f"(SELECT {name('target.source_id')} FROM {hop} target WHERE target.id = d.target_id)"
    )
    summary = (
        f"{name('d.disputed_by_id')} || ', ' || d.kind"
        f" || CASE WHEN d.target_id IS NULL THEN '' ELSE ' of ' || {target_name} || '''s hop' END"
        # A moment is stored as its ISO text (factcheck.moments): written as it is.
        " || COALESCE(' ' || d.stated_at, '')"
        f" || CASE WHEN d.quote <> '' THEN ': “' || {_sql_escaped('d.quote')} || '”' ELSE '' END"
        " || ' (' || d.resolution || ')'"
    )
    origins = f"{claim}.origin_source_ids"
    empty = "''"
    one_quoted = f"{origins}::bigint = ANY({quoted_ids('slug')})"
    moment = f"({claim}.updated_at AT TIME ZONE 'UTC')"
    cells = [
        f"{claim}.id::text",
        _sql_cell(f"{claim}.text"),
        _sql_cell(f"{claim}.verdict"),
        f"{claim}.credibility::text",
        _sql_day(f"{claim}.occurred_at"),
        _sql_cell(f"{claim}.location"),
        f"COALESCE({claim}.first_reported_at, '')",
        f"CASE WHEN {claim}.is_disputed THEN 'true' ELSE 'false' END",
        f"{claim}.dispute_count::text",
        # Most claims have one origin: its slug is looked up without a subquery.
        f"CASE WHEN {origins} = '' THEN '' WHEN strpos({origins}, ',') = 0 THEN "
        f"{_sql_defused_list(f'COALESCE({slugs} ->> {origins}, {empty})', one_quoted)} ELSE "
        + _sql_list_cell(
            f"COALESCE({slugs} ->> o.id, '')",
            "; ",
            f"o.id::bigint = ANY({quoted_ids('slug')})",
            "o.n",
            f"FROM unnest(string_to_array({origins}, ',')) WITH ORDINALITY o(id, n)",
        )
        + " END",
        _sql_list_cell(
            f"CASE WHEN h.id < 0 THEN ' | ' WHEN h.n > 1 THEN {arrow} ELSE '' END"
            f" || {name('abs(h.id)')}",
            "",
            f"abs(h.id) = ANY({quoted_ids('name')})",
            "h.n",
            f"FROM unnest(string_to_array(replace({claim}.chain_source_ids, ';', '>-'), '>')"
            "::bigint[]) WITH ORDINALITY h(id, n)",
        ),
        # A dispute's summary always holds ", ", so the cell is always quoted.
        _sql_list_cell(
            summary,
            " | ",
            "true",
            "d.stated_at, d.id",
            f"FROM {dispute} d WHERE d.claim_id = {claim}.id",
        ),
        _sql_list_cell(
            _sql_escaped("t.slug"),
            "; ",
            f"t.slug ~ {_NEEDS_QUOTES_SQL}",
            "t.name, t.id",
            f"FROM {claim_topic} ct JOIN {topic} t ON t.id = ct.topic_id "
            f"WHERE ct.claim_id = {claim}.id",
        ),
        # datetime.isoformat() of an aware UTC moment: microseconds only when not zero.
        f"to_char({moment}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN to_char({moment}, 'US') "
        f"= '000000' THEN '' ELSE '.' || to_char({moment}, 'US') END || '+00:00'",
    ]
    line_end = _sql_literal("\r\n")
    return " || ',' || ".join(f"({cell})" for cell in cells) + f" || {line_end}"


def export_lines(
    queryset: QuerySet, chunk_size: int = 2000, builders: int | None = None
) -> Iterator[str]:
    """Every claim of a filtered QuerySet as CSV text, header first, in pieces of about
    ``CSV_PIECE`` characters, read ``chunk_size`` lines at a time through server-side
    cursors, so memory stays flat whatever the size. PostgreSQL only.

    With more than one builder (``FACTCHECK_CSV_BUILDERS``) the lines are written by that
    many sessions at once. Inside a transaction (a caller's ``atomic``) a single query on
    the request's own connection writes them, so that the export sees what that
    transaction wrote and other sessions cannot.
    """
    if builders is None:
        builders = settings.FACTCHECK_CSV_BUILDERS
    yield from csv_rows(exports.CLAIM_CSV_HEADER, ())
    if builders > 1 and not connections[queryset.db].in_atomic_block:
        yield from _lines_in_parallel(queryset, chunk_size, builders)
        return
    lines = (
        _plain(queryset)
        .annotate(csv_line=RawSQL(_csv_line_sql(), (), output_field=TextField()))
        .values_list("csv_line", flat=True)
    )
    piece: list[str] = []
    size = 0
    for line in lines.iterator(chunk_size=chunk_size):
        piece.append(line)
        size += len(line)
        if size >= CSV_PIECE:
            yield "".join(piece)
            piece, size = [], 0
    if piece:
        yield "".join(piece)


def _plain(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(None).prefetch_related(None)


class ExportInconsistent(RuntimeError):
    """A builder's chunk was not the one expected next; the download is cut, not wrong."""


def _lines_in_parallel(queryset: QuerySet, chunk_size: int, builders: int) -> Iterator[str]:
    """The lines of ``queryset`` written by ``builders`` sessions sharing one snapshot."""
    inner, params = _plain(queryset).values(*CSV_CLAIM_COLUMNS).query.sql_with_params()
    alias = queryset.db
    claim = connections[alias].ops.quote_name(Claim._meta.db_table)
    # Every session numbers the same ordered rows (same snapshot, same plan input order)
    # and writes only its own chunks; the number comes back with each line so the order
    # is checked, not assumed.
    numbered = f"SELECT q.*, row_number() OVER () AS csv_rn FROM ({inner}) q"
    sql = (
        f"SELECT {claim}.csv_rn, {_csv_line_sql()} FROM ({numbered}) {claim} "
        f"WHERE ({claim}.csv_rn - 1) / %s %% %s = %s"
    )
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            [snapshot] = cursor.fetchone()
        feeds = [
            _Feed(alias, snapshot, sql, [*params, chunk_size, builders, k], chunk_size)
            for k in range(builders)
        ]
        try:
            chunk = 0
            while True:
                item = feeds[chunk % builders].take()
                if item is None:
                    break
                first, text = item
                if first != chunk * chunk_size + 1:
                    raise ExportInconsistent(f"chunk {chunk} began at row {first}")
                yield text
                chunk += 1
            for k, feed in enumerate(feeds):  # the others must be finished too
                if k != chunk % builders and feed.take() is not None:
                    raise ExportInconsistent("a builder had rows after the last chunk")
        finally:
            for feed in feeds:
                feed.stop()


class _Feed:
    """One builder session in a thread: its chunks, in order, through a short queue."""

    def __init__(self, alias: str, snapshot: str, sql: str, params: list, chunk_size: int):
        self.chunks: queue.Queue = queue.Queue(maxsize=2)
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(alias, snapshot, sql, params, chunk_size), daemon=True
        )
        self.thread.start()

    def take(self):
        """The next ``(first row number, text)``, or None when this builder is done."""
        item = self.chunks.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def stop(self) -> None:
        self.stopping.set()
        while self.thread.is_alive():
            try:  # unblock a builder waiting to hand over a chunk
                self.chunks.get_nowait()
            except queue.Empty:
                pass
            self.thread.join(timeout=0.05)

    def _put(self, item) -> bool:
        while not self.stopping.is_set():
            try:
                self.chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, alias: str, snapshot: str, sql: str, params: list, chunk_size: int) -> None:
        # This thread's own connection (Django keeps one per thread), closed at the end.
        # Everything, even finding it, is inside the try: a builder that dies without
        # handing over an error would leave the request waiting forever.
        own = None
        try:
            own = connections[alias]
            with transaction.atomic(using=own.alias):
                with own.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                with own.chunked_cursor() as cursor:
                    cursor.execute(sql, params)
                    while not self.stopping.is_set():
                        rows = cursor.fetchmany(chunk_size)
                        if not rows:
                            break
                        text = "".join(row[1] for row in rows)
                        if not self._put((rows[0][0], text)):
                            return
            self._put(None)
        except BaseException as error:  # handed to the request's thread, raised there
            self._put(error)
        finally:
            if own is not None:
                own.close()
