"""Times of day over the API (issue 15, item 4; DESIGN.md "Times").

The seed story's Telegram claim entered with date-times: Reuters relays at 09:00 UTC, Kataib
Hezbollah denies authorship at 18:00 UTC (21:00 in Baghdad). Every moment reads back as given,
a day as a day and a time in UTC; ``as_of``, the ``reported_*`` and ``published_*`` filters
and the ordering by ``first_reported_at`` use the time where it is known.
"""

import pytest
from django.test import Client

from claims.models import Claim

STORY = "Telegram statement on resumed attacks, entered with times of day"


def _ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def story(seed, editor_api):
    """The Telegram story, entered over the API: claim, three hops, one denial."""
    claim = _ok(editor_api.post("/api/v1/claims/", {"text": STORY}, format="json"), 201)
    telegram = _ok(
        editor_api.post(
            "/api/v1/attributions/",
            {
                "claim": claim["id"],
                "source": "telegram-channel-affiliated-with-kataib-hezbollah",
                # The article gives no time for the channel's post, nor its day.
            },
            format="json",
        ),
        201,
    )
    reuters = _ok(
        editor_api.post(
            "/api/v1/attributions/",
            {
                "claim": claim["id"],
                "source": "reuters",
                "cites": [telegram["id"]],
                "stated_at": "2024-04-22T09:00:00Z",
            },
            format="json",
        ),
        201,
    )
    antiwar = _ok(
        editor_api.post(
            "/api/v1/attributions/",
            {
                "claim": claim["id"],
                "source": "antiwarcom",
                "cites": [reuters["id"]],
                "stated_at": "2024-04-22",
            },
            format="json",
        ),
        201,
    )
    denial = _ok(
        editor_api.post(
            "/api/v1/disputes/",
            {
                "claim": claim["id"],
                "disputed_by": "kataib-hezbollah",
                "kind": "authorship_denial",
                "target": telegram["id"],
                "quote": "fabricated news",
                # Baghdad time; kept as the same instant in UTC.
                "stated_at": "2024-04-22T21:00:00+03:00",
            },
            format="json",
        ),
        201,
    )
    return {
        "claim": claim["id"],
        "telegram": telegram["id"],
        "reuters": reuters["id"],
        "antiwar": antiwar["id"],
        "denial": denial["id"],
    }


def test_story_entered_with_times_reads_back_with_those_times(story, researcher_api):
    body = _ok(researcher_api.get(f"/api/v1/claims/{story['claim']}/"))
    stated = {hop["id"]: hop["stated_at"] for hop in body["attributions"]}
    assert stated == {
        story["telegram"]: None,
        story["reuters"]: "2024-04-22T09:00:00Z",
        story["antiwar"]: "2024-04-22",
    }
    [denial] = body["disputes"]
    assert denial["stated_at"] == "2024-04-22T18:00:00Z"
    # Earliest moment: the day-only hop counts from the start of its day, before 09:00.
    assert body["first_reported_at"] == "2024-04-22"
    hop = _ok(researcher_api.get(f"/api/v1/attributions/{story['reuters']}/"))
    assert hop["stated_at"] == "2024-04-22T09:00:00Z"
    dispute = _ok(researcher_api.get(f"/api/v1/disputes/{story['denial']}/"))
    assert dispute["stated_at"] == "2024-04-22T18:00:00Z"


def test_first_reported_at_is_the_time_when_every_hop_is_timed(story, editor_api):
    _ok(
        editor_api.patch(
            f"/api/v1/attributions/{story['antiwar']}/",
            {"stated_at": "2024-04-22T14:30:00Z"},
            format="json",
        )
    )
    body = _ok(editor_api.get(f"/api/v1/claims/{story['claim']}/"))
    assert body["first_reported_at"] == "2024-04-22T09:00:00Z"
    assert Claim.objects.get(pk=story["claim"]).first_reported_at == "2024-04-22T09:00:00Z"


def test_as_of_noon_shows_the_reuters_hop_but_not_the_denial(story, researcher_api):
    url = f"/api/v1/claims/{story['claim']}/"
    noon = _ok(researcher_api.get(url, {"as_of": "2024-04-22T12:00:00Z"}))
    assert story["reuters"] in [hop["id"] for hop in noon["attributions"]]
    assert noon["disputes"] == []
    assert noon["dispute_count"] == 0
    assert noon["is_disputed"] is False
    evening = _ok(researcher_api.get(url, {"as_of": "2024-04-22T18:00:00Z"}))
    assert [d["id"] for d in evening["disputes"]] == [story["denial"]]
    # A date means its whole day, so the 18:00 denial is in.
    whole_day = _ok(researcher_api.get(url, {"as_of": "2024-04-22"}))
    assert [d["id"] for d in whole_day["disputes"]] == [story["denial"]]
    # An offset is honoured: 20:00 in Baghdad is 17:00 UTC, before the denial.
    baghdad = _ok(researcher_api.get(url, {"as_of": "2024-04-22T20:00:00+03:00"}))
    assert baghdad["disputes"] == []


