"""Security headers and the security log: CSP on every page, failed logins recorded."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest

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
