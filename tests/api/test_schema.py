"""OpenAPI: the schema validates and documents every filter; the docs page is served locally."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from openapi_spec_validator import validate

from claims.filtersets import ClaimFilterSet
from factcheck.filters import BooleanFilter, MultipleChoiceFilter
from factcheck.moments import MOMENT_FILTER_SCHEMA

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(researcher_api) -> dict:
    response = researcher_api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_schema_lists_every_resource(schema):
    paths = set(schema["paths"])
    for name in ("sources", "documents", "claims", "attributions", "disputes", "topics"):
        assert f"/api/v1/{name}/" in paths
    assert "/api/v1/sources/{slug}/" in paths
    assert "/api/v1/claims/{id}/" in paths
    assert "/api/v1/topics/{slug}/" in paths


def test_schema_documents_every_claim_filter_with_type_and_choices(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"]}
    for name, filter_ in ClaimFilterSet.base_filters.items():
        assert name in parameters, name
        param_schema = parameters[name]["schema"]
        if isinstance(filter_, MultipleChoiceFilter):
            assert param_schema["type"] == "array", name
            choices = [value for value, _ in filter_.extra["choices"]]
            enum = param_schema["items"]["enum"]
            assert sorted(map(str, enum)) == sorted(map(str, choices)), name
        elif isinstance(filter_, BooleanFilter):
            assert param_schema["type"] == "boolean", name
        elif "choices" in filter_.extra and name != "ordering":
            assert sorted(param_schema["enum"]) == sorted(v for v, _ in filter_.extra["choices"])
        assert parameters[name].get("description"), name
    # A date or a date-time with an offset (factcheck.moments).
    assert parameters["reported_after"]["schema"] == MOMENT_FILTER_SCHEMA
    assert parameters["credibility"]["schema"]["items"] == {
        "type": "integer",
        "enum": [1, 2, 3, 4, 5, 6],
    }
    assert parameters["origin_kind"]["schema"]["enum"][:1] == ["armed_group"]
    assert parameters["source"]["schema"] == {"type": "string"}
    assert parameters["source"]["description"] == "Any hop by this source (slug or name)."
    ordering = parameters["ordering"]["schema"]["items"]["enum"]
    for field in ("first_reported_at", "occurred_at", "dispute_count", "updated_at", "id"):
        assert field in ordering and f"-{field}" in ordering
    for paging in ("page", "page_size", "format"):
        assert paging in parameters


def test_schema_types_the_derived_claim_fields(schema):
    claim = schema["components"]["schemas"]["Claim"]["properties"]
    assert claim["origins"]["type"] == "array"
    assert claim["origins"]["items"]["type"] == "string"
    assert claim["chains"]["type"] == "array"
    assert claim["chains"]["items"] == {"$ref": "#/components/schemas/Chain"}
    chain = schema["components"]["schemas"]["Chain"]["properties"]
    assert chain["hops"] == {
        "type": "array",
        "items": {"type": "integer"},
        "description": "Hop ids.",
    }
    assert claim["reviewed_by"]["nullable"] is True
    assert "chain_lines" not in claim
    written = schema["components"]["schemas"]["ClaimRequest"]["properties"]
    assert written["chain_lines"]["type"] == "string"
    assert "origins" not in written and "reviewed_by" not in written
    assert claim["attributions"]["items"] == {"$ref": "#/components/schemas/ClaimHop"}


def test_schema_documents_error_responses(schema):
    claims = schema["paths"]["/api/v1/claims/"]
    detail = schema["paths"]["/api/v1/claims/{id}/"]
    assert {"200", "400", "401"} <= set(claims["get"]["responses"])
    assert {"201", "400", "401", "403"} <= set(claims["post"]["responses"])
    assert {"204", "401", "403", "404", "409", "412"} <= set(detail["delete"]["responses"])
    refused = detail["delete"]["responses"]["409"]["content"]["application/json"]["schema"]
    assert refused == {"$ref": "#/components/schemas/ReferencedError"}


def test_schema_declares_token_auth(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "apiKey"
    assert schemes["tokenAuth"]["name"] == "Authorization"


def test_docs_page_uses_only_local_static_files():
    client = Client()
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page loads no assets?"
    # Swagger UI's own files come from the sidecar; its start-up script (split out so the
    # CSP can forbid inline scripts) from the docs view itself.
    for url in urls:
        assert url.startswith(("/static/drf_spectacular_sidecar/", "/api/v1/docs/?script=")), url
    assert not remote_addresses(html)
    script = client.get("/api/v1/docs/?script=").content.decode()
    assert "SwaggerUIBundle" in script
    assert '"/api/v1/schema/"' in script
    assert not remote_addresses(script)


def remote_addresses(text: str) -> list[str]:
    """Addresses of other hosts in ``text`` (absolute or protocol-relative URLs). Looking
    for the letters "cdn" anywhere failed a CI run: the script carries a random CSRF token,
    which happened to spell them."""
    return re.findall(r"(?:https?:)?//[a-z0-9-]+(?:\.[a-z0-9-]+)+", text.lower())


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_docs_static_assets_are_served_by_the_app():
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    response = Client().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"SwaggerUIBundle" in body
