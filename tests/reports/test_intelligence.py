"""Issue 5 in the reports: independent origins, echo named with its origin, circular hop,
weakest link per chain, authorship vs claim denials, suggested credibility, and as-of."""

import datetime

import pytest

from claims import services
from claims.models import Claim
from tests.factories import AttributionFactory, ClaimFactory, DisputeFactory, SourceFactory
from tests.graphs import DAY, citation_loop, two_origins_disputed, wire_echo

from .html import claim_article, text_of, with_attribute
from .test_queries import CLAIM_QUERIES, DISPUTED_QUERIES, fetch

pytestmark = pytest.mark.django_db
DISPUTED = "/reports/disputed/"
TELEGRAM_SLUG = "telegram-channel-affiliated-with-kataib-hezbollah"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def hop_marks(article: str) -> dict:
    """source slug -> the hop box's data attributes (first box of that source)."""
    marks: dict = {}
    for mark in with_attribute(article, "data-hop-id"):
        marks.setdefault(mark["data-source-slug"], mark)
    return marks


def echo_disputed():
    graph = wire_echo(outlets=2)
    DisputeFactory(claim=graph.claim, disputed_by=SourceFactory(name="Cabinet office"))
    return graph


def test_seed_telegram_entry_shows_authorship_denied_on_the_hop(reader_client, seed):
    claim = seed.telegram_claim
    article = claim_article(page(reader_client, DISPUTED), claim.pk)
    text = text_of(article)
    marks = hop_marks(article)
    assert marks[TELEGRAM_SLUG].get("data-authorship-contested") == "true"
    assert "data-authorship-contested" not in marks["reuters"]
    assert "authorship denied by Kataib Hezbollah" in text
    assert "claim denied by" not in text
    assert "1 independent origin" in text
    [flag] = with_attribute(article, "data-flag")
    assert flag["data-flag"] == "authorship_contested"
    # The chain's weakest link is the Telegram channel (F, first of the F hops).
    [chain] = with_attribute(article, "data-weakest-reliability")
    assert chain["data-weakest-reliability"] == "F"
    assert chain["data-weakest-hop"] == marks[TELEGRAM_SLUG]["data-hop-id"]
    assert marks[TELEGRAM_SLUG].get("data-weakest") == "true"
    assert "weakest link: F at Telegram channel affiliated with Kataib Hezbollah" in text
    assert (
        "suggested credibility 6 (editor’s: 6) — 1 independent origin, all of reliability F "
        "(cannot be judged)." in text
    )


def test_echo_entry_names_the_shared_origin_and_why(reader_client):
    graph = echo_disputed()
    article = claim_article(page(reader_client, DISPUTED), graph.claim.pk)
    [flag] = with_attribute(article, "data-flag")
    assert flag["data-flag"] == "single_origin_echo"
    assert flag["data-echo-origin"] == graph.sources["official"].slug
    assert "single-origin echo 3 outlets relay one origin: A ministry official" in text_of(article)
    assert "1 independent origin" in text_of(article)


def test_circular_flag_sits_on_the_hop_where_the_chain_comes_back(reader_client):
    graph = citation_loop()
    DisputeFactory(claim=graph.claim, disputed_by=SourceFactory(name="Dam operator"))
    article = claim_article(page(reader_client, DISPUTED), graph.claim.pk)
    circular = [m["data-hop-id"] for m in with_attribute(article, "data-circular")]
    assert circular == [str(graph.hops["back"].pk)]
    assert "circular: back to the family of Metro Herald" in text_of(article)
    assert [m["data-flag"] for m in with_attribute(article, "data-flag")] == ["circular_reporting"]


def test_two_origins_and_a_claim_denial_read_apart_from_authorship(reader_client):
    graph = two_origins_disputed()
    article = claim_article(page(reader_client, DISPUTED), graph.claim.pk)
    text = text_of(article)
    assert "2 independent origins" in text
    assert "claim denied by Defence Ministry" in text
    assert "authorship denied" not in text and with_attribute(article, "data-flag") == []
    suggested = with_attribute(article, "data-suggested-credibility")[0]
    assert (suggested["data-suggested-credibility"], suggested["data-editor-credibility"]) == (
        "2",
        "6",
    )
    assert "2 independent origins rated A-C; lowered by 1 open dispute." in text
    # Each of the two chains names its own weakest link: the outlet rated C.
    weakest = with_attribute(article, "data-weakest-reliability")
    assert [m["data-weakest-reliability"] for m in weakest] == ["C", "C"]
    assert {m["data-weakest-hop"] for m in weakest} == {str(graph.hops["outlet"].pk)}


def test_report_filters_for_echo_and_independent_origins(reader_client):
    echo = echo_disputed()
    corroborated = two_origins_disputed()
    html = page(reader_client, DISPUTED + "?single_origin_echo=true")
    assert [int(m["data-claim-id"]) for m in with_attribute(html, "data-claim-id")] == [
        echo.claim.pk
    ]
    html = page(reader_client, DISPUTED + "?min_independent_origins=2")
    assert [int(m["data-claim-id"]) for m in with_attribute(html, "data-claim-id")] == [
        corroborated.claim.pk
    ]
    assert 'option value="2" selected' in html


