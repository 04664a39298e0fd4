"""The seed article as demo data, the demo users and their logins, and `make demo` itself."""

import io
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from claims import provenance
from claims.models import Attribution, Claim, Dispute, Topic
from claims.selectors import claim_list
from sources.models import Document, Source

from ..conftest import DRONE_TEXT, TELEGRAM_TEXT, seed_models, table_rows

ROOT = Path(__file__).resolve().parents[2]


def chains_of(claim):
    return [chain.label for chain in provenance.chains(claim.attributions.all())]


@pytest.mark.django_db
def test_seed_drone_claim_has_two_origins_and_two_chains(seed):
    claim = claim_list().get(text=DRONE_TEXT)
    hops = list(claim.attributions.all())
    assert [s.slug for s in provenance.origin_sources(hops)] == ["us-officials", "iraqi-officials"]
    assert chains_of(claim) == [
        "US officials → Reuters → Antiwar.com",
        "Iraqi officials → Reuters → Antiwar.com",
    ]


@pytest.mark.django_db
def test_seed_telegram_claim_chain_and_authorship_denial(seed):
    claim = claim_list().get(text=TELEGRAM_TEXT)
    assert chains_of(claim) == [
        "Telegram channel affiliated with Kataib Hezbollah → Reuters → Antiwar.com"
    ]
    (dispute,) = claim.disputes.all()
    assert dispute.kind == "authorship_denial"
    assert dispute.disputed_by.slug == "kataib-hezbollah"
    assert dispute.quote == "fabricated news"
    assert dispute.target.source.slug == "telegram-channel-affiliated-with-kataib-hezbollah"
    assert (claim.is_disputed, claim.dispute_count) == (True, 1)
    # The article gives no time of day: a day, kept as one.
    assert claim.first_reported_at == "2024-04-22"
    assert claim.first_reported_at.precision == "day"


@pytest.mark.django_db
def test_seed_counts_and_affiliations(seed):
    assert Claim.objects.count() == 9
    assert Source.objects.count() == 9
    assert Dispute.objects.count() == 1
    assert list(Claim.objects.filter(is_disputed=True).values_list("text", flat=True)) == [
        TELEGRAM_TEXT
    ]
    telegram = Source.objects.get(slug="telegram-channel-affiliated-with-kataib-hezbollah")
    assert (telegram.affiliated_with.slug, telegram.affiliation) == (
        "kataib-hezbollah",
        "affiliated",
    )
    kh = telegram.affiliated_with
    assert (kh.affiliated_with.slug, kh.affiliation) == ("popular-mobilization-forces", "part_of")
    assert set(Source.objects.filter(is_anonymous=True).values_list("slug", flat=True)) == {
        "us-officials",
        "iraqi-officials",
        "pentagon-official",
    }
    article = Document.objects.get(publisher__slug="antiwarcom")
    assert (article.author, article.published_at) == ("Dave DeCamp", "2024-04-22")
    assert article.published_at.precision == "day"
    # The article gives no URLs: the demo must not invent any.
    assert not Document.objects.exclude(url="").exists()


@pytest.mark.django_db
def test_seed_single_hop_claims_are_antiwar_origins(seed):
    single = [c for c in claim_list() if len(c.attributions.all()) == 1]
    assert sorted(c.text for c in single) == sorted(
        [
            "An explosion at a base south of Baghdad killed one PMF member",
            "Al-Sudani left Washington with no clear timeline for a US withdrawal",
            "US bases were targeted hundreds of times from October 2023 to the end of January 2024",
        ]
    )
    assert {c.attributions.all()[0].source.slug for c in single} == {"antiwarcom"}


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing(seed):
    def snapshot():
        return (
            Claim.objects.count(),
            Attribution.objects.count(),
            Dispute.objects.count(),
            Source.objects.count(),
            Document.objects.count(),
            Claim.history.count(),
            Attribution.history.count(),
            Source.history.count(),
            list(Claim.objects.order_by("pk").values_list("updated_at", flat=True)),
        )

    before = snapshot()
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert snapshot() == before


