"""Shared fixtures: the seed article, the three kinds of user, authenticated API clients."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
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


@pytest.fixture
def seed(db) -> Seed:
    call_command("load_demo", stdout=open("/dev/null", "w"))
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
