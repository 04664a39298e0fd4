"""Security headers, the client address and the security log: CSP on every page, forwarded
headers believed only from trusted proxies, failed logins recorded."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from factcheck.security import client_address

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def directives(response) -> dict:
    policy = response["Content-Security-Policy"]
    parts = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize(
    "path", ["/", "/admin/claims/claim/", "/api/v1/docs/", "/reports/disputed/"]
)
def test_every_page_carries_a_csp_that_forbids_inline_scripts(client, editor, path):
    client.force_login(editor)
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_api_docs_page_has_no_inline_script(client, editor):
    client.force_login(editor)
    html = client.get("/api/v1/docs/").content.decode()
    assert "<script>" not in html.replace(" ", "")
    assert 'src="/api/v1/docs/?script=' in html
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_failed_admin_login_is_logged_without_the_password(client, caplog):
    with caplog.at_level(logging.WARNING, logger="factcheck.security"):
        client.post(
            "/admin/login/?next=/admin/",
            {"username": "mallory", "password": "hunter2-secret"},
            REMOTE_ADDR="203.0.113.9",
        )
    (record,) = [r for r in caplog.records if r.name == "factcheck.security"]
    assert (record.event, record.username, record.client) == (
        "login_failed",
        "mallory",
        "203.0.113.9",
    )
    assert "hunter2-secret" not in repr(record.__dict__)


def test_bad_api_token_is_logged_with_client_and_path(client, caplog):
    with caplog.at_level(logging.WARNING, logger="factcheck.security"):
        response = client.get(
            "/api/v1/claims/",
            HTTP_AUTHORIZATION="Token not-a-real-token",
            REMOTE_ADDR="198.51.100.7",
        )
    assert response.status_code == 401
    (record,) = [r for r in caplog.records if r.name == "factcheck.security"]
    assert (record.event, record.scheme, record.client, record.path) == (
        "api_auth_failed",
        "Token",
        "198.51.100.7",
        "/api/v1/claims/",
    )
    assert "not-a-real-token" not in repr(record.__dict__)


def test_production_logs_are_json_lines():
    code = (
        "import django, logging, json; django.setup();"
        "logging.getLogger('factcheck.security').warning('login failed', extra={'event': 'x'})"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-django-checks-123",
        "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    import json

    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"], line["event"]) == (
        "WARNING",
        "factcheck.security",
        "login failed",
        "x",
    )


def test_gunicorn_config_is_valid():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--check-config", "factcheck.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "factcheck.settings"},
    )
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        # No trusted proxy (the default): the header is the client's word and is ignored.
        ([], "198.51.100.7", "203.0.113.1", "198.51.100.7"),
        # A peer that is not a trusted proxy cannot speak for anyone else.
        (["10.0.0.0/8"], "198.51.100.7", "203.0.113.1", "198.51.100.7"),
        # The proxy appended the address it saw; what the client wrote before it is ignored.
        (["10.0.0.0/8"], "10.0.0.2", "203.0.113.1, 198.51.100.7", "198.51.100.7"),
        # Two trusted proxies in a row: the first untrusted address from the right.
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.7, 10.1.2.3", "198.51.100.7"),
        # Only proxies: the leftmost is as far as anyone can see.
        (["10.0.0.0/8"], "10.0.0.2", "10.9.9.9", "10.9.9.9"),
        # Garbage where an address should be: stop at the last trusted proxy.
        (["10.0.0.2"], "10.0.0.2", "198.51.100.7, not-an-address", "10.0.0.2"),
        # A trusted proxy that sent no header: the proxy itself.
        (["10.0.0.2"], "10.0.0.2", "", "10.0.0.2"),
        (["2001:db8::/32"], "2001:db8::1", "2001:db8::5, 2400:cb00::7", "2400:cb00::7"),
    ],
)
def test_client_address_believes_forwarded_headers_only_from_trusted_proxies(
    settings, trusted, peer, forwarded, client
):
    settings.FACTCHECK_TRUSTED_PROXIES = trusted
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **extra)
    assert client_address(request) == client


def test_failed_login_log_ignores_a_forged_forwarded_header(client, caplog):
    with caplog.at_level(logging.WARNING, logger="factcheck.security"):
        client.post(
            "/login/",
            {"username": "mallory", "password": "x"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR="192.0.2.1",
        )
    (record,) = [r for r in caplog.records if r.name == "factcheck.security"]
    assert record.client == "203.0.113.9"


def test_a_malformed_trusted_proxy_setting_refuses_to_start():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "FACTCHECK_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "FACTCHECK_TRUSTED_PROXIES" in result.stderr
    assert "proxy.example.org" in result.stderr
