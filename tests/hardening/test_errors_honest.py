"""Errors mapped honestly (issue 14, items 5, 6, 9, 10, 11).

Bad input is a 4xx that says what is wrong and stores nothing; only a lost database
connection is a 503. Runs on SQLite and PostgreSQL; the index-overflow cases matter most on
PostgreSQL, where they used to come back as a 503 "database unavailable".
"""

from __future__ import annotations

import json
import random
import re

import pytest
from django.test import Client

from claims.models import Attribution, Claim, Dispute
from factcheck import limits
from sources.models import Document, Source
from tests.conftest import _user, token_client

pytestmark = pytest.mark.django_db

LISTS = ["sources", "documents", "claims", "attributions", "disputes"]
CLAIM_ORDERINGS = "dispute_count, first_reported_at, id, independent_origin_count, occurred_at, "
CLAIM_ORDERINGS += "updated_at"


@pytest.fixture
def api(seed):
    return token_client(_user("editor", "Editors", is_staff=True))


@pytest.fixture
def reader(seed):
    client = Client()
    client.force_login(_user("reader", "Researchers"))
    return client


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


ALPHABET = [chr(c) for c in range(0x4E00, 0x9FFF)] + list("abcdefghijklmnopqrstuvwxyz")


def high_entropy_text(length: int, seed: int = 14) -> str:
    """``length`` characters of random letters from two scripts: trigrams do not repeat."""
    rng = random.Random(seed)
    return "".join(rng.choices(ALPHABET, k=length))


def high_entropy_words(length: int, word: int, seed: int = 14) -> str:
    """About ``length`` characters of random ``word``-letter words: lexemes do not repeat."""
    letters = high_entropy_text(length, seed)
    return " ".join(letters[i : i + word] for i in range(0, len(letters), word + 1))


# ---------------------------------------------------------------------------- ordering


@pytest.mark.parametrize("query", ["ordering=,", "ordering=id,", "ordering=,-id", "ordering=id,,"])
def test_empty_ordering_item_on_claims_is_400_listing_allowed(api, query):
    response = api.get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400
    [message] = _json(response)["ordering"]
    assert message.startswith("Empty item in ordering")
    assert f"Allowed: {CLAIM_ORDERINGS} (prefix “-” for descending)." in message


def test_unknown_ordering_is_400_listing_allowed(api):
    response = api.get("/api/v1/claims/?ordering=nope,-id")
    assert response.status_code == 400
    assert _json(response) == {
        "ordering": [
            f"Unknown ordering “nope”. Allowed: {CLAIM_ORDERINGS} (prefix “-” for descending)."
        ]
    }


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("query", ["ordering=,", "ordering=id,", "ordering=nope"])
def test_bad_ordering_on_every_list_and_its_csv_is_400(api, name, query):
    for extra in ("", "&format=csv"):
        response = api.get(f"/api/v1/{name}/?{query}{extra}")
        assert response.status_code == 400, (name, query, extra)
        [message] = _json(response)["ordering"]
        assert "Allowed: " in message and "id" in message


