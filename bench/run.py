"""Load the tracker (gunicorn, PostgreSQL) and Datasette (SQLite) with the same queries.

    .venv/bin/python bench/run.py --claims 10000 [--duration 8 --rounds 3] [--csv] [--writes 200]
    .venv/bin/python bench/run.py --report          # rewrite bench/RESULTS.md from bench/out/

Expects the database made by ``bench/generate.py --claims N`` (factcheck_bench_<N>). Steps:
export the same rows to SQLite (with the indexes a careful user would add and an FTS5 index),
write Datasette's canned queries (same page: same ids, hops and disputes as JSON), count the
tracker's SQL queries per request and capture their SQL, serve both, check both return the
same claim ids, then load them alternately with wrk, waiting for both to go idle between
runs; measure the raw-SQL floor with pgbench on the captured SQL; optionally stream the CSV
of every disputed claim and create claims through the API. Results go to
bench/out/results-<N>.json; ``--report`` renders bench/RESULTS.md from all of them.
Every server started here is stopped in a ``finally``; all load goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
DATA = BENCH / "data"
PG = "postgres://postgres@127.0.0.1:5432"
DATASETTE = Path(
    os.environ.get("BENCH_DATASETTE", ROOT / "var" / "bench-venv" / "bin" / "datasette")
)
SEARCH_WORD = "drone"
PAGE = 50  # the API's default page size
REPORT_PAGE = 20  # the disputed report's default page size

# ---------------------------------------------------------------------------- Datasette side

HOPS_JSON = """(SELECT json_group_array(json_object(
    'id', h.id, 'source', s.slug, 'document', h.document_id, 'relation', h.relation,
    'quote', h.quote, 'stated_at', h.stated_at, 'is_origin', h.is_origin,
    'cites', (SELECT json_group_array(x.to_attribution_id) FROM claims_attribution_cites x
              WHERE x.from_attribution_id = h.id)))
  FROM claims_attribution h JOIN sources_source s ON s.id = h.source_id
  WHERE h.claim_id = c.id) AS attributions"""
DISPUTES_JSON = """(SELECT json_group_array(json_object(
    'id', d.id, 'disputed_by', b.slug, 'kind', d.kind, 'target', d.target_id,
    'statement', d.statement, 'quote', d.quote, 'stated_at', d.stated_at,
    'resolution', d.resolution))
  FROM claims_dispute d JOIN sources_source b ON b.id = d.disputed_by_id
  WHERE d.claim_id = c.id) AS disputes"""
SELECT = (
    "SELECT c.id, c.text, c.verdict, c.credibility, c.occurred_at, c.first_reported_at,"
    " c.is_disputed, c.dispute_count,\n"
    + HOPS_JSON
    + ",\n"
    + DISPUTES_JSON
    + "\nFROM claims_claim c"
)
ORDER = "ORDER BY c.first_reported_at DESC, c.id DESC"
ORIGIN_EXISTS = (
    "EXISTS (SELECT 1 FROM claims_attribution h JOIN sources_source s ON s.id = h.source_id"
    " WHERE h.claim_id = c.id AND h.is_origin = 1 AND {cond})"
)
CANNED = {
    "a": f"{SELECT}\nWHERE c.is_disputed = 1 AND "
    + ORIGIN_EXISTS.format(cond="s.kind = :kind")
    + f"\n{ORDER} LIMIT {PAGE}",
    "b": f"{SELECT}\nWHERE c.first_reported_at >= :after AND "
    + ORIGIN_EXISTS.format(cond="s.is_anonymous = 1")
    + f"\n{ORDER} LIMIT {PAGE}",
    "c": "WITH RECURSIVE fam(id) AS (SELECT id FROM sources_source WHERE slug = :family"
    " UNION SELECT s.id FROM sources_source s JOIN fam ON s.affiliated_with_id = fam.id)\n"
    f"{SELECT}\nWHERE EXISTS (SELECT 1 FROM claims_attribution h WHERE h.claim_id = c.id"
    f" AND h.source_id IN (SELECT id FROM fam))\n{ORDER} LIMIT {PAGE}",
    "d": f"{SELECT}\nWHERE c.id IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH :q)"
    f"\n{ORDER} LIMIT {PAGE}",
    "e": f"{SELECT}\nWHERE c.id = :id",
    "f": f"{SELECT}\nWHERE c.is_disputed = 1\n{ORDER} LIMIT {REPORT_PAGE}",
}
SQLITE_INDEXES = [
    "CREATE INDEX claim_reported ON claims_claim (first_reported_at DESC, id DESC)",
    "CREATE INDEX claim_disputed_reported ON claims_claim"
    " (is_disputed, first_reported_at DESC, id DESC)",
    "CREATE INDEX hop_claim_origin ON claims_attribution (claim_id, is_origin)",
    "CREATE INDEX hop_source_origin ON claims_attribution (source_id, is_origin, claim_id)",
    "CREATE INDEX cites_from ON claims_attribution_cites (from_attribution_id)",
    "CREATE INDEX dispute_claim ON claims_dispute (claim_id)",
    "CREATE INDEX source_kind ON sources_source (kind, is_anonymous)",
    "CREATE INDEX source_parent ON sources_source (affiliated_with_id)",
    "CREATE UNIQUE INDEX source_slug ON sources_source (slug)",
]
EXPORT = {
    "sources_source": "id name slug kind is_anonymous affiliated_with_id reliability family",
    "claims_claim": "id text occurred_at verdict credibility first_reported_at is_disputed "
    "dispute_count search_document",
    "claims_attribution": "id claim_id source_id document_id relation quote stated_at is_origin",
    "claims_attribution_cites": "id from_attribution_id to_attribution_id",
    "claims_dispute": "id claim_id disputed_by_id target_id kind statement quote stated_at "
    "resolution",
}


def free_port() -> int:
    """A port nobody listens on (other engineers run servers on this machine too)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TRACKER_PORT = free_port()