def test_as_of_before_the_first_report_is_404(story, researcher_api):
    response = researcher_api.get(
        f"/api/v1/claims/{story['claim']}/", {"as_of": "2024-04-21T23:59:59Z"}
    )
    assert response.status_code == 404, response.content


def test_as_of_list_filters_and_shows_that_moment(story, researcher_api):
    body = _ok(researcher_api.get("/api/v1/claims/", {"as_of": "2024-04-22T12:00:00Z"}))
    [entry] = [c for c in body["results"] if c["id"] == story["claim"]]
    assert entry["disputes"] == []
    assert story["reuters"] in [hop["id"] for hop in entry["attributions"]]


def test_report_page_as_of_noon_shows_the_reuters_hop_but_not_the_denial(story, researcher):
    client = Client()
    client.force_login(researcher)
    url = f"/reports/claims/{story['claim']}/"
    noon = client.get(url, {"as_of": "2024-04-22T12:00:00Z"})
    assert noon.status_code == 200
    html = noon.content.decode()
    assert "Reuters" in html
    assert 'datetime="2024-04-22T09:00:00Z"' in html
    assert "2024-04-22 09:00 UTC" in html
    assert "fabricated news" not in html
    assert 'data-as-of="2024-04-22T12:00:00Z"' in html
    evening = client.get(url, {"as_of": "2024-04-22T18:00:00Z"}).content.decode()
    assert "fabricated news" in evening
    assert 'datetime="2024-04-22T18:00:00Z"' in evening
    today = client.get(url).content.decode()
    assert "fabricated news" in today


def test_report_page_with_a_naive_as_of_is_400_saying_to_give_an_offset(story, researcher):
    client = Client()
    client.force_login(researcher)
    response = client.get(f"/reports/claims/{story['claim']}/", {"as_of": "2024-04-22T12:00"})
    assert response.status_code == 400
    assert "offset" in response.content.decode()


