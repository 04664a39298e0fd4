"""Writes through the API go through the services: same rules, same messages as the admin."""

import pytest

from claims import services
from claims.models import Attribution, Claim
from sources.models import Source

from .conftest import DRONE, JET, TELEGRAM, TELEGRAM_CHAIN

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------- claims


def test_claim_detail_has_the_design_shape(seed, researcher_api):
    claim = seed.telegram_claim
    body = researcher_api.get(f"/api/v1/claims/{claim.pk}/").json()

    # The stored document's keys, in the design's order on both databases: the document is
    # kept as the text written (factcheck.jsontext), not re-ordered by jsonb.
    assert list(body) == [
        "id", "text", "occurred_at", "location", "topics", "verdict", "verdict_explanation",
        "credibility", "suggested_credibility", "suggested_credibility_reason", "reviewed_by",
        "reviewed_at", "first_reported_at", "is_disputed", "dispute_count", "origins",
        "independent_origin_count", "relay_count", "single_origin_echo", "echo_origin",
        "circular_reporting", "authorship_contested", "attributions", "chains", "disputes",
        "reviews", "sources", "documents", "as_of", "created_at", "updated_at", "refreshing",
    ]  # fmt: skip
    assert body["refreshing"] is False  # nothing pending (issue 13)
    assert body["sources"]["reuters"] == {
        "name": "Reuters", "kind": "news_agency", "is_anonymous": False, "reliability": "F",
        "url": "", "family": Source.objects.get(slug="reuters").pk, "affiliation": "",
        "affiliated_with": None, "affiliated_with_name": None,
    }  # fmt: skip
    hops = {hop["source"]: hop for hop in body["attributions"]}
    telegram, reuters, antiwar = (
        hops["telegram-channel-affiliated-with-kataib-hezbollah"],
        hops["reuters"],
        hops["antiwarcom"],
    )
    assert telegram["cites"] == [] and telegram["is_origin"] and telegram["relation"] == "asserts"
    assert reuters["cites"] == [telegram["id"]] and reuters["relation"] == "paraphrases"
    assert antiwar["cites"] == [reuters["id"]]
    assert antiwar["quote"].startswith("Reuters initially reported")
    assert set(telegram) == {
        "id", "source", "document", "cites", "relation", "quote", "quote_language",
        "quote_translation", "stated_at", "note", "is_origin", "authorship_contested", "circular",
    }  # fmt: skip
    assert body["chains"] == [
        {
            "hops": [telegram["id"], reuters["id"], antiwar["id"]],
            "sources": [
                "telegram-channel-affiliated-with-kataib-hezbollah",
                "reuters",
                "antiwarcom",
            ],
            "label": TELEGRAM_CHAIN,
            # The Telegram channel cannot be judged (F): the chain is only as strong as it.
            "weakest_reliability": "F",
            "weakest_hop": telegram["id"],
            "truncated": False,
        }
    ]
    [dispute] = body["disputes"]
    assert dispute["disputed_by"] == "kataib-hezbollah"
    assert dispute["kind"] == "authorship_denial"
    assert dispute["target"] == telegram["id"]
    assert dispute["quote"] == "fabricated news"
    assert dispute["resolution"] == "open"
    assert body["origins"] == ["telegram-channel-affiliated-with-kataib-hezbollah"]
    assert body["is_disputed"] is True and body["dispute_count"] == 1
    assert body["first_reported_at"] == "2024-04-22"
    assert body["credibility"] == 6 and body["reviewed_by"] is None
    assert body["topics"] == ["attacks-on-us-forces-in-iraq-and-syria", "us-withdrawal-from-iraq"]


def test_claim_list_has_the_same_shape_as_detail(seed, researcher_api):
    claim = seed.telegram_claim
    listed = researcher_api.get("/api/v1/claims/?disputed=true").json()["results"][0]
    detail = researcher_api.get(f"/api/v1/claims/{claim.pk}/").json()
    assert listed == detail