# What differs between two loads of the same data: ids (PostgreSQL's sequences run on),
# the times rows were written, and the stored read shapes that quote ids and times (the
# projection's own tests check those); a family is named by its root source's id, and a
# lineage is a set of source ids, of which the size is compared.
UNSTABLE = {
    "created_at",
    "updated_at",
    "history_date",
    "document",
    "csv_row",
    "report_html",
    "family",
}


def _without_ids_and_clocks(rows: list[dict]) -> list[str]:
    return sorted(
        repr(
            sorted(
                (k, len(v) if k == "source_lineage" else v)
                for k, v in row.items()
                if k not in UNSTABLE and k != "id" and not k.endswith("_id")
            )
        )
        for row in rows
    )


@pytest.mark.django_db
def test_seed_fixture_holds_what_load_demo_writes(seed_rows):
    """The ``seed`` fixture restores rows captured once a session; a real ``load_demo`` in
    this test must write the same rows, table by table."""
    call_command("load_demo", stdout=open(os.devnull, "w"))
    fresh = {model: table_rows(model) for model in seed_models()}
    captured = dict(seed_rows)
    assert {model for model, rows in fresh.items() if rows} == set(captured)
    assert len(captured[Claim]) == 9 and len(captured[Source.history.model]) == 9
    for model, rows in captured.items():
        assert _without_ids_and_clocks(fresh[model]) == _without_ids_and_clocks(rows), model


@pytest.mark.django_db
def test_demo_users_print_links_to_where_the_demo_runs():
    out = io.StringIO()
    call_command("ensure_demo_users", "--base-url", "http://127.0.0.1:8123/", stdout=out)
    text = out.getvalue()
    assert "admin: http://127.0.0.1:8123/admin/" in text
    assert "'http://127.0.0.1:8123/api/v1/claims/?disputed=true'" in text
    assert ":8000" not in text
    researcher = User.objects.get(username="researcher")
    assert f"Token {researcher.auth_token.key}" in text
    assert User.objects.get(username="editor").is_staff


def _logins(text: str) -> dict[str, str]:
    """The editor's and researcher's password and token, read from the printed logins."""
    found = re.search(
        r"editor +password (?P<editor_password>\S+).*?API token (?P<editor_token>\S+).*?"
        r"researcher +password (?P<researcher_password>\S+).*?API token (?P<researcher_token>\S+)",
        text,
        re.S,
    )
    assert found, text
    return found.groupdict()


@pytest.mark.django_db
def test_demo_logins_file_has_working_passwords_and_tokens(seed, client, tmp_path):
    path = tmp_path / "var" / "demo-logins.txt"
    call_command("ensure_demo_users", "--logins-file", str(path), stdout=io.StringIO())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    logins = _logins(path.read_text())

    # The editor's password opens the real admin (its login accepts staff only).
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": logins["editor_password"], "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert "Newsroom desk" in client.get("/admin/").content.decode()

    # The researcher's password opens the reports' own login page and then the report.
    reader = Client()
    response = reader.post(
        "/login/",
        {"username": "researcher", "password": logins["researcher_password"], "next": "/"},
    )
    assert response.status_code == 302
    assert TELEGRAM_TEXT in reader.get("/reports/disputed/").content.decode()

    # The researcher's token reads the API; the editor's token may also write.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {logins['researcher_token']}")
    body = api.get("/api/v1/claims/?disputed=true").json()
    assert [claim["text"] for claim in body["results"]] == [TELEGRAM_TEXT]
    assert api.post("/api/v1/topics/", {"name": "Iraq", "slug": "iraq"}).status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Token {logins['editor_token']}")
    response = api.post("/api/v1/topics/", {"name": "Iraq", "slug": "iraq"})
    assert response.status_code == 201, response.content
    assert Topic.objects.get(slug="iraq").name == "Iraq"


