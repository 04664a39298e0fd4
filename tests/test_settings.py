"""Settings come from the environment; production refuses to start unsafely."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-looking-secret-for-the-test-9f8e7d6c",
    "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_manage("check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


def test_production_passes_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_passwords_are_stretched_outside_the_tests():
    # tests/conftest.py swaps in a cheap hasher for speed; the settings themselves must not.
    for env in ({}, PRODUCTION):
        result = run_manage(
            "shell",
            "-c",
            "from django.contrib.auth.hashers import get_hasher; print(get_hasher().algorithm)",
            **env,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "pbkdf2_sha256"


def test_bad_boolean_in_environment_is_a_clear_error():
    result = run_manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'maybe'" in result.stderr


def test_bad_background_job_settings_are_clear_errors():
    result = run_manage("check", FACTCHECK_INLINE_REFRESH_LIMIT="lots")
    assert result.returncode != 0
    assert "FACTCHECK_INLINE_REFRESH_LIMIT must be a whole number of claims, not 'lots'" in (
        result.stderr
    )
    result = run_manage("check", FACTCHECK_TASKS_BACKEND="celery")
    assert result.returncode != 0
    assert "FACTCHECK_TASKS_BACKEND must be database or immediate, not 'celery'" in result.stderr


def test_postgresql_sessions_run_without_jit_or_synchronized_scans():
    # JIT compilation cost 675 ms of the disputed claims' CSV at a million claims; a capped
    # count starting where another scan stopped, up to 400 ms where it takes 2 ms.
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "factcheck.settings",
            "DATABASE_URL": "postgres://tracker@db.example.org:5432/tracker?options=-c%20statement_timeout%3D5000",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # Added to what the URL asked for, not instead of it.
    assert result.stdout.strip() == (
        "-c statement_timeout=5000 -c jit=off -c synchronize_seqscans=off"
    )


@pytest.mark.django_db
def test_the_postgresql_session_really_has_them_off():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL settings")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('synchronize_seqscans')")
        assert cursor.fetchone() == ("off", "off")
