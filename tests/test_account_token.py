"""/account/token/: every signed-in user sees and replaces their own API token, no one else's."""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .conftest import TELEGRAM_TEXT


def _shown_key(response) -> str:
    found = re.search(r'<span id="token-key">([0-9a-f]{40})</span>', response.content.decode())
    assert found, response.content.decode()
    return found.group(1)


def _api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db
def test_account_token_anonymous_is_sent_to_the_login():
    response = Client().get("/account/token/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/account/token/"


@pytest.mark.django_db
def test_account_token_editor_creates_one_that_writes_over_the_api(editor):
    client = Client()
    client.force_login(editor)
    page = client.get("/account/token/")
    assert page.status_code == 200
    assert "You have no API token yet." in page.content.decode()
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]

    created = client.post("/account/token/")
    key = _shown_key(created)
    assert Token.objects.get(user=editor).key == key
    response = _api(key).post("/api/v1/topics/", {"name": "Iraq", "slug": "iraq"})
    assert response.status_code == 201, response.content
    # Shown again on a later visit, unchanged.
    assert _shown_key(client.get("/account/token/")) == key


@pytest.mark.django_db
def test_account_token_replace_retires_the_old_token(seed, researcher):
    old = Token.objects.create(user=researcher).key
    client = Client()
    client.force_login(researcher)
    assert _shown_key(client.get("/account/token/")) == old

    replaced = client.post("/account/token/")
    new = _shown_key(replaced)
    assert new != old
    assert "the old one no longer works" in replaced.content.decode()
    assert _api(old).get("/api/v1/claims/").status_code == 401
    body = _api(new).get("/api/v1/claims/?disputed=true").json()
    assert [claim["text"] for claim in body["results"]] == [TELEGRAM_TEXT]


@pytest.mark.django_db
def test_account_token_shows_only_your_own(editor, researcher):
    theirs = Token.objects.create(user=researcher).key
    client = Client()
    client.force_login(editor)
    page = client.get("/account/token/").content.decode()
    assert theirs not in page
    mine = _shown_key(client.post("/account/token/"))
    assert mine != theirs
    assert Token.objects.get(user=researcher).key == theirs  # untouched


@pytest.mark.django_db
def test_account_token_post_needs_the_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post("/account/token/").status_code == 403
    assert not Token.objects.filter(user=editor).exists()


@pytest.mark.django_db
def test_account_token_refuses_other_methods(editor):
    client = Client()
    client.force_login(editor)
    assert client.delete("/account/token/").status_code == 405