def test_stated_at_with_a_time_is_accepted(seed, editor_api):
    hop = seed.telegram_claim.attributions.get(source__slug="reuters")
    body = _ok(
        editor_api.patch(
            f"/api/v1/attributions/{hop.pk}/", {"stated_at": "2024-01-28T17:00:00Z"}, format="json"
        )
    )
    assert body["stated_at"] == "2024-01-28T17:00:00Z"
    hop.refresh_from_db()
    assert hop.stated_at == "2024-01-28T17:00:00Z"
    assert hop.stated_at.precision == "time"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/attributions/", "stated_at"),
        ("/api/v1/disputes/", "stated_at"),
        ("/api/v1/documents/", "published_at"),
        ("/api/v1/documents/", "retrieved_at"),
    ],
)
def test_naive_date_time_in_a_body_is_400_naming_the_field(seed, editor_api, url, field):
    claim = seed.telegram_claim
    bodies = {
        "/api/v1/attributions/": {"claim": claim.pk, "source": "reuters"},
        "/api/v1/disputes/": {"claim": claim.pk, "disputed_by": "kataib-hezbollah"},
        "/api/v1/documents/": {"title": "A report without an offset"},
    }
    before = Claim.objects.get(pk=claim.pk).attributions.count()
    response = editor_api.post(url, {**bodies[url], field: "2024-04-22T18:00:00"}, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    [message] = errors[field]
    assert "offset" in message and "2024-04-22T18:00:00" in message
    assert claim.attributions.count() == before


@pytest.mark.parametrize("value", ["22/04/2024", "2024-04-31", "2024-04-22T25:00:00Z", "tomorrow"])
def test_bad_moment_in_a_body_is_400_with_the_accepted_forms(seed, editor_api, value):
    hop = seed.telegram_claim.attributions.get(source__slug="reuters")
    response = editor_api.patch(
        f"/api/v1/attributions/{hop.pk}/", {"stated_at": value}, format="json"
    )
    assert response.status_code == 400, response.content
    [message] = response.json()["stated_at"]
    assert value in message
    hop.refresh_from_db()
    assert hop.stated_at == "2024-04-22"


def test_existing_seed_dates_read_back_as_days(seed, researcher_api):
    body = _ok(researcher_api.get(f"/api/v1/claims/{seed.telegram_claim.pk}/"))
    assert body["first_reported_at"] == "2024-04-22"
    assert {hop["stated_at"] for hop in body["attributions"]} <= {"2024-04-22", None}
    assert body["disputes"][0]["stated_at"] == "2024-04-22"
    documents = _ok(researcher_api.get("/api/v1/documents/", {"publisher": "antiwarcom"}))
    assert [d["published_at"] for d in documents["results"]] == ["2024-04-22"]


# ---------------------------------------------------------------------------- filters, order


@pytest.fixture
def same_day(seed, editor_api):
    """Three claims first reported on 2024-04-22: day only, at 09:00 and at 18:00 UTC."""
    ids = {}
    for label, moment in [
        ("day", "2024-04-22"),
        ("morning", "2024-04-22T09:00:00Z"),
        ("evening", "2024-04-22T21:00:00+03:00"),
    ]:
        claim = _ok(
            editor_api.post("/api/v1/claims/", {"text": f"Same-day claim, {label}"}, format="json"),
            201,
        )
        _ok(
            editor_api.post(
                "/api/v1/attributions/",
                {"claim": claim["id"], "source": "reuters", "stated_at": moment},
                format="json",
            ),
            201,
        )
        ids[label] = claim["id"]
    return ids


def _ids(api, **params):
    body = _ok(api.get("/api/v1/claims/", {"page_size": 500, **params}))
    return [claim["id"] for claim in body["results"]]


def test_ordering_puts_day_only_first_then_09_then_18(same_day, researcher_api):
    wanted = [same_day["day"], same_day["morning"], same_day["evening"]]
    ascending = [
        pk
        for pk in _ids(researcher_api, ordering="first_reported_at", reported_after="2024-04-22")
        if pk in wanted
    ]
    assert ascending == wanted
    descending = [pk for pk in _ids(researcher_api, ordering="-first_reported_at") if pk in wanted]
    assert descending == wanted[::-1]
    # The default order (newest first) follows the same rule.
    default = [pk for pk in _ids(researcher_api) if pk in wanted]
    assert default == wanted[::-1]


def test_reported_before_a_date_includes_that_whole_day(same_day, researcher_api):
    found = set(_ids(researcher_api, reported_before="2024-04-22", reported_after="2024-04-22"))
    assert set(same_day.values()) <= found


def test_reported_before_a_time_excludes_later_that_day(same_day, researcher_api):
    found = set(_ids(researcher_api, reported_before="2024-04-22T12:00:00Z"))
    assert same_day["day"] in found and same_day["morning"] in found
    assert same_day["evening"] not in found


def test_reported_after_a_time_excludes_earlier_and_day_only(same_day, researcher_api):
    found = set(_ids(researcher_api, reported_after="2024-04-22T12:00:00Z"))
    assert found == {same_day["evening"]}
    # An offset moves the bound: 09:00 in Baghdad is 06:00 UTC, so 09:00 UTC is after it.
    found = set(_ids(researcher_api, reported_after="2024-04-22T09:00:00+03:00"))
    assert found == {same_day["morning"], same_day["evening"]}


@pytest.mark.parametrize("name", ["reported_after", "reported_before", "as_of"])
def test_naive_date_time_in_a_filter_is_400_naming_it(seed, researcher_api, name):
    response = researcher_api.get("/api/v1/claims/", {name: "2024-04-22T12:00:00"})
    assert response.status_code == 400, response.content
    [message] = response.json()[name]
    assert "offset" in message


def test_document_published_at_keeps_its_time_and_filters_by_it(seed, editor_api):
    created = _ok(
        editor_api.post(
            "/api/v1/documents/",
            {
                "title": "Wire flash at dawn",
                "publisher": "reuters",
                "published_at": "2024-04-22T07:15:00+03:00",
                "retrieved_at": "2024-04-23T10:00Z",
            },
            format="json",
        ),
        201,
    )
    assert created["published_at"] == "2024-04-22T04:15:00Z"
    assert created["retrieved_at"] == "2024-04-23T10:00:00Z"

    def titles(**params):
        body = _ok(editor_api.get("/api/v1/documents/", {"publisher": "reuters", **params}))
        return [d["title"] for d in body["results"]]

    assert "Wire flash at dawn" in titles(published_before="2024-04-22T05:00:00Z")
    assert "Wire flash at dawn" not in titles(published_before="2024-04-22T04:00:00Z")
    assert "Wire flash at dawn" in titles(published_after="2024-04-22T04:15:00Z")
    # Reuters's day-only report of the same day sorts before the dawn flash.
    assert titles(ordering="published_at")[:2] == [
        "Reuters report on rocket and drone attacks on US bases in Iraq and Syria",
        "Wire flash at dawn",
    ]


def test_schema_describes_moments_as_a_date_or_a_date_time(seed, researcher_api):
    response = researcher_api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    hop = schema["components"]["schemas"]["Attribution"]["properties"]["stated_at"]
    assert hop["example"] == "2024-04-22T18:00:00Z"
    assert "offset" in hop["description"]