DATASETTE_PORT = free_port()


def pg_connect(db: str):
    import psycopg2

    return psycopg2.connect(f"{PG}/{db}")


def export_sqlite(db: str, path: Path) -> dict:
    """Copy the benchmark rows to SQLite (same ids), add indexes and FTS5; skip if current."""
    conn = pg_connect(db)
    cur = conn.cursor()
    # The marker names the export's layout too, so a changed layout rebuilds the file.
    counts = {"layout": [EXPORT, SQLITE_INDEXES, "typed columns v1"]}
    for table in EXPORT:
        cur.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {table}")
        counts[table] = list(cur.fetchone())
    marker = path.with_suffix(".json")
    if path.exists() and marker.exists() and json.loads(marker.read_text()) == counts:
        conn.close()
        return counts
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, marker):
        stale.unlink(missing_ok=True)
    lite = sqlite3.connect(path)
    lite.execute("PRAGMA journal_mode = OFF")
    lite.execute("PRAGMA synchronous = OFF")
    for table, cols in EXPORT.items():
        names = cols.split()
        typed = [
            f"{col} INTEGER"
            if col == "id"
            or col.endswith(("_id", "count"))
            or col.startswith("is_")
            or col == "credibility"
            else f"{col} TEXT"
            for col in names
        ]
        lite.execute(f"CREATE TABLE {table} ({', '.join(typed)}, PRIMARY KEY (id))")
        named = conn.cursor(name=f"export_{table}")
        named.itersize = 20000
        named.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY id")
        marks = ", ".join("?" * len(names))
        while True:
            rows = named.fetchmany(20000)
            if not rows:
                break
            rows = [
                tuple(
                    v.isoformat()
                    if hasattr(v, "isoformat")
                    else (int(v) if v is True or v is False else v)
                    for v in row
                )
                for row in rows
            ]
            lite.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        named.close()
    for statement in SQLITE_INDEXES:
        lite.execute(statement)
    lite.execute(
        "CREATE VIRTUAL TABLE claims_fts USING fts5(search_document, content='claims_claim',"
        " content_rowid='id', tokenize='porter')"
    )
    lite.execute("INSERT INTO claims_fts(claims_fts) VALUES ('rebuild')")
    lite.execute("ANALYZE")
    lite.commit()
    lite.close()
    conn.close()
    marker.write_text(json.dumps(counts))
    return counts


