"""Browser fixtures: Debian's Chromium driven by Playwright, and a live server with the demo.

Without Chromium the browser tests are skipped with a reason that says so; with
``FACTCHECK_REQUIRE_BROWSER=1`` (CI sets it) a missing or broken Chromium fails them instead,
so CI can never pass by silently skipping.
"""

import importlib
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it (fixtures, assertions on rows) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("FACTCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORDS = {"reader": "pw-reader-browser", "editor": "pw-editor-browser"}


def _unavailable(reason: str):
    if os.environ.get("FACTCHECK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FACTCHECK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason} (install Debian's chromium to run them)")


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium, shared by the session; skips (or fails in CI) without it."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser"
        playwright.stop()
        _unavailable(f"Chromium at {CHROMIUM} did not start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser):
    """A fresh browser tab (own cookies) at a desktop size, accepting downloads."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored); look at them after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def ensure_editors_group() -> Group:
    """The Editors group as migration 0003 makes it.

    A transactional test's flush empties it; serialized rollback should bring it back, but
    its copy of the rows is kept on the thread's connection object, which Playwright's
    greenlets do not always see, so make sure of it here.
    """
    migration = importlib.import_module("claims.migrations.0003_groups")
    editors, _ = Group.objects.get_or_create(name="Editors")
    for app_label, models in migration.TRACKER_MODELS.items():
        editors.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, content_type__model__in=models
            )
        )
    return editors


@pytest.fixture
def demo_server(live_server, transactional_db, django_db_serialized_rollback):
    """A live server holding the seed article, a reader and an editor (group Editors)."""
    ensure_editors_group()
    call_command("load_demo", stdout=open(os.devnull, "w"))
    User = get_user_model()
    User.objects.create_user("reader", password=PASSWORDS["reader"])
    editor = User.objects.create_user("editor", password=PASSWORDS["editor"], is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    assert editor.has_perm("claims.add_dispute"), "the Editors group lost its permissions"
    return live_server


@pytest.fixture
def log_in(page, demo_server):
    """Log in through the reports' real login form; lands on the page asked for."""

    def go(username: str, path: str = "/reports/disputed/") -> None:
        page.goto(f"{demo_server.url}{path}")
        # Not logged in: the report sends us to its login form, which sends us back.
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORDS[username])
        page.click("form.login-form button[type=submit]")
        page.wait_for_url(f"{demo_server.url}{path}")

    return go
