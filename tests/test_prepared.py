"""``factcheck.prepared``: a QuerySet compiled once, run with new values, answers as the
QuerySet would, with the ORM's conversions; the API token check and a claim's stored
document go through it."""

import json
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token

from claims import projection, selectors, services
from claims.models import Claim
from factcheck.prepared import Prepared
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def test_rows_answer_as_the_queryset_for_each_value():
    first = services.claim_create(text="First claim")
    second = services.claim_create(text="Second claim")
    built = []

    def build(pk):
        built.append(pk)
        return Claim.objects.filter(pk=pk).values_list("text", "is_disputed", "created_at")

    prepared = Prepared(build, -1)
    for claim in (first, second, first):
        expected = list(build(claim.pk))
        assert prepared.rows(claim.pk) == expected
        # Converted as the ORM converts: a bool (SQLite stores 0/1), an aware date-time.
        text, disputed, created = prepared.rows(claim.pk)[0]
        assert text == claim.text and disputed is False and created.tzinfo is not None
    assert prepared.rows(10**12) == []
    # Compiled once, with the marker (the other builds were this test's own ``expected``).
    assert built.count(-1) == 1


def test_a_marker_that_is_not_exactly_one_parameter_is_refused():
    prepared = Prepared(lambda pk: Claim.objects.filter(pk=pk, dispute_count=pk), 0)
    with pytest.raises(ValueError, match="2 times"):
        prepared.rows(1)


def test_each_thread_compiles_for_its_own_connection(transactional_db):
    claim = services.claim_create(text="Seen from two threads")
    prepared = Prepared(lambda pk: Claim.objects.filter(pk=pk).values_list("text"), -1)
    seen = []

    def read():
        seen.append(prepared.rows(claim.pk))
        connection.close()

    assert prepared.rows(claim.pk) == [("Seen from two threads",)]
    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert seen == [[("Seen from two threads",)]]


def test_stored_document_is_the_served_document():
    claim = services.claim_create(text="A claim with a hop")
    services.attribution_add(claim=claim, source=SourceFactory(name="Wire"))
    stored = selectors.stored_document(claim.pk)
    [served] = selectors.served_texts(selectors.document_rows(Claim.objects.filter(pk=claim.pk)))
    assert stored == served
    assert '"text":"A claim with a hop"' in stored.replace(": ", ":")
    assert selectors.stored_document(claim.pk + 1000) is None
    # Ids no bigint holds: no claim, not an overflow (SQLite) or a DataError (PostgreSQL).
    assert selectors.stored_document(2**63) is None
    assert selectors.stored_document(10**20) is None
    assert selectors.stored_document(0) is None


def test_the_token_check_gives_the_user_and_token(client):
    user = get_user_model().objects.create_user("reader", password="x", first_name="Ann")
    token = Token.objects.create(user=user)
    response = client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert response.wsgi_request.user.first_name == "Ann"
    assert response.wsgi_request.auth.key == token.key
    assert response.wsgi_request.auth.user_id == user.pk
    # Loaded instances, as the ORM makes them: saved, from the default database.
    loaded = response.wsgi_request.user
    assert loaded._state.adding is False and loaded._state.db == "default"

    user.is_active = False
    user.save()
    response = client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."
    response = client.get("/api/v1/claims/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.parametrize("key", ["abc\x00def", "x" * 5000, "é" * 40, "' OR 1=1 --"])
def test_a_key_no_token_can_have_is_a_401(client, key):
    """Refused as an invalid token on either database (a NUL byte was a 500 on
    PostgreSQL)."""
    from django.core.cache import cache

    cache.clear()
    response = client.get("/api/v1/claims/", HTTP_AUTHORIZATION="Token " + key)
    assert response.status_code == 401
    # DRF's own header checks answer spaces and non-ASCII with a longer "Invalid token …".
    assert response.json()["detail"].startswith("Invalid token")


def test_a_claim_being_refreshed_is_served_marked_with_its_key_order_kept():
    claim = services.claim_create(text="A claim a job is refreshing")
    before = selectors.stored_document(claim.pk)
    projection.defer([claim.pk])
    served = selectors.stored_document(claim.pk)
    assert json.loads(served) == {**json.loads(before), "refreshing": True}
    assert list(json.loads(served)) == list(json.loads(before))  # only the value changed
    [listed] = selectors.served_texts(selectors.document_rows(Claim.objects.filter(pk=claim.pk)))
    assert listed == served
    assert selectors.stored_documents([claim.pk]) == [json.loads(served)]
