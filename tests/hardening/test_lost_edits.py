"""No lost edits: two editors interleave on the same claim, in the admin and over the API."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from claims.models import Claim
from tests.claims.test_admin import form_errors, formset_post_data
from tests.conftest import TELEGRAM_TEXT, _user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors(seed):
    """Two staff editors, Alice and Bob, each with their own browser session."""
    alice = _user("alice", "Editors", is_staff=True, first_name="Alice", last_name="Ames")
    bob = _user("bob", "Editors", is_staff=True, first_name="Bob", last_name="Burns")
    clients = []
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return alice, bob, *clients


def open_page(client, claim) -> tuple[dict, str]:
    """GET the claim's admin page: the data it would submit and the version it carries."""
    response = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    version = re.search(r'name="claim_version" value="([0-9a-f]+)"', response.content.decode())
    assert version, "the claim page carries no version"
    data = formset_post_data(response)
    data["claim_version"] = version.group(1)
    return data, version.group(1)


def save(client, claim, data):
    return client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)


def test_admin_second_save_is_refused_with_who_and_when(editors):
    alice, bob, alice_client, bob_client = editors
    claim = Claim.objects.get(text=TELEGRAM_TEXT)
    alice_data, _ = open_page(alice_client, claim)
    bob_data, _ = open_page(bob_client, claim)

    bob_data["location"] = "Baghdad"
    assert save(bob_client, claim, bob_data).status_code == 302

    alice_data["location"] = "Ain al-Asad"
    alice_data["verdict_explanation"] = "Alice's careful explanation"
    response = save(alice_client, claim, alice_data)

    assert response.status_code == 200
    errors = form_errors(response)
    assert "changed by Bob Burns at 20" in errors, errors
    assert "nothing was saved" in errors
    claim.refresh_from_db()
    assert claim.location == "Baghdad"
    assert claim.verdict_explanation == ""
    # Alice's input is still on the page, ready to save again.
    page = response.content.decode()
    assert "Alice&#x27;s careful explanation" in page
    assert 'value="Ain al-Asad"' in page


def test_admin_save_again_after_the_message_overwrites_on_purpose(editors):
    alice, bob, alice_client, bob_client = editors
    claim = Claim.objects.get(text=TELEGRAM_TEXT)
    alice_data, opened = open_page(alice_client, claim)
    bob_data, _ = open_page(bob_client, claim)
    bob_data["location"] = "Baghdad"
    save(bob_client, claim, bob_data)

    alice_data["location"] = "Ain al-Asad"
    refused = save(alice_client, claim, alice_data)
    fresh = re.search(r'name="claim_version" value="([0-9a-f]+)"', refused.content.decode())
    assert fresh and fresh.group(1) != opened

    alice_data["claim_version"] = fresh.group(1)
    assert save(alice_client, claim, alice_data).status_code == 302
    claim.refresh_from_db()
    assert claim.location == "Ain al-Asad"


def test_admin_refuses_when_a_hop_changed_through_the_api(editors):
    alice, bob, alice_client, _ = editors
    claim = Claim.objects.get(text=TELEGRAM_TEXT)
    alice_data, _ = open_page(alice_client, claim)
    hop = claim.attributions.get(source__slug="reuters")
    response = token_client(bob).patch(
        f"/api/v1/attributions/{hop.pk}/", {"quote": "Bob's quote"}, format="json"
    )
    assert response.status_code == 200, response.content

    alice_data["location"] = "Ain al-Asad"
    response = save(alice_client, claim, alice_data)

    assert response.status_code == 200
    assert "changed by Bob Burns" in form_errors(response)
    claim.refresh_from_db()
    hop.refresh_from_db()
    assert claim.location == ""
    assert hop.quote == "Bob's quote"


def test_admin_unchanged_claim_saves_normally(editors):
    _, _, alice_client, _ = editors
    claim = Claim.objects.get(text=TELEGRAM_TEXT)
    data, _ = open_page(alice_client, claim)
    data["location"] = "Anbar"
    assert save(alice_client, claim, data).status_code == 302
    claim.refresh_from_db()
    assert claim.location == "Anbar"


def test_api_put_with_etag_from_before_another_patch_is_412(editors):
    alice, bob, _, _ = editors
    claim = Claim.objects.get(text=TELEGRAM_TEXT)
    alice_api, bob_api = token_client(alice), token_client(bob)
    url = f"/api/v1/claims/{claim.pk}/"
    read = alice_api.get(url)
    etag = read["ETag"]

    assert bob_api.patch(url, {"location": "Baghdad"}, format="json").status_code == 200

    body = {"text": claim.text, "location": "Ain al-Asad"}
    stale = alice_api.put(url, body, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "changed since you read it" in stale.json()["detail"]
    stale_delete = alice_api.delete(url, HTTP_IF_MATCH=etag)
    assert stale_delete.status_code == 412
    claim.refresh_from_db()
    assert claim.location == "Baghdad"

    fresh = alice_api.get(url)["ETag"]
    assert fresh != etag
    done = alice_api.put(url, body, format="json", HTTP_IF_MATCH=fresh)
    assert done.status_code == 200
    assert done.json()["location"] == "Ain al-Asad"