def metadata(path: Path) -> None:
    queries = {name: {"sql": sql} for name, sql in CANNED.items()}
    path.write_text(json.dumps({"databases": {"bench": {"queries": queries}}}, indent=1))


# ---------------------------------------------------------------------------- what to ask


def pick_params(db: str) -> dict:
    """A large family (most hops), a claim with six hops, and the ids the queries need."""
    conn = pg_connect(db)
    cur = conn.cursor()
    cur.execute(
        "SELECT r.slug, count(*) FROM claims_attribution h JOIN sources_source s"
        " ON s.id = h.source_id JOIN sources_source r ON r.id = s.family"
        " WHERE s.family <> s.id GROUP BY r.slug ORDER BY 2 DESC LIMIT 1"
    )
    family, family_hops = cur.fetchone()
    cur.execute(
        "SELECT claim_id FROM claims_attribution GROUP BY claim_id HAVING count(*) = 6"
        " ORDER BY claim_id LIMIT 1"
    )
    row = cur.fetchone()
    six = row[0] if row else None
    cur.execute("SELECT count(*) FROM claims_claim")
    claims = cur.fetchone()[0]
    cur.execute(
        "SELECT key FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id"
        " WHERE u.username = 'researcher'"
    )
    token = cur.fetchone()[0]
    cur.execute(
        "SELECT key FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id"
        " WHERE u.username = 'editor'"
    )
    editor_token = cur.fetchone()[0]
    conn.close()
    return {
        "family": family,
        "family_hops": family_hops,
        "six_hop_claim": six,
        "claims": claims,
        "token": token,
        "editor_token": editor_token,
    }


def cases(p: dict) -> dict:
    """name -> (label, tracker path, datasette path, check ids against)."""
    api = "/api/v1/claims/"
    return {
        "a": (
            "disputed=true&origin_kind=official",
            f"{api}?disputed=true&origin_kind=official",
            "/bench/a.json?_shape=array&kind=official",
        ),
        "b": (
            "origin_anonymous=true&reported_after=2023-01-01",
            f"{api}?origin_anonymous=true&reported_after=2023-01-01",
            "/bench/b.json?_shape=array&after=2023-01-01",
        ),
        "c": (
            f"source_family={p['family']}",
            f"{api}?source_family={p['family']}",
            f"/bench/c.json?_shape=array&family={p['family']}",
        ),
        "d": (
            f"search={SEARCH_WORD}",
            f"{api}?search={SEARCH_WORD}",
            f"/bench/d.json?_shape=array&q={SEARCH_WORD}",
        ),
        "e": (
            f"detail of claim {p['six_hop_claim']} (six hops)",
            f"{api}{p['six_hop_claim']}/",
            f"/bench/e.json?_shape=array&id={p['six_hop_claim']}",
        ),
        "f": (
            "/reports/disputed/ (HTML, 20 a page)",
            "/reports/disputed/",
            "/bench/f.json?_shape=array",
        ),
        # (a) in every ordering the contract offers (tracker only: the target is its p99).
        **{
            f"a{ordering}": (
                f"(a) ordering={ordering}",
                f"{api}?disputed=true&origin_kind=official&ordering={ordering}",
                None,
            )
            for ordering in ORDERINGS
        },
    }


WRITE_ROUNDS = 3

ORDERINGS = ("-id", "first_reported_at", "dispute_count", "updated_at", "occurred_at")


# ---------------------------------------------------------------------------- servers


def tracker_env(db: str, extra: dict | None = None) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{db}",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "FACTCHECK_THROTTLE_USER": "100000000/hour",
        "FACTCHECK_PUBLIC_REPORTS": "true",
        # Throttle counters in Redis, as in production: with the database cache every request
        # of one token would update (and lock) the same counter row.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    env.update(extra or {})
    return env