def test_claim_with_two_origins_has_two_chains(seed, researcher_api):
    body = researcher_api.get(f"/api/v1/claims/{seed.drone_claim.pk}/").json()
    assert body["origins"] == ["us-officials", "iraqi-officials"]
    assert [chain["label"] for chain in body["chains"]] == [
        "US officials → Reuters → Antiwar.com",
        "Iraqi officials → Reuters → Antiwar.com",
    ]


def test_create_claim_with_chain_lines_makes_the_hops(seed, editor_api):
    response = editor_api.post(
        "/api/v1/claims/",
        {
            "text": "A second drone struck the base",
            "occurred_at": "2024-04-21",
            "topics": ["attacks-on-us-forces-in-iraq-and-syria"],
            "credibility": 3,
            "chain_lines": "US officials + Iraqi officials → Reuters → Antiwar.com",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert "chain_lines" not in body
    assert body["origins"] == ["us-officials", "iraqi-officials"]
    assert [chain["label"] for chain in body["chains"]] == [
        "US officials → Reuters → Antiwar.com",
        "Iraqi officials → Reuters → Antiwar.com",
    ]
    assert [hop["relation"] for hop in body["attributions"]] == [
        "asserts", "asserts", "paraphrases", "paraphrases",
    ]  # fmt: skip
    assert body["credibility"] == 3 and body["occurred_at"] == "2024-04-21"
    assert body["verdict"] == "unrated" and body["reviewed_by"] is None
    assert Claim.objects.get(pk=body["id"]).attributions.count() == 4


def test_create_claim_with_unknown_source_in_chain_saves_nothing(seed, editor_api):
    before = Claim.objects.count()
    response = editor_api.post(
        "/api/v1/claims/",
        {"text": "Half a claim", "chain_lines": "Reuter → Antiwar.com"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "chain_lines": [
            "Line 1: No source “Reuter”. Did you mean: Reuters (reuters)? To create it, give "
            "its kind in brackets: “Reuter [official]”."
        ]
    }
    assert Claim.objects.count() == before


def test_create_claim_with_verdict_records_the_reviewer(seed, editor_api):
    response = editor_api.post(
        "/api/v1/claims/",
        {"text": "Checked claim", "verdict": "false", "verdict_explanation": "No such base."},
        format="json",
    )
    body = response.json()
    assert response.status_code == 201, body
    assert body["verdict"] == "false"
    assert body["verdict_explanation"] == "No such base."
    assert body["reviewed_by"] == "editor"
    assert body["reviewed_at"] is not None


def test_patch_verdict_records_reviewer_but_other_edits_do_not(seed, editor_api):
    url = f"/api/v1/claims/{seed.claim(JET).pk}/"

    located = editor_api.patch(url, {"location": "Iraq"}, format="json").json()
    assert located["location"] == "Iraq" and located["reviewed_by"] is None

    rated = editor_api.patch(
        url, {"verdict": "unverifiable", "verdict_explanation": "Place not given."}, format="json"
    ).json()
    assert rated["verdict"] == "unverifiable"
    assert rated["reviewed_by"] == "editor" and rated["reviewed_at"]
    assert rated["location"] == "Iraq"


def test_patch_claim_chain_lines_adds_hops_reusing_existing_ones(seed, editor_api):
    claim = seed.claim(JET)
    response = editor_api.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"chain_lines": "Pentagon official → Stars and Stripes → Reuters"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert sorted(chain["label"] for chain in response.json()["chains"]) == [
        "Pentagon official → Stars and Stripes → Antiwar.com",
        "Pentagon official → Stars and Stripes → Reuters",
    ]
    assert claim.attributions.count() == 4


def test_delete_claim_removes_its_hops_and_disputes(seed, editor_api):
    claim = seed.telegram_claim
    response = editor_api.delete(f"/api/v1/claims/{claim.pk}/")
    assert response.status_code == 204
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert not Attribution.objects.filter(claim_id=claim.pk).exists()


def test_put_of_a_fetched_claim_is_accepted(seed, editor_api):
    url = f"/api/v1/claims/{seed.drone_claim.pk}/"
    body = editor_api.get(url).json()
    body["location"] = "Anbar province"
    response = editor_api.put(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["location"] == "Anbar province"


# ---------------------------------------------------------------------------- hops


def test_add_hop_relays_by_default_and_updates_claim(seed, editor_api):
    claim = seed.claim(JET)
    stripes = claim.attributions.get(source__slug="stars-and-stripes")
    response = editor_api.post(
        "/api/v1/attributions/",
        {
            "claim": claim.pk,
            "source": "reuters",
            "cites": [stripes.pk],
            "quote": "a fighter jet struck a launcher",
            "stated_at": "2024-04-20",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    hop = response.json()
    assert hop["relation"] == "paraphrases" and hop["is_origin"] is False
    assert hop["cites"] == [stripes.pk]
    claim_body = editor_api.get(f"/api/v1/claims/{claim.pk}/").json()
    assert claim_body["first_reported_at"] == "2024-04-20"
    assert "Pentagon official → Stars and Stripes → Reuters" in [
        chain["label"] for chain in claim_body["chains"]
    ]


def test_add_origin_hop_asserts_by_default(seed, editor_api):
    response = editor_api.post(
        "/api/v1/attributions/",
        {"claim": seed.drone_claim.pk, "source": "pentagon-official"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["relation"] == "asserts"
    assert response.json()["is_origin"] is True


def test_hop_cannot_cite_a_hop_of_another_claim(seed, editor_api):
    other = seed.telegram_claim.attributions.get(source__slug="reuters")
    response = editor_api.post(
        "/api/v1/attributions/",
        {"claim": seed.drone_claim.pk, "source": "antiwarcom", "cites": [other.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "cites": [
            f"Hop #{other.pk} belongs to claim #{other.claim_id}; a hop may cite only hops "
            f"of its own claim (#{seed.drone_claim.pk})."
        ]
    }


def test_hop_citing_its_own_descendant_is_a_cycle(seed, editor_api):
    claim = seed.telegram_claim
    origin = claim.attributions.get(
        source__slug="telegram-channel-affiliated-with-kataib-hezbollah"
    )
    last = claim.attributions.get(source__slug="antiwarcom")
    response = editor_api.patch(
        f"/api/v1/attributions/{origin.pk}/", {"cites": [last.pk]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "cites": [
            f"Citing #{last.pk} would make hop #{origin.pk} cite itself through a loop; "
            "provenance cannot go in circles."
        ]
    }


def test_origin_hop_must_assert(seed, editor_api):
    response = editor_api.post(
        "/api/v1/attributions/",
        {"claim": seed.drone_claim.pk, "source": "reuters", "relation": "quotes"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "relation": [
            "A hop that cites nothing is an origin and asserts in its own voice; choose "
            "'asserts' or name the hops it cites."
        ]
    }


def test_hop_cannot_move_to_another_claim(seed, editor_api):
    hop = seed.telegram_claim.attributions.get(source__slug="antiwarcom")
    response = editor_api.patch(
        f"/api/v1/attributions/{hop.pk}/", {"claim": seed.drone_claim.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "claim": [
            f"A hop cannot move to another claim (it belongs to claim #{hop.claim_id}); "
            f"delete it and add a new one to claim #{seed.drone_claim.pk}."
        ]
    }


def test_delete_of_a_cited_hop_is_409_listing_what_cites_it(seed, editor_api):
    claim = seed.telegram_claim
    reuters = claim.attributions.get(source__slug="reuters")
    antiwar = claim.attributions.get(source__slug="antiwarcom")
    response = editor_api.delete(f"/api/v1/attributions/{reuters.pk}/")
    assert response.status_code == 409
    assert response.json()["references"] == [f"hop #{antiwar.pk} (cites it)"]
    assert response.json()["detail"].startswith("Cannot delete hop")


def test_unknown_source_slug_in_body_is_400(seed, editor_api):
    response = editor_api.post(
        "/api/v1/attributions/",
        {"claim": seed.drone_claim.pk, "source": "nobody"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"source": ["No source “nobody”."]}


# ---------------------------------------------------------------------------- disputes


def test_record_and_reject_a_dispute_updates_is_disputed(seed, editor_api):
    claim = seed.claim(JET)
    created = editor_api.post(
        "/api/v1/disputes/",
        {
            "claim": claim.pk,
            "disputed_by": "kataib-hezbollah",
            "kind": "contradiction",
            "quote": "no launcher was hit",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["resolution"] == "open"
    claim_url = f"/api/v1/claims/{claim.pk}/"
    assert editor_api.get(claim_url).json()["is_disputed"] is True

    rejected = editor_api.patch(
        f"/api/v1/disputes/{created.json()['id']}/", {"resolution": "rejected"}, format="json"
    )
    assert rejected.status_code == 200
    body = editor_api.get(claim_url).json()
    assert body["is_disputed"] is False and body["dispute_count"] == 1


def test_dispute_kind_defaults_to_denial(seed, editor_api):
    response = editor_api.post(
        "/api/v1/disputes/",
        {"claim": seed.drone_claim.pk, "disputed_by": "iraqi-officials"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "denial"


def test_dispute_target_must_be_a_hop_of_its_claim(seed, editor_api):
    hop = seed.telegram_claim.attributions.get(source__slug="reuters")
    drone = seed.drone_claim
    response = editor_api.post(
        "/api/v1/disputes/",
        {"claim": drone.pk, "disputed_by": "kataib-hezbollah", "kind": "denial", "target": hop.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "target": [
            f"Hop #{hop.pk} belongs to claim #{hop.claim_id}, not to claim #{drone.pk}; "
            "a dispute can contest only a hop of its own claim."
        ]
    }


def test_dispute_bad_kind_is_400_naming_the_field(seed, editor_api):
    response = editor_api.post(
        "/api/v1/disputes/",
        {"claim": seed.drone_claim.pk, "disputed_by": "reuters", "kind": "rebuttal"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "kind": [
            "“rebuttal” is not a valid choice. Allowed values: denial, authorship_denial, "
            "contradiction, retraction, correction, fact_check."
        ]
    }


# ---------------------------------------------------------------------------- sources


def test_create_source_makes_slug_and_takes_affiliation_by_slug(seed, editor_api):
    response = editor_api.post(
        "/api/v1/sources/",
        {
            "name": "Harakat al-Nujaba",
            "kind": "armed_group",
            "affiliated_with": "popular-mobilization-forces",
            "affiliation": "part_of",
            "country": "iq",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "harakat-al-nujaba"
    assert body["affiliated_with"] == "popular-mobilization-forces"
    assert body["country"] == "IQ"
    # The new member of the PMF family is found by source_family at once.
    assert Source.objects.get(slug="harakat-al-nujaba").affiliated_with.slug == (
        "popular-mobilization-forces"
    )


def test_duplicate_source_name_is_400(seed, editor_api):
    response = editor_api.post(
        "/api/v1/sources/", {"name": "reuters", "kind": "news_agency"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["A source with this name already exists."]}


def test_affiliation_without_partner_is_400(seed, editor_api):
    response = editor_api.patch(
        "/api/v1/sources/reuters/", {"affiliation": "part_of"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Give both the source this one is affiliated with and how, or neither."
        ]
    }


def test_delete_of_a_referenced_source_is_409_listing_references(seed, editor_api):
    response = editor_api.delete("/api/v1/sources/stars-and-stripes/")
    assert response.status_code == 409
    body = response.json()
    jet = seed.claim(JET)
    hop = jet.attributions.get(source__slug="stars-and-stripes")
    assert body["detail"].startswith(
        "Cannot delete source “Stars and Stripes”: still referenced by"
    )
    assert f"hop #{hop.pk} of claim #{jet.pk}" in body["references"]
    assert any(ref.startswith("document “Stars and Stripes report") for ref in body["references"])
    assert Source.objects.filter(slug="stars-and-stripes").exists()


def test_delete_of_a_referenced_document_is_409(seed, editor_api):
    article = seed.source("antiwarcom").documents.get()
    response = editor_api.delete(f"/api/v1/documents/{article.pk}/")
    assert response.status_code == 409
    assert response.json()["detail"].startswith(
        "Cannot delete document “US Bases in Iraq and Syria Come Under Rocket and Drone Attack"
    )
    assert len(response.json()["references"]) >= 9


def test_unknown_body_field_is_400_naming_it(seed, editor_api):
    response = editor_api.post(
        "/api/v1/sources/", {"name": "Al Mayadeen", "reliabilty": "B"}, format="json"
    )
    assert response.status_code == 400
    [message] = response.json()["reliabilty"]
    assert message.startswith("Unknown field “reliabilty”. Writable fields: slug, name, kind")


def test_missing_and_mistyped_fields_are_400_by_name(seed, editor_api):
    response = editor_api.post(
        "/api/v1/claims/", {"credibility": "seven", "occurred_at": "yesterday"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["text"] == ["This field is required."]
    assert body["credibility"] == [
        "“seven” is not a valid choice. Allowed values: 1, 2, 3, 4, 5, 6."
    ]
    assert body["occurred_at"][0].startswith("Date has wrong format.")


def test_source_put_of_fetched_body_round_trips(seed, editor_api):
    body = editor_api.get("/api/v1/sources/kataib-hezbollah/").json()
    body["reliability"] = "D"
    response = editor_api.put("/api/v1/sources/kataib-hezbollah/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["reliability"] == "D"
    assert response.json()["affiliated_with"] == "popular-mobilization-forces"


# ---------------------------------------------------------------------------- topics


def test_topic_reached_by_slug_or_id(seed, editor_api):
    created = editor_api.post("/api/v1/topics/", {"name": "Drone warfare"}, format="json").json()
    assert created["slug"] == "drone-warfare"
    by_slug = editor_api.get("/api/v1/topics/drone-warfare/")
    by_id = editor_api.get(f"/api/v1/topics/{created['id']}/")
    assert by_slug.json() == by_id.json() == created
    assert editor_api.get("/api/v1/topics/99999/").status_code == 404


def test_deleting_a_topic_unfiles_its_claims(seed, editor_api):
    response = editor_api.delete("/api/v1/topics/us-withdrawal-from-iraq/")
    assert response.status_code == 204
    body = editor_api.get(f"/api/v1/claims/{seed.telegram_claim.pk}/").json()
    assert body["topics"] == ["attacks-on-us-forces-in-iraq-and-syria"]


# ---------------------------------------------------------------------------- If-Match


def test_stale_if_match_is_412_and_fresh_one_writes(seed, editor_api):
    url = f"/api/v1/claims/{seed.claim(DRONE).pk}/"
    etag = editor_api.get(url)["ETag"]
    assert etag.startswith('"')

    fresh = editor_api.patch(url, {"location": "Anbar"}, format="json", HTTP_IF_MATCH=etag)
    assert fresh.status_code == 200
    stale = editor_api.patch(url, {"location": "Baghdad"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["detail"].startswith("The object changed since you read it")
    assert editor_api.get(url).json()["location"] == "Anbar"


def test_etag_changes_when_a_hop_is_added(seed, editor, editor_api):
    claim = seed.claim(TELEGRAM)
    url = f"/api/v1/claims/{claim.pk}/"
    before = editor_api.get(url)["ETag"]
    services.attribution_add(claim=claim, source=seed.source("stars-and-stripes"))
    assert editor_api.get(url)["ETag"] != before
    response = editor_api.delete(url, HTTP_IF_MATCH=before)
    assert response.status_code == 412
