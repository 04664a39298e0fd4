"""Bad query parameters are 400s naming the parameter, never a silent 'everything'."""

import pytest

pytestmark = pytest.mark.django_db

LISTS = ["sources", "documents", "claims", "attributions", "disputes", "topics"]


@pytest.mark.parametrize("name", LISTS)
def test_unknown_parameter_on_any_list_is_400_naming_it(seed, researcher_api, name):
    response = researcher_api.get(f"/api/v1/{name}/?colour=red")
    assert response.status_code == 400
    [message] = response.json()["colour"]
    assert message.startswith("Unknown query parameter “colour”. Known parameters:")


def test_misspelt_claim_filter_is_400_listing_known_ones(seed, researcher_api):
    response = researcher_api.get("/api/v1/claims/?orgin=reuters")
    assert response.status_code == 400
    [message] = response.json()["orgin"]
    assert message.startswith("Unknown query parameter “orgin”. Known parameters:")
    assert "origin," in message and "source_family" in message


@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        (
            "verdict=maybe",
            "verdict",
            "“maybe” is not a valid choice. Allowed values: unrated, true, mostly_true, mixed, "
            "mostly_false, false, misattributed, unverifiable.",
        ),
        (
            "origin_kind=robot",
            "origin_kind",
            "“robot” is not a valid choice. Allowed values: news_agency, news_outlet, "
            "government, official, military, armed_group, social_channel, organization, "
            "fact_checker, person, other.",
        ),
        (
            "credibility=9",
            "credibility",
            "“9” is not a valid choice. Allowed values: 1, 2, 3, 4, 5, 6.",
        ),
        (
            "reported_after=2024-13-01",
            "reported_after",
            "Enter a valid date: “2024-13-01” is not a real date (month must be in 1..12).",
        ),
        ("occurred_before=last-week", "occurred_before", "Enter a valid date."),
        ("origin=nobody", "origin", "No source “nobody”."),
        ("source_family=nobody", "source_family", "No source “nobody”."),
        ("disputed_by=nobody", "disputed_by", "No source “nobody”."),
        ("topic=nothing", "topic", "No topic with the slug “nothing”."),
        ("disputed=maybe", "disputed", "“maybe” is not a boolean; use true or false."),
        (
            "ordering=popularity",
            "ordering",
            "Unknown ordering “popularity”. Allowed: dispute_count, first_reported_at, id, "
            "independent_origin_count, occurred_at, updated_at (prefix “-” for descending).",
        ),
    ],
)
def test_bad_claim_filter_value_is_400_naming_it(seed, researcher_api, query, name, message):
    response = researcher_api.get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400
    assert response.json()[name] == [message]


@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ("page_size=0", "page_size", "page_size must be from 1 to 500, not 0."),
        ("page_size=501", "page_size", "page_size must be from 1 to 500, not 501."),
        ("page_size=abc", "page_size", "“abc” is not a whole number; use 1 to 500."),
        ("page=0", "page", "“0” is not a page number; pages start at 1."),
        ("page=abc", "page", "“abc” is not a page number; pages start at 1."),
    ],
)
def test_bad_paging_is_400(seed, researcher_api, query, name, message):
    response = researcher_api.get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400
    assert response.json() == {name: [message]}


def test_page_past_the_end_is_404(seed, researcher_api):
    response = researcher_api.get("/api/v1/claims/?page=5&page_size=5")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_pagination_shape_and_links(seed, researcher_api):
    first = researcher_api.get("/api/v1/claims/?page_size=4").json()
    assert first["count"] == 9
    assert len(first["results"]) == 4
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/claims/?page=2&page_size=4")
    last = researcher_api.get("/api/v1/claims/?page=3&page_size=4").json()
    assert len(last["results"]) == 1 and last["next"] is None


def test_page_size_500_is_allowed(seed, researcher_api):
    assert researcher_api.get("/api/v1/claims/?page_size=500").status_code == 200


def test_detail_refuses_list_filters_and_answers_csv(seed, researcher_api):
    claim = seed.drone_claim
    # A list filter on a detail would be silently ignored: refused like any unknown parameter.
    refused = researcher_api.get(f"/api/v1/claims/{claim.pk}/?disputed=true")
    assert refused.status_code == 400
    assert refused.json() == {
        "disputed": ["Unknown query parameter “disputed”. Known parameters: as_of, format."]
    }
    response = researcher_api.get(f"/api/v1/claims/{claim.pk}/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_unknown_detail_is_404_json(seed, researcher_api):
    for url in ("/api/v1/claims/999999/", "/api/v1/sources/nobody/", "/api/v1/claims/abc/"):
        response = researcher_api.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found."}


def test_filter_error_with_csv_format_is_still_json(seed, researcher_api):
    response = researcher_api.get("/api/v1/claims/?format=csv&disputed=perhaps")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"disputed": ["“perhaps” is not a boolean; use true or false."]}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/sources/?kind=wizard", "kind"),
        ("/api/v1/sources/?affiliated_with=nobody", "affiliated_with"),
        ("/api/v1/documents/?published_after=soon", "published_after"),
        ("/api/v1/documents/?publisher=nobody", "publisher"),
        ("/api/v1/disputes/?resolution=maybe", "resolution"),
        ("/api/v1/attributions/?is_origin=perhaps", "is_origin"),
    ],
)
def test_bad_values_on_other_lists_are_400_naming_them(seed, researcher_api, url, name):
    response = researcher_api.get(url)
    assert response.status_code == 400
    assert list(response.json()) == [name]
