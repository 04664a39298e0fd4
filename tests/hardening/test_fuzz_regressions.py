"""What `make fuzz` (scripts/fuzz.sh: schemathesis against gunicorn on PostgreSQL) found, each
pinned by the request that found it, so it stays fixed without the long run."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        # A path parameter the router's pattern refuses ("." is not in an id or slug).
        "/api/v1/claims/0.5/",
        "/api/v1/disputes/0.5/?format=csv",
        "/api/v1/sources/reuters/nothing-here/",
        # No endpoint at all.
        "/api/v1/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_routing_404_under_api_is_json(editor_api, path):
    """Found as ST105: the schema promises JSON errors, the router's 404 was an HTML page."""
    response = editor_api.put(path, {"title": "x"}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    # The same body as every other 404 of the API (factcheck.middleware, factcheck.urls).
    assert response.json() == {"detail": "Not found."}


def test_routing_404_elsewhere_stays_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
