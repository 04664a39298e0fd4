"""Names work wherever slugs do (issue 16): API bodies, every filter, new sources in one request.

Sources are referenced by slug or exact name in any case; an unknown reference is a 400 that
lists close matches; answers keep naming sources by slug. Arabic names keep their letters.
"""

from urllib.parse import quote

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Attribution, Claim, Dispute
from sources.models import Document, Source
from tests.factories import AttributionFactory, ClaimFactory, DisputeFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def houthis(db):
    """A small story entered the slow way, to filter on: Saree (Houthis) → Al Jazeera."""
    group = SourceFactory(name="Houthis (Ansar Allah)", kind="armed_group")
    saree = SourceFactory(
        name="Yahya Saree", kind="official", affiliated_with=group, affiliation="part_of"
    )
    outlet = SourceFactory(name="Al Jazeera", kind="news_outlet")
    centcom = SourceFactory(name="US Central Command", slug="centcom", kind="military")
    claim = ClaimFactory(text="Houthis say they struck a US destroyer in the Red Sea")
    origin = AttributionFactory(claim=claim, source=saree)
    AttributionFactory(claim=claim, source=outlet, cites=[origin])
    DisputeFactory(claim=claim, disputed_by=centcom, kind="denial", target=origin)
    other = ClaimFactory(text="An unrelated claim")
    AttributionFactory(claim=other, source=SourceFactory(name="Reuters", kind="news_agency"))
    return {"claim": claim, "saree": saree, "outlet": outlet, "centcom": centcom}


def claim_texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()["results"]]


# ---------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    "query",
    [
        "source=yahya-saree",
        "source=Yahya Saree",
        "source=YAHYA SAREE",
        "origin=yahya saree",
        "reported_by=Al Jazeera",
        "source_family=houthis (ansar allah)",
        "disputed_by=CENTCOM",
        "disputed_by=us central command",
    ],
)
def test_claim_filters_take_a_slug_or_a_name_in_any_case(researcher_api, houthis, query):
    response = researcher_api.get(f"/api/v1/claims/?{query}")
    assert claim_texts(response) == ["Houthis say they struck a US destroyer in the Red Sea"]


def test_unknown_source_in_filter_is_400_listing_close_matches(researcher_api, houthis):
    response = researcher_api.get("/api/v1/claims/?disputed_by=Central Command")
    assert response.status_code == 400
    assert response.json() == {
        "disputed_by": ["No source “Central Command”. Did you mean: US Central Command (centcom)?"]
    }
    misspelt = researcher_api.get("/api/v1/claims/?source=Yahya Sare")
    assert misspelt.status_code == 400
    assert "Did you mean: Yahya Saree (yahya-saree)?" in misspelt.json()["source"][0]


def test_hop_dispute_document_and_source_filters_take_names(researcher_api, houthis):
    hops = researcher_api.get("/api/v1/attributions/?source=Al Jazeera").json()["results"]
    assert [hop["source"] for hop in hops] == ["al-jazeera"]
    disputes = researcher_api.get("/api/v1/disputes/?disputed_by=Centcom").json()["results"]
    assert [d["disputed_by"] for d in disputes] == ["centcom"]
    members = researcher_api.get("/api/v1/sources/?affiliated_with=Houthis (Ansar Allah)")
    assert [s["slug"] for s in members.json()["results"]] == ["yahya-saree"]
    Document.objects.create(title="Red Sea report", publisher=houthis["outlet"])
    docs = researcher_api.get("/api/v1/documents/?publisher=AL JAZEERA").json()["results"]
    assert [d["title"] for d in docs] == ["Red Sea report"]


def test_choice_filter_error_lists_the_allowed_values(researcher_api, houthis):
    response = researcher_api.get("/api/v1/claims/?verdict=fake")
    assert response.status_code == 400
    message = response.json()["verdict"][0]
    assert "fake" in message and "mostly_false" in message and "unverifiable" in message


# ---------------------------------------------------------------------------- bodies


def test_bodies_take_names_and_answers_give_slugs(editor_api, houthis):
    hop = editor_api.post(
        "/api/v1/attributions/",
        {"claim": houthis["claim"].pk, "source": "al jazeera"},
        format="json",
    )
    assert hop.status_code == 201, hop.content
    assert hop.json()["source"] == "al-jazeera"
    source = editor_api.post(
        "/api/v1/sources/",
        {
            "name": "Houthi media office",
            "kind": "organization",
            "affiliated_with": "Houthis (Ansar Allah)",
            "affiliation": "part_of",
        },
        format="json",
    )
    assert source.status_code == 201, source.content
    assert source.json()["affiliated_with"] == "houthis-ansar-allah"
    document = editor_api.post(
        "/api/v1/documents/",
        {"title": "Statement", "publisher": "Yahya Saree", "url": "aljazeera.com/news/1"},
        format="json",
    )
    assert document.status_code == 201, document.content
    assert document.json()["publisher"] == "yahya-saree"
    assert document.json()["url"] == "https://aljazeera.com/news/1"