def test_good_ordering_still_orders(api, seed):
    ids = [row["id"] for row in api.get("/api/v1/claims/?ordering=-id").json()["results"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 9
    spaced = api.get("/api/v1/claims/?ordering=dispute_count,%20-id").json()["results"]
    assert spaced[-1]["text"] == seed.telegram_claim.text  # the one disputed claim last
    # A wholly empty ordering is the default order, as any empty filter is "no filter".
    assert api.get("/api/v1/claims/?ordering=").status_code == 200


@pytest.mark.parametrize("query", ["ordering=,", "ordering=id,", "ordering=nope"])
def test_bad_ordering_on_disputed_report_is_400_page(reader, query):
    for extra in ("", "&format=csv"):
        response = reader.get(f"/reports/disputed/?{query}{extra}")
        assert response.status_code == 400, (query, extra)
        html = response.content.decode()
        assert "Allowed: " in html and "first_reported_at" in html


# ---------------------------------------------------------------------------- search length


def test_search_over_the_limit_is_400_naming_the_limit(api):
    response = api.get("/api/v1/claims/?search=" + "a " * 50_000)
    assert response.status_code == 400
    assert _json(response) == {
        "search": [
            f"“search” is longer than {limits.QUERY_VALUE} characters, "
            "the most a query parameter may be."
        ]
    }


@pytest.mark.parametrize("name", LISTS)
def test_long_search_on_every_list_is_400(api, name):
    response = api.get(f"/api/v1/{name}/?search=" + "x" * (limits.QUERY_VALUE + 1))
    assert response.status_code == 400
    assert "longer than 500 characters" in json.dumps(_json(response), ensure_ascii=False)


def test_search_at_the_limit_is_answered(api, seed):
    # Whole words only: PostgreSQL's websearch ANDs every word, and a cut "dr" matches nothing.
    words = ("drone " * 83).ljust(limits.QUERY_VALUE)
    assert len(words) == limits.QUERY_VALUE
    response = api.get("/api/v1/claims/?search=" + words)
    assert response.status_code == 200
    assert seed.drone_claim.text in [row["text"] for row in response.json()["results"]]


def test_long_search_on_disputed_report_is_400_page(reader):
    response = reader.get("/reports/disputed/?search=" + "a " * 50_000)
    assert response.status_code == 400
    assert "longer than 500 characters" in response.content.decode()


# ---------------------------------------------------------------------------- text size limits

LIMIT_MESSAGE = "Ensure this value has at most {limit} characters (it has {length})."


def test_high_entropy_claim_text_is_400_not_503(api):
    # 5 KB of text whose trigrams all differ: its GiST index row would be about 15 KB on
    # PostgreSQL, past the 8,191-byte maximum (a 503 "database unavailable" before).
    text = high_entropy_text(5_000)
    response = api.post("/api/v1/claims/", {"text": text}, format="json")
    assert response.status_code == 400
    assert _json(response)["text"] == [LIMIT_MESSAGE.format(limit=limits.CLAIM_TEXT, length=5_000)]
    assert not Claim.objects.filter(text__startswith=text[:50]).exists()


def test_claim_text_at_the_limit_is_stored_on_both_databases(api):
    text = high_entropy_text(limits.CLAIM_TEXT, seed=15)
    response = api.post("/api/v1/claims/", {"text": text}, format="json")
    assert response.status_code == 201, response.content[:500]
    assert Claim.objects.get(pk=response.json()["id"]).text == text


def test_huge_hop_quote_is_400_naming_the_field_and_limit(api, seed):
    # About 700 KB: its tsvector overflowed PostgreSQL's 1 MB (a 503 before).
    quote = high_entropy_words(700_000, 7)
    hops = Attribution.objects.filter(claim=seed.telegram_claim).count()
    response = api.post(
        "/api/v1/attributions/",
        {"claim": seed.telegram_claim.pk, "source": "reuters", "quote": quote},
        format="json",
    )
    assert response.status_code == 400
    assert _json(response)["quote"] == [
        LIMIT_MESSAGE.format(limit=limits.HOP_QUOTE, length=len(quote))
    ]
    assert Attribution.objects.filter(claim=seed.telegram_claim).count() == hops


@pytest.mark.parametrize(
    ("url", "field", "limit"),
    [
        ("/api/v1/claims/", "verdict_explanation", limits.CLAIM_VERDICT_EXPLANATION),
        ("/api/v1/claims/", "location", limits.CLAIM_LOCATION),
        ("/api/v1/sources/", "description", limits.SOURCE_DESCRIPTION),
        ("/api/v1/sources/", "name", limits.SOURCE_NAME),
        ("/api/v1/documents/", "title", limits.DOCUMENT_TITLE),
        ("/api/v1/documents/", "author", limits.DOCUMENT_AUTHOR),
    ],
)
def test_text_over_its_limit_is_400_on_every_resource(api, url, field, limit):
    body = {
        "/api/v1/claims/": {"text": "A claim"},
        "/api/v1/sources/": {"name": "Limit Agency", "kind": "other"},
        "/api/v1/documents/": {"title": "A report", "kind": "article"},
    }[url]
    body[field] = "x" * (limit + 1)
    response = api.post(url, body, format="json")
    assert response.status_code == 400, response.content[:300]
    [message] = _json(response)[field]
    # Django's words (a model validator) or DRF's (a CharField's max_length): the limit either way.
    assert re.search(rf"(at most|no more than) {limit} characters", message), message


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("statement", limits.DISPUTE_STATEMENT),
        ("quote", limits.DISPUTE_QUOTE),
        ("quote_translation", limits.DISPUTE_QUOTE_TRANSLATION),
        ("resolution_note", limits.DISPUTE_RESOLUTION_NOTE),
    ],
)
def test_dispute_text_over_its_limit_is_400(api, seed, field, limit):
    before = Dispute.objects.count()
    body = {"claim": seed.drone_claim.pk, "disputed_by": "kataib-hezbollah", "kind": "denial"}
    body[field] = "y" * (limit + 1)
    response = api.post("/api/v1/disputes/", body, format="json")
    assert response.status_code == 400
    assert f"at most {limit} characters" in _json(response)[field][0]
    assert Dispute.objects.count() == before