def collectstatic(db: str) -> None:
    """Production settings serve hashed static names from the manifest: build it first."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=tracker_env(db),
        check=True,
    )


def start_tracker(db: str, port: int = TRACKER_PORT) -> subprocess.Popen:
    env = tracker_env(db)
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "factcheck.wsgi:application",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


def start_datasette(path: Path, meta: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(DATASETTE),
            "serve",
            "-i",
            str(path),
            "-m",
            str(meta),
            "-h",
            "127.0.0.1",
            "-p",
            str(DATASETTE_PORT),
            "--setting",
            "suggest_facets",
            "off",
            "--setting",
            "sql_time_limit_ms",
            "20000",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def fetch(url: str, headers: dict | None = None, timeout: float = 60) -> bytes:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def wait_up(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server for {url} exited with {proc.returncode}")
        try:
            fetch(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return  # it answers (401 without a token is an answer)
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up in {seconds}s")


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its children (gunicorn's workers)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(entry.name))
    return pids


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def wait_idle(pids: list[int], limit: float = 15.0) -> float:
    """Wait (at most ``limit`` s) until the servers use under 2% CPU over a quarter second."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        before = cpu_ticks(pids)
        time.sleep(0.25)
        if cpu_ticks(pids) - before <= 0:
            break
    return time.monotonic() - start


def reset_hwm(master: int) -> None:
    """Start the workers' peak RSS (VmHWM) afresh from what they hold now (Linux
    ``clear_refs`` 5), so that a download's peak is the peak while it streams."""
    for pid in tree_pids(master)[1:]:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            continue


def worker_hwm_kb(master: int) -> int:
    peak = 0
    for pid in tree_pids(master)[1:]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peak = max(peak, int(match.group(1)))
    return peak


