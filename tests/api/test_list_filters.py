"""The source, document, hop and dispute filters of DESIGN.md on the seed article."""

import pytest

pytestmark = pytest.mark.django_db


def slugs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["slug"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=official", {"us-officials", "iraqi-officials", "pentagon-official"}),
        ("kind=armed_group,social_channel", {
            "kataib-hezbollah",
            "popular-mobilization-forces",
            "telegram-channel-affiliated-with-kataib-hezbollah",
        }),
        ("is_anonymous=true", {"us-officials", "iraqi-officials", "pentagon-official"}),
        ("country=iq", {"iraqi-officials", "kataib-hezbollah", "popular-mobilization-forces"}),
        ("affiliated_with=kataib-hezbollah", {"telegram-channel-affiliated-with-kataib-hezbollah"}),
        # Name or description: the Pentagon official "spoke to Stars and Stripes".
        ("search=stripes", {"stars-and-stripes", "pentagon-official"}),
        ("reliability=A", set()),
    ],
)  # fmt: skip
def test_source_filters(seed, researcher_api, query, expected):
    assert slugs(researcher_api.get(f"/api/v1/sources/?{query}")) == expected


def test_document_filters(seed, researcher_api):
    def titles(query):
        response = researcher_api.get(f"/api/v1/documents/?{query}")
        assert response.status_code == 200, response.content
        return {row["title"].split()[0] for row in response.json()["results"]}

    assert titles("publisher=reuters") == {"Reuters"}
    assert titles("published_after=2024-04-22&published_before=2024-04-22") == {"US", "Reuters"}
    assert titles("search=DeCamp") == {"US"}
    assert titles("kind=statement") == set()


def test_dispute_filters(seed, researcher_api):
    claim = seed.telegram_claim
    for query in (
        f"claim={claim.pk}",
        "disputed_by=kataib-hezbollah",
        "kind=authorship_denial",
        "resolution=open",
    ):
        response = researcher_api.get(f"/api/v1/disputes/?{query}").json()
        assert [row["quote"] for row in response["results"]] == ["fabricated news"], query
    assert researcher_api.get("/api/v1/disputes/?kind=retraction").json()["count"] == 0


def test_hop_filters(seed, researcher_api):
    claim = seed.telegram_claim
    response = researcher_api.get(f"/api/v1/attributions/?claim={claim.pk}&is_origin=true")
    assert [row["source"] for row in response.json()["results"]] == [
        "telegram-channel-affiliated-with-kataib-hezbollah"
    ]
    relays = researcher_api.get("/api/v1/attributions/?source=stars-and-stripes").json()
    assert [row["relation"] for row in relays["results"]] == ["paraphrases"]