def test_document_url_over_its_byte_limit_is_400(api):
    # 600 four-byte letters: within 1,000 characters, but 2,400 bytes would not fit the
    # unique B-tree index (2,704 bytes at most with its overhead) on PostgreSQL.
    url = "https://example.org/" + "𠀀" * 600
    response = api.post(
        "/api/v1/documents/", {"title": "Wide", "kind": "article", "url": url}, format="json"
    )
    assert response.status_code == 400
    assert f"at most {limits.DOCUMENT_URL_BYTES} bytes in UTF-8" in _json(response)["url"][0]
    assert not Document.objects.filter(title="Wide").exists()


def test_full_clean_enforces_the_limits(seed):
    from django.core.exceptions import ValidationError

    claim = Claim(text="z" * (limits.CLAIM_TEXT + 1))
    with pytest.raises(ValidationError) as raised:
        claim.full_clean(exclude=["topics"])
    assert raised.value.message_dict["text"] == [
        LIMIT_MESSAGE.format(limit=limits.CLAIM_TEXT, length=limits.CLAIM_TEXT + 1)
    ]
    hop = Attribution(claim=seed.drone_claim, source=seed.source("reuters"), note="n" * 5_001)
    with pytest.raises(ValidationError) as raised:
        hop.full_clean(exclude=["cites", "is_origin"], validate_constraints=False)
    assert "note" in raised.value.message_dict
    source = Source(name="S", kind="other", description="d" * (limits.SOURCE_DESCRIPTION + 1))
    with pytest.raises(ValidationError) as raised:
        source.full_clean()
    assert "description" in raised.value.message_dict


def test_admin_claim_form_refuses_text_over_the_limit(seed):
    from django.urls import reverse

    from tests.claims.test_admin import add_page_data, form_errors

    staff = Client()
    staff.force_login(_user("desk", "Editors", is_staff=True))
    text = high_entropy_text(limits.CLAIM_TEXT + 1, seed=3)
    response = staff.post(reverse("admin:claims_claim_add"), add_page_data(staff, text=text))
    assert response.status_code == 200
    assert f"at most {limits.CLAIM_TEXT} characters" in form_errors(response)
    assert not Claim.objects.filter(text=text).exists()


def test_search_document_stays_searchable_with_many_long_quotes(api, seed):
    # Forty hops with quotes at their limit: 800,000 characters of words, more than a
    # tsvector holds. The stored document is capped, so the writes and a search succeed.
    claim = seed.telegram_claim
    for n in range(40):
        quote = high_entropy_words(limits.HOP_QUOTE, 4, seed=n)
        response = api.post(
            "/api/v1/attributions/",
            {"claim": claim.pk, "source": "reuters", "quote": quote, "quote_translation": quote},
            format="json",
        )
        assert response.status_code == 201, (n, response.content[:300])
    claim.refresh_from_db()
    assert len(claim.search_document) == limits.SEARCH_DOCUMENT
    found = api.get("/api/v1/claims/?search=withdrawal").json()["results"]
    assert claim.text in [row["text"] for row in found]


# ---------------------------------------------------------------------------- database errors


