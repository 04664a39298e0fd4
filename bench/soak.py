"""Load with a database fault: does the tracker lose an acknowledged write when PostgreSQL
restarts under it, and how fast does it come back without restarting the app?

    .venv/bin/python bench/soak.py [--duration 60] [--clients 16] [--restart-at 20]

Makes a throwaway database (factcheck_soak) with the seed article, serves the tracker with
gunicorn (production settings) on 127.0.0.1, drives a mixed read/write API load from
loopback, restarts PostgreSQL in the middle, then checks every write that was acknowledged
with 201 is in the database. Writes bench/SOAK.md. Bounded in time and in request count;
the server is always stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB = "factcheck_soak"
PG = "postgres://postgres@127.0.0.1:5432"
MAX_REQUESTS = 500_000  # a hard bound whatever the duration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


def pg_cluster() -> str:
    return sorted(os.listdir("/etc/postgresql"))[0]


def prepare(env: dict) -> str:
    """Fresh database with the demo; returns an editor's API token."""
    run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB}"])
    run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {DB}"])
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env)
    run([PY, "manage.py", "load_demo"], cwd=ROOT, env=env)
    code = (
        "from django.contrib.auth.models import User, Group;"
        "from rest_framework.authtoken.models import Token;"
        "u,_=User.objects.get_or_create(username='soak-editor');"
        "u.groups.add(Group.objects.get(name='Editors'));"
        "print(Token.objects.get_or_create(user=u)[0].key)"
    )
    out = run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env).stdout
    return out.strip().splitlines()[-1]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, int, float]] = []  # (t, kind, status, latency)
        self.acknowledged: list[str] = []  # texts of claims the server said it created
        self.count = 0

    def add(self, t, kind, status, latency):
        with self.lock:
            self.events.append((t, kind, status, latency))
            self.count += 1


def client(base, token, stop_at, recorder, seed, claim_ids):
    rng = random.Random(seed)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    reads = [
        "/api/v1/claims/?page_size=20",
        "/api/v1/claims/?disputed=true",
        "/api/v1/claims/?origin_anonymous=true&reported_after=2024-01-01",
        "/api/v1/claims/?source_family=kataib-hezbollah",
        "/api/v1/sources/?kind=official",
    ]
    n = 0
    while time.monotonic() < stop_at and recorder.count < MAX_REQUESTS:
        n += 1
        roll = rng.random()
        body = None
        if roll < 0.2:
            kind, path = "write", "/api/v1/claims/"
            text = f"Soak claim {seed}-{n}-{rng.randrange(10**9)}"
            body = json.dumps({"text": text}).encode()
        elif roll < 0.3:
            kind, path = "detail", f"/api/v1/claims/{rng.choice(claim_ids)}/"
        else:
            kind, path = "list", rng.choice(reads)
        request = urllib.request.Request(
            base + path,
            data=body,
            headers={**headers, **({"Content-Type": "application/json"} if body else {})},
            method="POST" if body else "GET",
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.read()
        except OSError:
            status = 0  # connection refused/reset: counted as an error
        recorder.add(started, kind, status, time.monotonic() - started)
        if body and status == 201:
            with recorder.lock:
                recorder.acknowledged.append(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--restart-at", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "SOAK.md"))
    args = parser.parse_args()
    if not 1 <= args.duration <= 600 or not 1 <= args.clients <= 64:
        parser.error("duration 1-600 s and 1-64 clients")

    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "soak-" + os.urandom(24).hex(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "FACTCHECK_THROTTLE_USER": "10000000/hour",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    token = prepare(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "factcheck.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "bench" / "soak-server.log", "w"),
        start_new_session=True,
    )
    recorder = Recorder()
    outage = [None, None]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        claim_ids = list(range(1, 10))
        start = time.monotonic()
        stop_at = start + args.duration
        threads = [
            threading.Thread(target=client, args=(base, token, stop_at, recorder, i, claim_ids))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        if not args.no_restart:
            time.sleep(args.restart_at)
            outage[0] = time.monotonic()
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", pg_cluster(), "main", "restart"],
                check=True,
                capture_output=True,
            )
            while not pg_ready():
                time.sleep(0.05)
            outage[1] = time.monotonic()
        for thread in threads:
            thread.join(timeout=args.duration + 30)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not pg_ready():
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", pg_cluster(), "main", "start"]
            )

    # Every acknowledged write must be in the database.
    ack_file = ROOT / "bench" / "soak-acknowledged.json"
    ack_file.write_text(json.dumps(recorder.acknowledged))
    code = (
        "import json; from claims.models import Claim;"
        f"wanted=set(json.load(open({str(ack_file)!r})));"
        "found=set(Claim.objects.filter(text__startswith='Soak claim ')"
        ".values_list('text', flat=True));"
        "print(len(wanted), len(wanted & found), len(found - wanted))"
    )
    out = run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env).stdout.split()
    ack_file.unlink()
    acknowledged, present, unacknowledged_present = (int(x) for x in out[-3:])

    events = sorted(recorder.events)
    errors = [e for e in events if e[2] == 0 or e[2] >= 500]
    grace = 1.0  # requests already in flight when the restart began
    if outage[0] is not None:
        window = (outage[0] - grace, outage[1])
        inside = [e for e in errors if window[0] <= e[0] <= window[1]]
        outside = [e for e in errors if not window[0] <= e[0] <= window[1]]
        later_errors = [e for e in errors if e[0] > outage[1]]
        recovered_at = max(e[0] + e[3] for e in later_errors) if later_errors else outage[1]
        recovery = recovered_at - outage[1]
        outage_seconds = outage[1] - outage[0]
    else:
        inside, outside, recovery, outage_seconds = [], errors, 0.0, 0.0
    status_counts: dict = {}
    for e in events:
        status_counts[e[2]] = status_counts.get(e[2], 0) + 1
    latencies = sorted(e[3] for e in events if 200 <= e[2] < 300)
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else 0
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0

    report = f"""# Soak with a database fault

Reproduce: `.venv/bin/python bench/soak.py --duration {args.duration:g} --clients {args.clients}
--restart-at {args.restart_at:g}` (as root, with the local PostgreSQL cluster; it restarts it).

Machine: {os.cpu_count()} cores; gunicorn {args.workers} sync workers, production settings,
`CONN_MAX_AGE=60` with `CONN_HEALTH_CHECKS`; {args.clients} clients on loopback for
{args.duration:g} s; 70 % list reads, 10 % claim details, 20 % claim creations (API, editor
token). PostgreSQL restarted (`pg_ctlcluster … restart`) {args.restart_at:g} s in.

| figure | value | target |
|---|---|---|
| requests | {len(events)} ({", ".join(f"{k}: {v}" for k, v in sorted(status_counts.items()))}) | |
| PostgreSQL outage (restart → accepting connections) | {outage_seconds:.2f} s | |
| errors (5xx or connection) inside the outage window | {len(inside)} | |
| errors outside the outage window | {len(outside)} | 0 |
| time to recover after PostgreSQL was back, app not restarted | {recovery:.2f} s | ≤ 5 s |
| writes acknowledged with 201 | {acknowledged} | |
| acknowledged writes missing afterwards | {acknowledged - present} | 0 |
| claims present but never acknowledged (in flight at the restart) | {unacknowledged_present} | |
| latency of successful requests, p50 / p99 | {p50:.1f} ms / {p99:.1f} ms | |

During the outage the app answers 503 with `Retry-After` (DatabaseUnavailableMiddleware)
rather than 500; status 0 counts connections refused or reset.
"""
    Path(args.out).write_text(report)
    print(report)
    ok = not outside and acknowledged == present and recovery <= 5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