def test_unknown_source_in_body_is_400_and_saves_nothing(editor_api, houthis):
    before = Dispute.objects.count()
    response = editor_api.post(
        "/api/v1/disputes/",
        {"claim": houthis["claim"].pk, "disputed_by": "CENTCOMM", "kind": "denial"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "disputed_by": ["No source “CENTCOMM”. Did you mean: US Central Command (centcom)?"]
    }
    assert Dispute.objects.count() == before


def test_choice_error_in_body_lists_the_allowed_values(editor_api, houthis):
    response = editor_api.post(
        "/api/v1/disputes/",
        {"claim": houthis["claim"].pk, "disputed_by": "centcom", "kind": "deny"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["kind"] == [
        "“deny” is not a valid choice. Allowed values: denial, authorship_denial, "
        "contradiction, retraction, correction, fact_check."
    ]


def test_source_url_without_scheme_is_accepted_as_the_admin_does(editor_api):
    response = editor_api.post(
        "/api/v1/sources/",
        {"name": "Al Jazeera", "kind": "news_outlet", "url": "aljazeera.com"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["url"] == "https://aljazeera.com"
    bad = editor_api.post(
        "/api/v1/sources/", {"name": "Bad", "url": "not a url at all"}, format="json"
    )
    assert bad.status_code == 400 and "url" in bad.json()


def test_bearer_scheme_is_401_naming_the_token_scheme(editor):
    token, _ = Token.objects.get_or_create(user=editor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    response = client.get("/api/v1/sources/")
    assert response.status_code == 401
    assert "Token" in response.json()["detail"]
    assert "Authorization: Token <key>" in response.json()["detail"]


# ---------------------------------------------------------------------------- unicode slugs


def test_arabic_names_keep_their_letters_in_slugs_and_urls(editor_api):
    slugs = []
    for name in ["قناة الاختبار", "أنصار الله"]:
        response = editor_api.post(
            "/api/v1/sources/", {"name": name, "kind": "social_channel"}, format="json"
        )
        assert response.status_code == 201, response.content
        slugs.append(response.json()["slug"])
    assert slugs == ["قناة-الاختبار", "أنصار-الله"]
    detail = editor_api.get(f"/api/v1/sources/{quote(slugs[1])}/")
    assert detail.status_code == 200
    assert detail.json()["name"] == "أنصار الله"
    by_name = editor_api.get("/api/v1/sources/?search=أنصار")
    assert [s["slug"] for s in by_name.json()["results"]] == ["أنصار-الله"]


def test_slugs_given_in_capitals_are_stored_lower_case(editor_api):
    response = editor_api.post(
        "/api/v1/sources/", {"name": "US Central Command", "slug": "CENTCOM"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Source.objects.get(name="US Central Command").slug == "centcom"


def test_schema_says_sources_are_slug_or_name(researcher_api):
    schema = researcher_api.get("/api/v1/schema/?format=json").json()
    hop = schema["components"]["schemas"]["Attribution"]["properties"]["source"]
    assert hop["type"] == "string"
    assert "slug or its exact name" in hop["description"]
    params = {
        p["name"]: p
        for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"]
        if p["in"] == "query"
    }
    assert "slug or name" in params["disputed_by"]["description"]


# ---------------------------------------------------------------------------- the Houthi story

HOUTHI_CLAIM = "Houthi forces struck a US destroyer in the Red Sea"


def test_houthi_story_entered_with_names_only_in_two_requests(editor_api):
    """Issue 16's story, from no sources at all: one POST for the claim and its chain (four
    new sources), one for CENTCOM's denial (CENTCOM new, by the same bracket form)."""
    assert not Source.objects.exists()
    claim = editor_api.post(
        "/api/v1/claims/",
        {
            "text": HOUTHI_CLAIM,
            "chain_lines": "Yahya Saree [official, part of Houthis (Ansar Allah) [armed_group]]"
            " → Al Jazeera [news_outlet]",
        },
        format="json",
    )
    assert claim.status_code == 201, claim.content
    claim_id = claim.json()["id"]
    dispute = editor_api.post(
        "/api/v1/disputes/",
        {
            "claim": claim_id,
            "disputed_by": "CENTCOM [military]",
            "kind": "denial",
            "target": claim.json()["attributions"][0]["id"],
            "quote": "No US Navy ship was hit.",
        },
        format="json",
    )
    assert dispute.status_code == 201, dispute.content
    assert dispute.json()["disputed_by"] == "centcom"

    story = editor_api.get(f"/api/v1/claims/{claim_id}/").json()
    assert story["origins"] == ["yahya-saree"]
    assert [chain["label"] for chain in story["chains"]] == ["Yahya Saree → Al Jazeera"]
    assert [hop["source"] for hop in story["attributions"]] == ["yahya-saree", "al-jazeera"]
    assert story["is_disputed"] is True
    assert [(d["disputed_by"], d["kind"], d["quote"]) for d in story["disputes"]] == [
        ("centcom", "denial", "No US Navy ship was hit.")
    ]
    made = {s.name: s for s in Source.objects.select_related("affiliated_with")}
    assert sorted(made) == ["Al Jazeera", "CENTCOM", "Houthis (Ansar Allah)", "Yahya Saree"]
    assert made["Yahya Saree"].kind == "official"
    assert made["Yahya Saree"].affiliated_with == made["Houthis (Ansar Allah)"]
    assert made["Yahya Saree"].affiliation == "part_of"
    assert made["Houthis (Ansar Allah)"].kind == "armed_group"
    assert made["Al Jazeera"].kind == "news_outlet"
    assert made["CENTCOM"].kind == "military"


def test_new_sources_in_a_refused_request_are_not_kept(editor_api):
    response = editor_api.post(
        "/api/v1/claims/",
        {"text": "A claim", "chain_lines": "Yahya Saree [official] → Al Jazeera [newspaper]"},
        format="json",
    )
    assert response.status_code == 400
    assert "“newspaper” in the brackets of “Al Jazeera” is not a source kind" in str(
        response.json()["chain_lines"]
    )
    assert not Source.objects.exists() and not Claim.objects.exists()
    # The claim is valid but the dispute's claim is not: CENTCOM is not created either.
    refused = editor_api.post(
        "/api/v1/disputes/",
        {"claim": 999999, "disputed_by": "CENTCOM [military]", "kind": "denial"},
        format="json",
    )
    assert refused.status_code == 400
    assert not Source.objects.filter(name="CENTCOM").exists()


def test_bracket_that_disagrees_with_an_existing_source_is_an_error(editor_api, houthis):
    response = editor_api.post(
        "/api/v1/claims/",
        {"text": "A claim", "chain_lines": "Al Jazeera [news_agency] → Reuters"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["chain_lines"] == [
        "Line 1: “Al Jazeera” already exists and its kind is news outlet, not news_agency. "
        "Write its name without brackets to use it, or change it on its own page."
    ]
    agreeing = editor_api.post(
        "/api/v1/claims/",
        {"text": "Another claim", "chain_lines": "al jazeera [news_outlet] → Reuters"},
        format="json",
    )
    assert agreeing.status_code == 201, agreeing.content
    assert Source.objects.filter(name__iexact="al jazeera").count() == 1
    assert Attribution.objects.filter(claim_id=agreeing.json()["id"]).count() == 2


def test_references_that_cannot_name_a_source_are_400_not_500(editor_api, houthis):
    nul = editor_api.get("/api/v1/claims/", {"source": "Reu\x00ters"})
    assert nul.status_code == 400
    assert nul.json() == {"source": ["A source reference cannot contain a NUL character."]}
    # Any query value over 500 characters is refused before a filter runs (factcheck.limits);
    # a reference in a body is held to the resolver's own 400.
    long = editor_api.get("/api/v1/claims/", {"disputed_by": "x" * 5000})
    assert long.status_code == 400
    assert long.json()["disputed_by"] == [
        "“disputed_by” is longer than 500 characters, the most a query parameter may be."
    ]
    long_body = editor_api.post(
        "/api/v1/disputes/",
        {"claim": houthis["claim"].pk, "disputed_by": "x" * 450, "kind": "denial"},
        format="json",
    )
    assert long_body.status_code == 400
    assert long_body.json()["disputed_by"] == [
        "A source reference is at most 400 characters (this one has 450)."
    ]
    nested = "A [official, part of " * 8 + "Z [other" + "]" * 9
    response = editor_api.post(
        "/api/v1/disputes/",
        {"claim": houthis["claim"].pk, "disputed_by": nested, "kind": "denial"},
        format="json",
    )
    assert response.status_code == 400
    assert "nests too many brackets" in response.json()["disputed_by"][0]
    assert not Source.objects.filter(name="Z").exists()