@pytest.mark.django_db
def test_demo_users_again_replace_the_passwords_in_the_file(client, tmp_path):
    path = tmp_path / "demo-logins.txt"
    call_command("ensure_demo_users", "--logins-file", str(path), stdout=io.StringIO())
    first = _logins(path.read_text())
    call_command("ensure_demo_users", "--logins-file", str(path), stdout=io.StringIO())
    second = _logins(path.read_text())
    assert first["editor_password"] != second["editor_password"]
    # Tokens stay: a researcher's scripts keep working across `make demo` runs.
    assert first["researcher_token"] == second["researcher_token"]
    # Checked against the stored hashes: a login would count towards the login limit (axes),
    # which needs a request.
    editor = get_user_model().objects.get(username="editor")
    assert not editor.check_password(first["editor_password"])
    assert editor.check_password(second["editor_password"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _ctrl_c(process: subprocess.Popen) -> bool:
    """Press Ctrl-C as a terminal does (SIGINT to the whole process group); True if that
    stopped it within a minute (a loaded machine is slow), else kill it and return False."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_serves_the_port_and_prints_logins_after_the_banner(tmp_path):
    """`make demo PORT=…` on a throwaway SQLite file, as a newcomer runs it; then Ctrl-C."""
    port = _free_port()
    logins_file = tmp_path / "demo-logins.txt"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "MAKEFLAGS", "MAKELEVEL"}
    }
    # The demo works with no Redis and no PostgreSQL: a fresh SQLite file, not the test database.
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    demo = subprocess.Popen(
        # -o: use the virtualenv as it is (the one running these tests), never pip install.
        [
            "make",
            "-o",
            ".venv/.runtime",
            "demo",
            f"PORT={port}",
            f"PY={sys.executable}",
            f"DEMO_LOGINS={logins_file}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it: Ctrl-C below
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(demo.stdout.readline, "")))
    reader.start()
    try:
        deadline = time.monotonic() + 150
        while not any(line.startswith("  open http://") for line in list(lines)):
            assert demo.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        output = "".join(lines)
        banner = output.index(f"Starting development server at http://127.0.0.1:{port}/")
        assert banner < output.index("Demo logins")
        assert f"admin: http://127.0.0.1:{port}/admin/" in output
        assert logins_file.read_text().strip() in output

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as home:
            assert home.status == 200
            assert "/api/v1/docs/" in home.read().decode()
        token = _logins(output)["researcher_token"]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/claims/?disputed=true",
            headers={"Authorization": f"Token {token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert [c["text"] for c in json.load(answer)["results"]] == [TELEGRAM_TEXT]
    finally:
        stopped_by_ctrl_c = _ctrl_c(demo)
        reader.join(timeout=5)
    assert stopped_by_ctrl_c, "".join(lines)
    # Ctrl-C stopped the server too, its autoreloader's child included.
    deadline = time.monotonic() + 10
    while not _refused(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _refused(port), "".join(lines)


def test_demo_on_a_taken_port_says_how_to_move_it_and_touches_nothing(tmp_path):
    logins_file = tmp_path / "demo-logins.txt"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
        result = subprocess.run(
            [sys.executable, "scripts/demo.py", "--port", str(port), "--logins-file", logins_file],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {port} is in use" in result.stderr
    assert "make demo PORT=" in result.stderr
    # Refused before migrating: no database file, no logins for a server that never ran.
    assert not (tmp_path / "demo.sqlite3").exists()
    assert not logins_file.exists()


def test_readme_is_short_and_its_first_screen_holds_the_two_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 150
    first_screen = "\n".join(lines[:40])
    for words in ("make demo", "make test", "PORT=", "Ctrl-C", "make clean"):
        assert words in first_screen, words


def test_every_page_the_docs_link_to_exists():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench/README.md"]
    checked = 0
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)\)", page.read_text()):
            if target.startswith("http"):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
            checked += 1
    assert checked >= 10