def test_claim_page_shows_editor_and_suggested_credibility(reader_client, seed):
    html = page(reader_client, f"/reports/claims/{seed.drone_claim.pk}/")
    text = text_of(html)
    assert "Credibility (editor’s): 6: truth cannot be judged" in text
    assert "Suggested by the provenance: 6 — 2 independent origins, all of reliability F" in text
    assert "2 independent origins" in text


# ---------------------------------------------------------------------------- as of a date


def test_as_of_before_the_seed_day(reader_client, seed):
    html = page(reader_client, DISPUTED + "?as_of=2024-04-21")
    assert with_attribute(html, "data-claim-id") == []
    assert "No disputed claim matches these filters." in html
    assert 'data-as-of="2024-04-21"' in html
    page(reader_client, f"/reports/claims/{seed.telegram_claim.pk}/?as_of=2024-04-21", 404)
    html = page(reader_client, f"/reports/claims/{seed.telegram_claim.pk}/?as_of=2024-04-22")
    assert "As known on 2024-04-22" in text_of(html)
    assert "authorship denied by Kataib Hezbollah" in text_of(html)


def test_as_of_bad_date_is_a_400_with_the_message(reader_client, seed):
    html = page(reader_client, DISPUTED + "?as_of=yesterday", 400)
    assert 'data-param="as_of"' in html
    html = page(reader_client, f"/reports/claims/{seed.drone_claim.pk}/?as_of=2024-13-01", 400)
    assert 'data-param="as_of"' in html and "Enter a valid date" in html
    html = page(reader_client, DISPUTED + "?as_of=2024-04-22&format=csv", 400)
    assert "leave as_of out to download it" in html


def test_as_of_hides_a_later_hop_and_dispute_and_shows_that_days_verdict(reader_client, editor):
    claim = ClaimFactory(text="The port was closed to shipping")
    official = SourceFactory(name="Harbour master", reliability="B")
    outlet = SourceFactory(name="Coast Gazette", reliability="C")
    later = SourceFactory(name="Shipping registry", reliability="A")
    origin = AttributionFactory(claim=claim, source=official, stated_at=datetime.date(2024, 4, 1))
    AttributionFactory(claim=claim, source=outlet, cites=[origin], stated_at=DAY.replace(month=4))
    AttributionFactory(claim=claim, source=later, stated_at=datetime.date(2024, 5, 2))
    DisputeFactory(
        claim=claim,
        disputed_by=SourceFactory(name="Port authority"),
        stated_at=datetime.date(2024, 5, 3),
        quote="The port stayed open.",
    )
    first = Claim.history.filter(id=claim.pk).earliest("history_date")
    Claim.history.filter(pk=first.pk).update(
        history_date=datetime.datetime(2024, 4, 1, 9, tzinfo=datetime.UTC)
    )
    services.verdict_set(claim=claim, verdict="false", explanation="It stayed open.", user=editor)
    Claim.history.exclude(pk=first.pk).filter(id=claim.pk).update(
        history_date=datetime.datetime(2024, 5, 4, 9, tzinfo=datetime.UTC)
    )
    url = f"/reports/claims/{claim.pk}/"

    today = text_of(page(reader_client, url))
    assert "Shipping registry" in today and "The port stayed open." in today
    assert "verdict: false" in today

    then = page(reader_client, url + "?as_of=2024-04-15")
    text = text_of(then)
    assert [m["data-source-slug"] for m in with_attribute(then, "data-hop-id")] == [
        official.slug,
        outlet.slug,
    ]
    assert "Shipping registry" not in text and "The port stayed open." not in text
    assert "verdict: unrated" in text and "0 disputes" in text
    assert "1 independent origin" in text and "No dispute was on record yet." in text
    assert "A single independent origin, rated A-C." in text

    listed = page(reader_client, DISPUTED + "?as_of=2024-04-15")
    article = claim_article(listed, claim.pk)
    assert "verdict: unrated" in text_of(article)
    assert "Shipping registry" not in article


# ---------------------------------------------------------------------------- query counts


# The graph load of claims.projection (claims, hops, cites, disputes, reviews, topics,
# sources; these claims cite no document, so the documents' query is not needed) and the
# verdicts of that day.
AS_OF_EXTRA = 7 + 1


def test_disputed_report_as_of_queries_constant_for_one_or_many(
    reader_client, make_disputed, django_assert_num_queries
):
    make_disputed()
    # As of a day the page's documents are built afresh from the graphs as they stood: the
    # seven queries of a graph load plus the verdicts of that day, for the whole page at once.
    url = DISPUTED + "?as_of=2024-03-05"
    with django_assert_num_queries(DISPUTED_QUERIES + AS_OF_EXTRA):
        fetch(reader_client, url)
    for day in (2, 3, 4):
        make_disputed(day=day)
    echo_disputed()
    with django_assert_num_queries(DISPUTED_QUERIES + AS_OF_EXTRA):
        html = fetch(reader_client, url).content.decode()
    assert len(with_attribute(html, "data-claim-id")) == 5


def test_claim_page_as_of_queries_are_constant(
    reader_client, make_disputed, django_assert_num_queries
):
    claim, _ = make_disputed()
    with django_assert_num_queries(CLAIM_QUERIES + AS_OF_EXTRA):
        fetch(reader_client, f"/reports/claims/{claim.pk}/?as_of=2024-01-01")
