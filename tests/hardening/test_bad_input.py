"""Bad input sweep: every hostile or unusual input is a 4xx with a message or an exact round trip.

Never a 500. Runs on SQLite and PostgreSQL (which rejects NUL in text: those must be 400s
before they reach it).
"""

import csv
import io
import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from claims import services
from claims.models import Attribution, Claim
from tests.claims.test_admin import add_page_data, form_errors
from tests.conftest import _user, token_client

pytestmark = pytest.mark.django_db

SQLISH = "Robert'); DROP TABLE claims_claim; -- \" OR 1=1 /*"
HTMLISH = '<script>alert("x")</script><img src=x onerror=alert(1)> & <b>bold</b>'
ARABIC = "«هذه أخبار ملفقة» قالت كتائب حزب الله ‏— بيان 🚫📢 👩🏽‍💻"


@pytest.fixture
def api(seed):
    return token_client(_user("editor", "Editors", is_staff=True))


@pytest.fixture
def staff(api):
    client = Client()
    client.force_login(_user("editor2", "Editors", is_staff=True))
    return client


def _message(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.dumps(response.json(), ensure_ascii=False)


# ---------------------------------------------------------------------------- sizes, shapes


def test_oversized_json_body_is_413_with_a_message(api):
    body = json.dumps({"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = api.generic("POST", "/api/v1/claims/", body, content_type="application/json")
    assert response.status_code == 413
    assert "larger than 2097152 bytes" in _message(response)
    assert not Claim.objects.filter(text__startswith="xxxx").exists()


def test_oversized_form_body_is_413_with_a_message(api, seed):
    body = "text=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    url = f"/api/v1/claims/{seed.telegram_claim.pk}/"
    response = api.generic("PATCH", url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "larger than" in _message(response)


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"text":' * 20_000 + '"x"' + "}" * 20_000],
    ids=["arrays", "objects"],
)
def test_deeply_nested_json_is_400(api, body):
    response = api.generic("POST", "/api/v1/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in _message(response)


def test_invalid_utf8_body_is_400(api):
    response = api.generic(
        "POST", "/api/v1/claims/", b'{"text": "\xff\xfe bad"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert "The request body is not valid UTF-8: byte 0xff at position 10" in _message(response)


def test_invalid_utf8_query_string_is_a_clean_answer(api, staff):
    # Undecodable bytes become U+FFFD: a search that finds nothing, or an unknown parameter.
    search = api.get("/api/v1/claims/?search=%ff%fe")
    assert search.status_code == 200 and search.json()["count"] == 0
    unknown = api.get("/api/v1/claims/?%ff=1")
    assert unknown.status_code == 400
    assert "Unknown query parameter “\ufffd”" in _message(unknown)
    report = staff.get("/reports/disputed/?search=%ff%fe")
    assert report.status_code == 200


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("page=-1", 400, "pages start at 1"),
        ("page=0", 400, "pages start at 1"),
        ("page=abc", 400, "pages start at 1"),
        ("page=99999999999999999999999", 404, "Invalid page"),
        ("page_size=-5", 400, "page_size must be from 1 to 500, not -5"),
        ("page_size=0", 400, "page_size must be from 1 to 500, not 0"),
        ("page_size=99999999999999999999", 400, "page_size must be from 1 to 500"),
        ("page_size=1e3", 400, "is not a whole number"),
    ],
)
def test_paging_out_of_range_is_4xx_with_message(api, query, status, message):
    response = api.get(f"/api/v1/claims/?{query}")
    assert response.status_code == status
    assert message in _message(response)


def test_unknown_format_is_400_listing_the_formats(api):
    response = api.get("/api/v1/claims/?format=xml")
    assert response.status_code == 400
    assert "Unknown format “xml”; use one of: csv, json." in _message(response)


# ---------------------------------------------------------------------------- NUL bytes


def test_nul_in_api_text_is_400(api):
    response = api.post("/api/v1/claims/", {"text": "before\x00after"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"text": ["Null characters are not allowed."]}
    response = api.post("/api/v1/sources/", {"name": "Nul\x00Agency", "kind": "other"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in _message(response)


def test_nul_in_filters_is_400(api):
    for query in ("search=a%00b", "topic=%00"):
        response = api.get(f"/api/v1/claims/?{query}")
        assert response.status_code == 400, query
        assert "Null characters are not allowed." in _message(response)
    # A source is named by slug or name, through the one resolver, which says why.
    response = api.get("/api/v1/claims/?source=a%00b")
    assert response.status_code == 400
    assert response.json() == {"source": ["A source reference cannot contain a NUL character."]}


def test_nul_in_report_filter_is_not_a_500(staff):
    response = staff.get("/reports/disputed/?search=a%00b")
    assert response.status_code in (200, 400)


def test_nul_in_admin_form_is_a_form_error(staff):
    data = add_page_data(staff, text="before\x00after")
    response = staff.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "Null characters are not allowed." in form_errors(response)
    assert not Claim.objects.filter(text__startswith="before").exists()


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("text", [SQLISH, HTMLISH, ARABIC], ids=["sql", "html", "arabic"])
def test_text_round_trips_through_the_api(api, text):
    created = api.post("/api/v1/claims/", {"text": text, "location": text}, format="json")
    assert created.status_code == 201, created.content
    read = api.get(f"/api/v1/claims/{created.json()['id']}/").json()
    assert read["text"] == text and read["location"] == text
    assert Claim.objects.get(pk=read["id"]).text.encode() == text.encode()


def test_arabic_quote_round_trips_on_a_hop(api, seed):
    claim = seed.telegram_claim
    response = api.post(
        "/api/v1/attributions/",
        {"claim": claim.pk, "source": "kataib-hezbollah", "quote": ARABIC, "quote_language": "ar"},
        format="json",
    )
    assert response.status_code == 201, response.content
    hop = api.get(f"/api/v1/attributions/{response.json()['id']}/").json()
    assert hop["quote"] == ARABIC
    assert Attribution.objects.get(pk=hop["id"]).quote == ARABIC


def test_text_round_trips_through_the_csv_export(api):
    claim = services.claim_create(text=ARABIC + " " + HTMLISH)
    response = api.get("/api/v1/claims/?format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body)))
    texts = [row[rows[0].index("text")] for row in rows[1:]]
    assert claim.text in texts


def test_admin_form_stores_text_verbatim_and_shows_it_escaped(staff):
    text = f"{ARABIC} {HTMLISH} {SQLISH}"
    data = add_page_data(staff, text=text, location=ARABIC)
    response = staff.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302, form_errors(response)
    claim = Claim.objects.get(location=ARABIC)
    assert claim.text == text

    page = staff.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert ARABIC in page


def test_reports_show_text_escaped_and_arabic_intact(staff, seed):
    claim = seed.telegram_claim
    services.claim_update(claim, text=f"{HTMLISH} {ARABIC}")
    page = staff.get(f"/reports/claims/{claim.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert ARABIC in html
    disputed = staff.get("/reports/disputed/").content.decode()
    assert ARABIC in disputed and '<script>alert("x")' not in disputed
