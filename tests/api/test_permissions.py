"""Who may do what: anonymous → 401, researchers read (403 on writes), editors write."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from claims import services
from sources import services as source_services
from tests.conftest import token_client

from .conftest import TELEGRAM

pytestmark = pytest.mark.django_db


@dataclass
class Resource:
    list_url: str
    detail_url: str
    create_body: dict
    patch_body: dict
    delete_url: str  # an object nothing rests on


def resource(name: str, seed) -> Resource:
    """URLs and bodies for one resource, on top of the seed article."""
    telegram = seed.telegram_claim
    drone = seed.drone_claim
    if name == "sources":
        spare = source_services.source_create(name="Spare outlet", kind="news_outlet")
        return Resource(
            "/api/v1/sources/",
            "/api/v1/sources/reuters/",
            {"name": "Al Mayadeen", "kind": "news_outlet"},
            {"reliability": "B"},
            f"/api/v1/sources/{spare.slug}/",
        )
    if name == "documents":
        spare = source_services.document_create(title="Spare report")
        article = seed.source("antiwarcom").documents.get()
        return Resource(
            "/api/v1/documents/",
            f"/api/v1/documents/{article.pk}/",
            {"title": "Follow-up report", "publisher": "reuters", "published_at": "2024-04-23"},
            {"author": "Staff"},
            f"/api/v1/documents/{spare.pk}/",
        )
    if name == "claims":
        spare = services.claim_create(text="Spare claim")
        return Resource(
            "/api/v1/claims/",
            f"/api/v1/claims/{telegram.pk}/",
            {"text": "A new claim", "chain_lines": "Reuters → Antiwar.com"},
            {"location": "Iraq"},
            f"/api/v1/claims/{spare.pk}/",
        )
    if name == "attributions":
        reuters_hop = drone.attributions.get(source__slug="reuters")
        spare = services.attribution_add(
            claim=services.claim_create(text="Spare claim"), source=seed.source("reuters")
        )
        return Resource(
            "/api/v1/attributions/",
            f"/api/v1/attributions/{reuters_hop.pk}/",
            {"claim": drone.pk, "source": "stars-and-stripes", "cites": [reuters_hop.pk]},
            {"note": "Checked against the wire copy."},
            f"/api/v1/attributions/{spare.pk}/",
        )
    if name == "disputes":
        dispute = telegram.disputes.get()
        spare = services.dispute_record(
            claim=drone, disputed_by=seed.source("iraqi-officials"), kind="denial"
        )
        return Resource(
            "/api/v1/disputes/",
            f"/api/v1/disputes/{dispute.pk}/",
            {"claim": drone.pk, "disputed_by": "kataib-hezbollah", "kind": "contradiction"},
            {"resolution_note": "Still open."},
            f"/api/v1/disputes/{spare.pk}/",
        )
    assert name == "topics"
    spare = services.topic_create(name="Spare topic")
    return Resource(
        "/api/v1/topics/",
        "/api/v1/topics/us-withdrawal-from-iraq/",
        {"name": "Drone warfare"},
        {"name": "US troop withdrawal from Iraq"},
        f"/api/v1/topics/{spare.slug}/",
    )


RESOURCES = ["sources", "documents", "claims", "attributions", "disputes", "topics"]


@pytest.mark.parametrize("name", RESOURCES)
def test_anonymous_gets_401_for_reads_and_writes(seed, name):
    res = resource(name, seed)
    client = APIClient()
    responses = [
        client.get(res.list_url),
        client.get(res.detail_url),
        client.post(res.list_url, res.create_body, format="json"),
        client.patch(res.detail_url, res.patch_body, format="json"),
        client.put(res.detail_url, res.patch_body, format="json"),
        client.delete(res.delete_url),
    ]
    for response in responses:
        assert response.status_code == 401, (response.request, response.content)
        assert response.json() == {"detail": "Authentication credentials were not provided."}
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("name", RESOURCES)
def test_researcher_reads_but_may_not_write(seed, researcher_api, name):
    res = resource(name, seed)

    listed = researcher_api.get(res.list_url)
    detail = researcher_api.get(res.detail_url)
    assert listed.status_code == 200
    assert listed.json()["count"] >= 1
    assert detail.status_code == 200
    assert detail.json()["id"]

    writes = [
        researcher_api.post(res.list_url, res.create_body, format="json"),
        researcher_api.patch(res.detail_url, res.patch_body, format="json"),
        researcher_api.put(res.detail_url, res.patch_body, format="json"),
        researcher_api.delete(res.delete_url),
    ]
    for response in writes:
        assert response.status_code == 403, (response.request, response.content)
        assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert researcher_api.get(res.delete_url).status_code == 200  # still there


@pytest.mark.parametrize("name", RESOURCES)
def test_editor_reads_and_writes(seed, editor_api, name):
    res = resource(name, seed)

    assert editor_api.get(res.list_url).status_code == 200
    assert editor_api.get(res.detail_url).status_code == 200

    created = editor_api.post(res.list_url, res.create_body, format="json")
    assert created.status_code == 201, created.content
    for key, value in res.create_body.items():
        if key != "chain_lines":
            assert created.json()[key] == value

    patched = editor_api.patch(res.detail_url, res.patch_body, format="json")
    assert patched.status_code == 200, patched.content
    for key, value in res.patch_body.items():
        assert patched.json()[key] == value

    deleted = editor_api.delete(res.delete_url)
    assert deleted.status_code == 204, deleted.content
    assert editor_api.get(res.delete_url).status_code == 404


def test_session_login_reads_like_a_token(seed, researcher):
    client = APIClient()
    client.force_login(researcher)
    response = client.get("/api/v1/claims/?disputed=true")
    assert response.status_code == 200
    assert [c["text"] for c in response.json()["results"]] == [TELEGRAM]


def test_bad_token_is_401_naming_the_problem(seed):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    response = client.get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_inactive_user_token_is_refused(seed, researcher):
    client = token_client(researcher)
    researcher.is_active = False
    researcher.save()
    response = client.get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_a_users_permissions_are_the_stock_backends_read_in_one_query(editor, researcher):
    """``factcheck.backends.ModelBackend`` answers as Django's own backend does: own and
    group permissions together, none for an inactive user, all for a superuser; in one
    query where the stock backend takes two."""
    from django.contrib.auth import backends as stock
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from factcheck.backends import ModelBackend

    User = get_user_model()
    researcher.user_permissions.add(Permission.objects.get(codename="add_topic"))
    inactive = User.objects.create_user("gone", password="pw-gone", is_active=False)
    inactive.user_permissions.add(Permission.objects.get(codename="add_topic"))
    root = User.objects.create_superuser("root2", password="pw-root2")
    for user in (editor, researcher, inactive, root):
        fresh = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as ran:
            ours = ModelBackend().get_all_permissions(fresh)
            again = ModelBackend().get_all_permissions(fresh)  # cached on the user
        assert again == ours
        assert len(ran.captured_queries) == (1 if user.is_active else 0)
        assert ours == stock.ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
    assert "claims.add_claim" in ModelBackend().get_all_permissions(editor)
    assert "claims.add_topic" in ModelBackend().get_all_permissions(researcher)
    assert "claims.add_claim" not in ModelBackend().get_all_permissions(researcher)
    assert ModelBackend().get_all_permissions(inactive) == set()
    assert len(ModelBackend().get_all_permissions(root)) == Permission.objects.count()
