"""Shared fixtures: the seed article, the three kinds of user, authenticated API clients."""

import os

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Claim
from sources.models import Source

TELEGRAM_TEXT = "Attacks on US forces resumed because there was no progress toward a US withdrawal"
DRONE_TEXT = "A drone attack targeted the Ain al-Asad air base in western Iraq"


def pytest_configure(config):
    # Django's default hasher (PBKDF2, 1,000,000 rounds) takes 0.3-0.7 s a password here, and
    # most tests make a user or log one in. Tests need passwords checked, not stretched: the
    # cheap hasher Django's testing docs suggest ("Speeding up the tests"). Production
    # settings keep the default; tests/test_settings.py checks that.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Seed:
    """Handles on the seed article's rows, looked up by their natural keys."""

    def source(self, slug: str) -> Source:
        return Source.objects.get(slug=slug)

    def claim(self, text: str) -> Claim:
        return Claim.objects.get(text=text)

    @property
    def telegram_claim(self) -> Claim:
        return self.claim(TELEGRAM_TEXT)

    @property
    def drone_claim(self) -> Claim:
        return self.claim(DRONE_TEXT)


# The apps whose tables load_demo writes: their models, history models and M2M tables.
SEED_APPS = ("claims", "sources")


def seed_models() -> list:
    return [
        model
        for label in SEED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]


def table_rows(model) -> list[dict]:
    """Every row of ``model``'s table, column by column, in primary-key order."""
    columns = [field.attname for field in model._meta.concrete_fields]
    return list(model._base_manager.order_by("pk").values(*columns))


@pytest.fixture(scope="session")
def seed_rows(django_db_setup, django_db_blocker) -> list[tuple[type, list[dict]]]:
    """The rows ``load_demo`` writes, by model: loaded once a session, then rolled back.

    ``load_demo`` goes through the services (validation, history, a projection a claim):
    627 statements and about 0.9 s on PostgreSQL here, which some 300 tests paid each.
    tests/claims/test_demo.py checks these rows against a real ``load_demo`` of its own.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        assert not any(table_rows(model) for model in seed_models()), "seed tables not empty"
        call_command("load_demo", stdout=open(os.devnull, "w"))
        rows = [(model, table_rows(model)) for model in seed_models()]
        transaction.set_rollback(True)
    return [(model, found) for model, found in rows if found]


@pytest.fixture
def seed(db, seed_rows) -> Seed:
    """The seed article, as ``load_demo`` writes it, in this test's transaction."""
    for model, rows in seed_rows:
        # Written raw, as loaddata writes: bulk_create would stamp auto_now columns with
        # this moment, and the stored documents would no longer match their rows. Foreign
        # keys are checked at commit on both databases, so the order is free.
        fields = model._meta.local_concrete_fields
        objs = [model(**row) for row in rows]
        size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
        for start in range(0, len(objs), size):
            model._base_manager._insert(objs[start : start + size], fields=fields, raw=True)
    # Rows came with their ids: move each id sequence past them, as loaddata does.
    statements = connection.ops.sequence_reset_sql(no_style(), [m for m, _ in seed_rows])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return Seed()


def _user(username: str, group: str | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db):
    return _user("editor", "Editors", is_staff=True)


@pytest.fixture
def researcher(db):
    return _user("researcher", "Researchers")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="pw-root")


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture
def researcher_api(researcher) -> APIClient:
    return token_client(researcher)


@pytest.fixture
def editor_api(editor) -> APIClient:
    return token_client(editor)