def _database_error(write):
    """The exception the real database raises for ``write``, rolled back."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            write()
    except DatabaseError as exc:
        return exc
    raise AssertionError("the database accepted the write")


def test_duplicate_name_reaching_the_database_is_409_not_500(seed):
    from factcheck.middleware import classify

    exc = _database_error(lambda: Source.objects.create(name="REUTERS", slug="reuters-2"))
    failure = classify(exc)
    assert failure.status == 409 and not failure.retry
    assert failure.detail.startswith("The change breaks a rule of the stored data:")


def test_index_overflow_reaching_postgresql_is_400_not_503(seed):
    from django.db import connection

    from factcheck.middleware import classify

    if connection.vendor != "postgresql":
        pytest.skip("the trigram GiST index exists on PostgreSQL only")
    # Past validation (an update() writes directly), as a bug or a bulk tool might.
    text = high_entropy_text(5_000, seed=5)
    exc = _database_error(lambda: Claim.objects.filter(pk=seed.drone_claim.pk).update(text=text))
    failure = classify(exc)
    assert failure.status == 400 and not failure.retry
    assert "too large for the database" in failure.detail
    assert "8191" in failure.detail or "maximum" in failure.detail


def test_lost_connection_is_still_503_with_retry_after():
    from django.db import OperationalError

    from factcheck.middleware import classify

    failure = classify(OperationalError("server closed the connection unexpectedly"))
    assert (failure.status, failure.retry) == (503, True)


# ---------------------------------------------------------------------------- detail parameters


def test_unknown_parameter_on_detail_is_400(api, seed):
    response = api.get(f"/api/v1/claims/{seed.drone_claim.pk}/?foo=1")
    assert response.status_code == 400
    assert _json(response) == {
        "foo": ["Unknown query parameter “foo”. Known parameters: as_of, format."]
    }


def test_misspelt_parameter_on_similar_is_400(api, seed):
    response = api.get(f"/api/v1/claims/{seed.drone_claim.pk}/similar/?limt=3")
    assert response.status_code == 400
    assert _json(response) == {
        "limt": ["Unknown query parameter “limt”. Known parameters: format, limit."]
    }
    ok = api.get(f"/api/v1/claims/{seed.drone_claim.pk}/similar/?limit=3&format=json")
    assert ok.status_code == 200 and len(ok.json()) <= 3


def test_documented_detail_parameters_are_accepted(api, seed):
    pk = seed.drone_claim.pk
    assert api.get(f"/api/v1/claims/{pk}/?as_of=2024-04-23").json()["id"] == pk
    assert api.get(f"/api/v1/claims/{pk}/?format=csv").status_code == 200
    assert api.get("/api/v1/sources/reuters/?format=json").json()["slug"] == "reuters"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/sources/reuters/?as_of=2024-04-23", "/api/v1/documents/{doc}/?x=1"],
)
def test_unknown_parameter_on_other_details_is_400(api, seed, url):
    url = url.format(doc=Document.objects.order_by("pk").first().pk)
    response = api.get(url)
    assert response.status_code == 400
    assert list(_json(response)) in (["as_of"], ["x"])


def test_unknown_parameter_on_a_write_is_400_and_changes_nothing(api, seed):
    pk = seed.drone_claim.pk
    response = api.patch(f"/api/v1/claims/{pk}/?dry_run=1", {"location": "Anbar"}, format="json")
    assert response.status_code == 400
    assert "dry_run" in _json(response)
    assert Claim.objects.get(pk=pk).location != "Anbar"


# ---------------------------------------------------------------------------- 404 / 405 / 500


@pytest.mark.parametrize(
    "url", ["/api/v1/", "/api/v1/claims/0.5/", "/api/v1/nothing/", "/api/", "/api/v2/claims/"]
)
def test_unrouted_api_path_is_json_404(api, url):
    response = api.get(url)
    assert response.status_code == 404
    assert _json(response) == {"detail": "Not found."}


def test_wrong_method_under_api_is_json_405_with_allow(api, seed):
    response = api.delete("/api/v1/schema/")
    assert response.status_code == 405
    assert "detail" in _json(response) and "DELETE" in response.json()["detail"]
    response = api.post("/api/v1/docs/", {})
    assert response.status_code == 405
    assert "POST" in _json(response)["detail"]
    assert "GET" in response["Allow"]


def test_unknown_report_page_is_the_site_404_with_navigation(reader):
    response = reader.get("/reports/nothing-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'href="/reports/disputed/"' in html and "/reports/nothing-here/" in html
    assert "Signed in as <strong>reader</strong>" in html  # the site's header, not a bare page


def test_missing_claim_page_is_the_site_404(reader):
    response = reader.get("/reports/claims/999999/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_server_error_page_has_navigation_and_needs_no_database(django_assert_num_queries):
    from django.test import RequestFactory

    from factcheck.urls import server_error

    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/reports/disputed/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and 'href="/reports/sources/"' in html
    api = server_error(RequestFactory().get("/api/v1/claims/"))
    assert (api.status_code, json.loads(api.content)) == (
        500,
        {"detail": "A server error occurred."},
    )


# ---------------------------------------------------------------------------- invalid UTF-8


def test_form_body_with_invalid_utf8_is_400_and_stores_nothing(api):
    response = api.generic(
        "POST",
        "/api/v1/claims/",
        b"text=Caf\xe9 statement&location=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    detail = _json(response)["detail"]
    assert detail.startswith("The request body is not valid UTF-8: byte 0xe9 at position 8")
    assert not Claim.objects.filter(text__startswith="Caf").exists()


def test_json_body_with_invalid_utf8_is_400_saying_so(api):
    response = api.generic(
        "POST", "/api/v1/claims/", b'{"text": "\xff\xfe bad"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert "not valid UTF-8" in _json(response)["detail"]
    assert not Claim.objects.filter(text__contains="bad").exists()


def test_declared_latin1_form_body_is_read_as_latin1(api):
    response = api.generic(
        "POST",
        "/api/v1/claims/",
        b"text=Caf\xe9 au lait",
        content_type="application/x-www-form-urlencoded; charset=iso-8859-1",
    )
    assert response.status_code == 201, response.content
    assert Claim.objects.get(pk=response.json()["id"]).text == "Café au lait"


def test_admin_form_with_invalid_utf8_is_400_page(seed):
    from django.urls import reverse

    staff = Client()
    staff.force_login(_user("desk2", "Editors", is_staff=True))
    before = Claim.objects.count()
    response = staff.generic(
        "POST",
        reverse("admin:claims_claim_add"),
        b"text=bad\xc3(&_save=Save",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The request body is not valid UTF-8" in html and 'href="/reports/disputed/"' in html
    assert Claim.objects.count() == before