# ---------------------------------------------------------------------------- measuring

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url: str, duration: int, headers: dict) -> dict:
    cmd = ["wrk", "-c4", "-t2", f"-d{duration}s", "--timeout", "10s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M):
        lat[pct] = float(value) * UNITS[unit]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50_ms": lat.get("50"),
        "p99_ms": lat.get("99"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


CAPTURE = r"""
import json, os, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.test.utils import override_settings
token, paths = sys.argv[1], json.loads(sys.argv[2])
client = Client()
out = {}
with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
    for name, path in paths.items():
        client.get(path, HTTP_AUTHORIZATION="Token " + token)  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, HTTP_AUTHORIZATION="Token " + token)
        assert response.status_code == 200, (path, response.status_code)
        out[name] = [q["sql"] for q in ctx.captured_queries]
# The session settings the tracker's connections run with (jit, synchronized scans), so the
# raw-SQL floor replays the statements under the same ones.
from django.conf import settings
out["__session__"] = settings.DATABASES["default"].get("OPTIONS", {}).get("options", "")
print(json.dumps(out))
"""


def capture_queries(db: str, token: str, paths: dict) -> dict:
    """name -> the SQL statements one request runs (through the test client, same DB)."""
    out = subprocess.run(
        [sys.executable, "-c", CAPTURE, token, json.dumps(paths)],
        cwd=ROOT,
        env=tracker_env(
            db,
            {"DJANGO_SETTINGS_MODULE": "factcheck.settings"},
        ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"query capture failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def pgbench(db: str, statements: list[str], duration: int, name: str, session: str = "") -> dict:
    """Raw-SQL floor: the request's statements as one pgbench transaction, 4 clients, in
    sessions with the tracker's own settings (``session``: its connections' options)."""
    script = OUT / f"pgbench-{name}.sql"
    script.write_text("".join(" ".join(s.split()) + ";\n" for s in statements))
    out = subprocess.run(
        [
            "pgbench",
            "-n",
            "-c4",
            "-j2",
            f"-T{duration}",
            "-f",
            str(script),
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            db,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        env={**os.environ, "PGOPTIONS": session},
    )
    tps = re.search(r"tps = ([\d.]+)", out.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", out.stdout)
    if not tps:
        return {"error": (out.stderr or out.stdout)[-500:]}
    return {"tps": float(tps.group(1)), "latency_ms": float(latency.group(1))}


def explain(db: str, statements: list[str]) -> list[str]:
    """EXPLAIN ANALYZE timings of the statements (the profile of one request)."""
    conn = pg_connect(db)
    cur = conn.cursor()
    notes = []
    for sql in statements:
        if sql.lstrip().upper().startswith("EXPLAIN"):  # the capped count's estimate
            notes.append(f"(estimate) {' '.join(sql.split())[:110]}")
            continue
        try:
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cur.fetchone()[0][0]
            notes.append(f"{plan['Execution Time']:.2f} ms  {' '.join(sql.split())[:110]}")
        except Exception as exc:  # a profile note must never lose the measurements
            conn.rollback()
            notes.append(f"explain failed: {exc}")
    conn.close()
    return notes


def tracker_ids(base: str, path: str, token: str) -> list[int]:
    body = fetch(base + path, {"Authorization": f"Token {token}"})
    data = json.loads(body)
    if "results" in data:
        return [row["id"] for row in data["results"]], data
    return [data["id"]], data


CSV_DOWNLOADS = 3


def csv_export(base: str, token: str, master: int) -> dict:
    """Stream every disputed claim as CSV; rows/s, and the workers' peak RSS over their
    lives so far and while the download streams (the peak reset just before it)."""
    lifetime = worker_hwm_kb(master)
    reset_hwm(master)
    request = urllib.request.Request(
        base + "/api/v1/claims/?disputed=true&format=csv",
        headers={"Authorization": f"Token {token}"},
    )
    start = time.perf_counter()
    size = 0
    with urllib.request.urlopen(request, timeout=900) as response:
        text = io.TextIOWrapper(response, encoding="utf-8", newline="")
        reader = csv.reader(text)
        header = next(reader)
        rows = 0
        for row in reader:
            rows += 1
            size += sum(len(cell) for cell in row)
    seconds = time.perf_counter() - start
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "columns": len(header),
        "mb": round(size / 1e6, 1),
        "worker_peak_rss_mb": round(worker_hwm_kb(master) / 1024, 1),
        "worker_lifetime_peak_rss_mb": round(max(lifetime, worker_hwm_kb(master)) / 1024, 1),
    }


def write_path(
    base: str, token: str, slugs: list[str], count: int, seconds: float, clients: int = 1
) -> dict:
    """POST ``count`` claims with chain lines through the API from ``clients`` concurrent
    clients (threads), bounded in count and time."""
    if clients > 1:
        import concurrent.futures

        share = max(1, count // clients)
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            parts = list(
                pool.map(
                    lambda k: _write_one_client(
                        base, token, slugs, share, seconds, offset=k * share * 11 + 5
                    ),
                    range(clients),
                )
            )
        elapsed = time.perf_counter() - start
        made = sum(part["claims"] for part in parts)
        return {
            "clients": clients,
            "claims": made,
            "hops": made * 4,
            "seconds": round(elapsed, 2),
            "claims_per_s": round(made / elapsed, 1),
        }
    return _write_one_client(base, token, slugs, count, seconds)


def _write_one_client(base, token, slugs, count, seconds, offset: int = 0) -> dict:
    start = time.perf_counter()
    made = 0
    for n in range(count):
        i = n + offset
        if time.perf_counter() - start > seconds:
            break
        a, b, c, d = (slugs[(i * 7 + k) % len(slugs)] for k in range(4))
        body = json.dumps(
            {
                "text": f"Bench write {i}: a drone attack was reported",
                "chain_lines": f"{a} + {b} → {c} → {d}",
            }
        ).encode()
        request = urllib.request.Request(
            base + "/api/v1/claims/",
            data=body,
            method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201, response.status
            created = json.loads(response.read())
            assert len(created["attributions"]) == 4, created
        made += 1
    elapsed = time.perf_counter() - start
    return {
        "clients": 1,
        "claims": made,
        "hops": made * 4,
        "seconds": round(elapsed, 2),
        "claims_per_s": round(made / elapsed, 1),
    }


def machine() -> dict:
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)
    conn = pg_connect("postgres")
    cur = conn.cursor()
    cur.execute("SHOW server_version")
    version = cur.fetchone()[0]
    cur.execute("SHOW shared_buffers")
    buffers = cur.fetchone()[0]
    conn.close()
    model = re.search(r"model name\s+:\s+(.*)", Path("/proc/cpuinfo").read_text())
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1) if model else platform.processor(),
        "ram_gb": round(int(mem) / 1024 / 1024, 1),
        "postgres": version,
        "shared_buffers": buffers,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_at_start": os.getloadavg()[0],
    }


# ---------------------------------------------------------------------------- main


def bench(args) -> dict:
    db = args.db or f"factcheck_bench_{args.claims}"
    OUT.mkdir(parents=True, exist_ok=True)
    for tool in ("wrk", "pgbench"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed (make bench installs it)")
    if not DATASETTE.exists():
        raise SystemExit(f"{DATASETTE} missing (make bench installs requirements-bench.txt)")
    params = pick_params(db)
    # Datasette names the database after the file: /bench/<query>.json
    sqlite_path = DATA / db / "bench.sqlite3"
    t0 = time.perf_counter()
    export_sqlite(db, sqlite_path)
    export_seconds = time.perf_counter() - t0
    meta = DATA / "metadata.json"
    metadata(meta)
    todo = cases(params)
    if params["six_hop_claim"] is None:
        todo.pop("e")
    result = {
        "claims": params["claims"],
        "db": db,
        "machine": machine(),
        "params": {k: v for k, v in params.items() if "token" not in k},
        "sqlite_export_seconds": round(export_seconds, 1),
        "duration": args.duration,
        "rounds": args.rounds,
        "cases": {},
    }
    collectstatic(db)
    sql = capture_queries(db, params["token"], {k: v[1] for k, v in todo.items()})
    tracker = datasette = None
    failures = []
    try:
        tracker = start_tracker(db)
        datasette = start_datasette(sqlite_path, meta)
        tbase = f"http://127.0.0.1:{TRACKER_PORT}"
        dbase = f"http://127.0.0.1:{DATASETTE_PORT}"
        wait_up(tbase + "/api/v1/", tracker)
        wait_up(dbase + "/-/versions.json", datasette)
        auth = {"Authorization": f"Token {params['token']}"}
        for name, (label, tpath, dpath) in todo.items():
            case = result["cases"].setdefault(name, {"label": label})
            case["queries"] = len(sql[name])
            drows = json.loads(fetch(dbase + dpath)) if dpath else None
            dids = [row["id"] for row in drows] if drows is not None else None
            if name == "f":
                ids, data = tracker_ids(
                    tbase, f"/api/v1/claims/?disputed=true&page_size={REPORT_PAGE}", params["token"]
                )
                html = fetch(tbase + tpath).decode()
                missing = [i for i in ids if f"/reports/claims/{i}/" not in html]
                if missing:
                    failures.append(f"{name}: report page lacks claims {missing[:5]}")
            else:
                ids, data = tracker_ids(tbase, tpath, params["token"])
            case["count"] = data.get("count")
            case["count_exact"] = data.get("count_exact")
            case["same_ids"] = ids == dids if dids is not None else None
            case["ids_shown"] = len(ids)
            if dids is not None and ids != dids:
                failures.append(f"{name}: tracker ids {ids[:5]}… != datasette ids {dids[:5]}…")
        print("same claims on both sides:", {k: v["same_ids"] for k, v in result["cases"].items()})
        pids = tree_pids(tracker.pid) + [datasette.pid]
        for rnd in range(args.rounds):
            for name, (_label, tpath, dpath) in todo.items():
                # Every tracker figure is a first-time query: there is no answer cache.
                sides = [("tracker", tbase + tpath, auth)]
                if dpath is not None:
                    sides.append(("datasette", dbase + dpath, {}))
                for side, url, headers in sides:
                    wait_idle(pids)
                    run = wrk(url, args.duration, headers)
                    result["cases"][name].setdefault(side, []).append(run)
                    print(f"round {rnd + 1} {name} {side}: {run}", flush=True)
                    if run["non_2xx"] or run["socket_errors"]:
                        failures.append(f"{name} {side}: errors {run}")
        for name in todo:
            wait_idle(pids)
            result["cases"][name]["pgbench"] = pgbench(
                db, sql[name], args.duration, name, sql.get("__session__", "")
            )
            result["cases"][name]["explain"] = explain(db, sql[name])
        if args.csv:
            wait_idle(pids)
            # Three downloads: the first reads pages the load rounds pushed out of the
            # caches, the others what a repeated export costs; the median is reported.
            runs = []
            for _ in range(CSV_DOWNLOADS):
                wait_idle(pids)
                runs.append(csv_export(tbase, params["token"], tracker.pid))
                print("csv:", runs[-1], flush=True)
            result["csv"] = sorted(runs, key=lambda run: run["rows_per_s"])[len(runs) // 2]
            result["csv"]["runs_rows_per_s"] = [run["rows_per_s"] for run in runs]
            result["csv"]["worker_peak_rss_mb"] = max(run["worker_peak_rss_mb"] for run in runs)
            result["csv"]["worker_lifetime_peak_rss_mb"] = max(
                run["worker_lifetime_peak_rss_mb"] for run in runs
            )
        if args.writes:
            conn = pg_connect(db)
            cur = conn.cursor()
            cur.execute("SELECT slug FROM sources_source ORDER BY id LIMIT 200")
            slugs = [row[0] for row in cur.fetchall()]
            conn.close()
            # Three rounds of each, one client then four, alternating; the medians are
            # reported (a round of 20 claims lasts about a second, so one round is noise).
            rounds: dict[str, list] = {"writes": [], "writes_4": []}
            for _ in range(WRITE_ROUNDS):
                wait_idle(pids)
                run = write_path(tbase, params["editor_token"], slugs, args.writes, 60)
                rounds["writes"].append(run)
                print("writes:", run, flush=True)
                wait_idle(pids)
                run = write_path(
                    tbase, params["editor_token"], slugs[::-1], args.writes, 60, clients=4
                )
                rounds["writes_4"].append(run)
                print("writes, 4 clients:", run, flush=True)
            for key, runs in rounds.items():
                result[key] = sorted(runs, key=lambda run: run["claims_per_s"])[len(runs) // 2]
                result[key]["runs_claims_per_s"] = [run["claims_per_s"] for run in runs]
    finally:
        stop(tracker)
        stop(datasette)
    result["failures"] = failures
    out = Path(args.out) if args.out else OUT / f"results-{params['claims']}.json"
    out.write_text(json.dumps(result, indent=1))
    return result


def median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def summary(case: dict, side: str) -> dict:
    runs = case.get(side) or []
    return {
        "rps": median([r["rps"] for r in runs]),
        "p50": median([r["p50_ms"] for r in runs]),
        "p99": median([r["p99_ms"] for r in runs]),
    }


def render(results: list[dict]) -> str:
    """The figures part of RESULTS.md (the prose part is kept from the existing file)."""
    lines = []
    for res in sorted(results, key=lambda r: r["claims"]):
        m = res["machine"]
        lines += [
            f"### {res['claims']:,} claims",
            "",
            f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, PostgreSQL "
            f"{m['postgres']} (shared_buffers {m['shared_buffers']}), SQLite {m['sqlite']}, "
            f"Python {m['python']}; load average at start {m['load_at_start']:.2f}. "
            f"wrk -c4 -t2, {res['rounds']} round(s) of {res['duration']} s per query and "
            "side, alternating; medians of the rounds. Large family: "
            f"`{res['params']['family']}` ({res['params']['family_hops']:,} hops).",
            "",
            "Every tracker figure is a first-time query: the tracker has no answer cache.",
            "",
            "| query | tracker req/s | p50 ms | p99 ms | Datasette req/s | p50 ms | p99 ms "
            "| ratio | SQL queries | pgbench floor req/s | count | same ids |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]

        def num(value, fmt):
            return format(value, fmt) if value is not None else "—"

        for name, case in sorted(res["cases"].items()):
            t, d = summary(case, "tracker"), summary(case, "datasette")
            ratio = t["rps"] / d["rps"] if t["rps"] and d["rps"] else None
            floor = case.get("pgbench", {}).get("tps")
            count = case.get("count")
            if count is not None and case.get("count_exact") is False:
                count = f"at least {count:,}"
            same = case.get("same_ids")
            label = case["label"] if len(name) > 1 else f"({name}) {case['label']}"
            lines.append(
                f"| {label} "
                f"| {num(t['rps'], '.0f')} | {num(t['p50'], '.1f')} | {num(t['p99'], '.1f')} "
                f"| {num(d['rps'], '.0f')} | {num(d['p50'], '.1f')} | {num(d['p99'], '.1f')} | "
                f"{num(ratio, '.2f')}× | {case['queries']} | "
                f"{num(floor, '.0f')} | {count if count is not None else '—'} "
                f"| {'—' if same is None else 'yes' if same else 'NO'} |"
            )
        if res.get("csv"):
            c = res["csv"]
            runs = c.get("runs_rows_per_s")
            each = (
                f" (median of {len(runs)} downloads: "
                + ", ".join(f"{rate:,}" for rate in runs)
                + " rows/s in turn)"
                if runs
                else ""
            )
            lines += [
                "",
                f"CSV export of every disputed claim: {c['rows']:,} rows in {c['seconds']} s = "
                f"**{c['rows_per_s']:,} rows/s**{each}; gunicorn worker peak RSS (VmHWM) "
                f"while the downloads stream **{c['worker_peak_rss_mb']} MB**"
                + (
                    f" (a worker's peak over its whole life, every benchmark request before "
                    f"the downloads included: {c['worker_lifetime_peak_rss_mb']} MB)"
                    if c.get("worker_lifetime_peak_rss_mb")
                    else ""
                )
                + ".",
            ]
        if res.get("writes"):
            w = res["writes"]

            def rounds(run) -> str:
                each = run.get("runs_claims_per_s")
                if not each:
                    return ""
                return f" (median of {len(each)} rounds: " + ", ".join(map(str, each)) + ")"

            lines += [
                "",
                f"Write path: {w['claims']} claims with 4 hops each (chain lines "
                f"`A + B → C → D`) POSTed one at a time in {w['seconds']} s = "
                f"**{w['claims_per_s']} claims/s**{rounds(w)}.",
            ]
            if res.get("writes_4"):
                w4 = res["writes_4"]
                lines[-1] += (
                    f" Four concurrent clients: {w4['claims']} claims in {w4['seconds']} s = "
                    f"**{w4['claims_per_s']} claims/s**{rounds(w4)} "
                    f"({w4['claims_per_s'] / w['claims_per_s']:.2f}× one client)."
                )
        if res.get("failures"):
            lines += ["", "Failures: " + "; ".join(res["failures"])]
        lines.append("")
    return "\n".join(lines)


MARK_BEGIN = "<!-- figures:begin (bench/run.py --report writes between these marks) -->"
MARK_END = "<!-- figures:end -->"


def report() -> None:
    results = [json.loads(p.read_text()) for p in sorted(OUT.glob("results-*.json"))]
    path = BENCH / "RESULTS.md"
    text = (
        path.read_text() if path.exists() else f"# Benchmark results\n\n{MARK_BEGIN}\n{MARK_END}\n"
    )
    before, rest = text.split(MARK_BEGIN, 1)
    _, after = rest.split(MARK_END, 1)
    path.write_text(f"{before}{MARK_BEGIN}\n\n{render(results)}\n{MARK_END}{after}")
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int)
    parser.add_argument("--db")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--csv", action="store_true")
    parser.add_argument("--writes", type=int, default=0)
    parser.add_argument("--report", action="store_true", help="only rewrite RESULTS.md")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any failure")
    parser.add_argument("--out", help="results file (default bench/out/results-<N>.json)")
    args = parser.parse_args()
    if args.report:
        report()
        return
    if not args.claims:
        parser.error("--claims is required")
    # A plain SIGTERM would skip the ``finally`` that stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = bench(args)
    if result["failures"]:
        print("FAILURES:", *result["failures"], sep="\n  ")
        if args.strict:
            sys.exit(1)


if __name__ == "__main__":
    main()
