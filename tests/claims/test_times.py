"""Moments (``factcheck.moments``): a day or a UTC time, kept as given (issue 15, item 4).

Parsing and normalising, the order rule (a day before any time of that day), the stored
column's order on the database itself, the as-of rules in ``claims.provenance``, the admin's
input, the exports (PROV typed literals, ClaimReview, CSV) and the migrations that turn
existing dates into days.
"""

import datetime

import pytest
import rdflib
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rdflib import Graph, Literal, URIRef

from claims import projection, provenance, services
from claims.forms import HopInlineForm
from claims.models import Attribution, Claim, Dispute
from claims.standards import claimreview, w3cprov
from factcheck.moments import (
    Moment,
    MomentError,
    end_of,
    on_or_before,
    parse_moment,
    start_of,
)
from sources import services as source_services
from sources.models import Document, Source

# ---------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2024-04-22", "2024-04-22"),
        (" 2024-04-22 ", "2024-04-22"),
        (datetime.date(2024, 4, 22), "2024-04-22"),
        ("2024-04-22T18:00:00Z", "2024-04-22T18:00:00Z"),
        ("2024-04-22T18:00Z", "2024-04-22T18:00:00Z"),
        ("2024-04-22t18:00:00z".replace("t", "T"), "2024-04-22T18:00:00Z"),
        ("2024-04-22 18:00:00+00:00", "2024-04-22T18:00:00Z"),
        ("2024-04-22T21:00:00+03:00", "2024-04-22T18:00:00Z"),
        ("2024-04-22T21:00:00+0300", "2024-04-22T18:00:00Z"),
        ("2024-04-22T21:00+03", "2024-04-22T18:00:00Z"),
        ("2024-04-22T18:00:00.999999Z", "2024-04-22T18:00:00Z"),
        # An offset can move the day: 01:30 in Baghdad is the evening before in UTC.
        ("2024-04-23T01:30:00+03:00", "2024-04-22T22:30:00Z"),
        ("2024-04-22T20:00:00-05:00", "2024-04-23T01:00:00Z"),
        (datetime.datetime(2024, 4, 22, 18, tzinfo=datetime.UTC), "2024-04-22T18:00:00Z"),
        ("0999-01-01T00:00:00Z", "0999-01-01T00:00:00Z"),
    ],
)
def test_parse_moment_normalises_to_the_stored_form(given, stored):
    moment = parse_moment(given)
    assert isinstance(moment, Moment)
    assert moment == stored
    assert moment.precision == ("day" if len(stored) == 10 else "time")
    assert parse_moment(moment) == stored


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_parse_moment_of_nothing_is_none(empty):
    assert parse_moment(empty) is None


def test_naive_date_time_is_refused_saying_to_give_an_offset():
    with pytest.raises(MomentError) as caught:
        parse_moment("2024-04-22T18:00:00")
    assert "no offset" in str(caught.value)
    assert "2024-04-22T18:00:00Z" in str(caught.value)
    with pytest.raises(MomentError):
        parse_moment(datetime.datetime(2024, 4, 22, 18))


@pytest.mark.parametrize(
    "bad",
    [
        "2024-02-30",
        "22/04/2024",
        "2024-4-22",
        "20240422",
        "2024-04-22T18",
        "2024-04-22T24:00:00Z",
        "2024-04-22T18:00:00+25:00",
        "2024-04-22T18:00:00 Europe/Berlin",
        "yesterday",
        "9999-12-31T23:00:00-05:00",
    ],
)
def test_bad_moments_are_refused_with_the_value_named(bad):
    with pytest.raises(MomentError) as caught:
        parse_moment(bad)
    assert bad[:20] in str(caught.value)


def test_moment_knows_its_bounds_and_display():
    day, time = parse_moment("2024-04-22"), parse_moment("2024-04-22T18:00:00Z")
    assert day.start == datetime.datetime(2024, 4, 22, tzinfo=datetime.UTC)
    assert day.end == datetime.datetime(2024, 4, 22, 23, 59, 59, 999999, tzinfo=datetime.UTC)
    assert time.start == time.end == datetime.datetime(2024, 4, 22, 18, tzinfo=datetime.UTC)
    assert day.display() == "2024-04-22"
    assert time.display() == "2024-04-22 18:00 UTC"
    assert parse_moment("2024-04-22T18:00:05Z").display() == "2024-04-22 18:00:05 UTC"
    assert (day.xsd_type, time.xsd_type) == ("date", "dateTime")
    assert day.date == time.date == datetime.date(2024, 4, 22)


def test_a_day_sorts_before_any_time_that_day_and_after_the_day_before():
    moments = [
        parse_moment(v)
        for v in [
            "2024-04-22T18:00:00Z",
            "2024-04-23",
            "2024-04-22",
            "2024-04-22T09:00:00Z",
            "2024-04-21T23:59:59Z",
            "2024-04-22T00:00:00Z",
        ]
    ]
    assert sorted(moments) == [
        "2024-04-21T23:59:59Z",
        "2024-04-22",
        "2024-04-22T00:00:00Z",
        "2024-04-22T09:00:00Z",
        "2024-04-22T18:00:00Z",
        "2024-04-23",
    ]


def test_bounds_a_date_means_its_whole_day():
    assert start_of("2024-04-22") == "2024-04-22"
    assert end_of("2024-04-22") == "2024-04-22T23:59:59Z"
    assert end_of("2024-04-22T12:00:00Z") == "2024-04-22T12:00:00Z"
    assert on_or_before("2024-04-22T18:00:00Z", "2024-04-22")
    assert not on_or_before("2024-04-22T18:00:00Z", "2024-04-22T12:00:00Z")
    assert on_or_before("2024-04-22", "2024-04-22T12:00:00Z")
    assert not on_or_before("2024-04-23", "2024-04-22")
    assert not on_or_before(None, "2024-04-22")


# ---------------------------------------------------------------------------- the database


@pytest.fixture
def sources(db):
    return {
        name: source_services.source_create(name=name, kind="other")
        for name in ["Wire", "Outlet", "Militia", "Channel"]
    }


def _claim_with_hop(text, stated_at, source):
    claim = services.claim_create(text=text)
    services.attribution_add(claim=claim, source=source, stated_at=stated_at)
    claim.refresh_from_db()
    return claim


def test_stored_moments_order_on_the_database_as_in_time(sources):
    wire = sources["Wire"]
    evening = _claim_with_hop("evening", "2024-04-22T21:00:00+03:00", wire)
    day = _claim_with_hop("day only", datetime.date(2024, 4, 22), wire)
    morning = _claim_with_hop("morning", "2024-04-22T09:00:00Z", wire)
    earlier = _claim_with_hop("day before, late", "2024-04-21T23:00:00Z", wire)
    ordered = list(Claim.objects.order_by("first_reported_at").values_list("text", flat=True))
    assert ordered == ["day before, late", "day only", "morning", "evening"]
    # The model's default order, newest first.
    assert list(Claim.objects.values_list("pk", flat=True)) == [
        evening.pk,
        morning.pk,
        day.pk,
        earlier.pk,
    ]
    # Range lookups compare on the database, with a day meaning its whole day.
    before_noon = Claim.objects.filter(first_reported_at__lte=end_of("2024-04-22T12:00:00Z"))
    assert set(before_noon.values_list("text", flat=True)) == {
        "day before, late",
        "day only",
        "morning",
    }
    that_day = Claim.objects.filter(
        first_reported_at__gte=start_of("2024-04-22"), first_reported_at__lte=end_of("2024-04-22")
    )
    assert set(that_day.values_list("text", flat=True)) == {"day only", "morning", "evening"}


def test_values_come_back_from_the_database_as_moments(sources):
    claim = _claim_with_hop("kept", "2024-04-22T21:00:00+03:00", sources["Wire"])
    hop = Attribution.objects.get(claim=claim)
    assert isinstance(hop.stated_at, Moment)
    assert hop.stated_at == "2024-04-22T18:00:00Z"
    assert claim.first_reported_at == "2024-04-22T18:00:00Z"
    with connection.cursor() as cursor:
        cursor.execute("SELECT stated_at FROM claims_attribution WHERE id = %s", [hop.pk])
        assert cursor.fetchone()[0] == "2024-04-22T18:00:00Z"


def test_first_reported_at_is_the_earliest_hop_moment(sources):
    claim = services.claim_create(text="two hops")
    first = services.attribution_add(
        claim=claim, source=sources["Wire"], stated_at="2024-04-22T18:00:00Z"
    )
    claim.refresh_from_db()
    assert claim.first_reported_at == "2024-04-22T18:00:00Z"
    services.attribution_add(
        claim=claim, source=sources["Outlet"], stated_at="2024-04-22T09:00:00Z", cites=[first]
    )
    claim.refresh_from_db()
    assert claim.first_reported_at == "2024-04-22T09:00:00Z"
    services.attribution_add(claim=claim, source=sources["Channel"], stated_at="2024-04-22")
    claim.refresh_from_db()
    assert claim.first_reported_at == "2024-04-22"
    assert claim.first_reported_at.precision == "day"


def test_hop_defaults_to_its_documents_moment(sources):
    document = source_services.document_create(
        title="Flash", publisher=sources["Wire"], published_at="2024-04-22T09:00:00Z"
    )
    claim = services.claim_create(text="from a document")
    hop = services.attribution_add(claim=claim, source=sources["Wire"], document=document)
    assert hop.stated_at == "2024-04-22T09:00:00Z"
    assert str(document) == "Flash (2024-04-22 09:00 UTC)"


def test_model_validation_refuses_a_naive_date_time(sources):
    claim = services.claim_create(text="naive")
    with pytest.raises(Exception) as caught:
        services.attribution_add(
            claim=claim, source=sources["Wire"], stated_at="2024-04-22T18:00:00"
        )
    assert "offset" in str(caught.value)
    assert not Attribution.objects.filter(claim=claim).exists()


# ---------------------------------------------------------------------------- as of a moment


def test_provenance_as_of_noon_keeps_the_morning_hop_and_drops_the_evening_denial(sources):
    claim = services.claim_create(text="as of")
    origin = services.attribution_add(claim=claim, source=sources["Channel"])
    relay = services.attribution_add(
        claim=claim, source=sources["Wire"], stated_at="2024-04-22T09:00:00Z", cites=[origin]
    )
    late = services.attribution_add(
        claim=claim, source=sources["Outlet"], stated_at="2024-04-22T19:00:00Z", cites=[relay]
    )
    services.dispute_record(
        claim=claim,
        disputed_by=sources["Militia"],
        kind="authorship_denial",
        target=origin,
        stated_at="2024-04-22T18:00:00Z",
    )
    hops = list(Attribution.objects.filter(claim=claim))
    disputes = list(Dispute.objects.filter(claim=claim).select_related("document"))
    known = provenance.known_on(hops)
    # The undated origin was known when the 09:00 relay cited it.
    assert known[origin.pk] == "2024-04-22T09:00:00Z"
    seen, shown = provenance.as_of(hops, disputes, parse_moment("2024-04-22T12:00:00Z"))
    assert {h.pk for h in seen} == {origin.pk, relay.pk}
    assert shown == []
    seen, shown = provenance.as_of(hops, disputes, parse_moment("2024-04-22"))
    assert {h.pk for h in seen} == {origin.pk, relay.pk, late.pk}
    assert len(shown) == 1
    assert provenance.first_reported(seen) == "2024-04-22T09:00:00Z"
    assert provenance.dispute_date(shown[0]) == "2024-04-22T18:00:00Z"


def test_dispute_date_falls_back_to_the_time_it_was_entered(sources):
    claim = services.claim_create(text="undated dispute")
    services.attribution_add(claim=claim, source=sources["Wire"], stated_at="2024-04-22")
    dispute = services.dispute_record(claim=claim, disputed_by=sources["Militia"], kind="denial")
    dispute.refresh_from_db()
    when = provenance.dispute_date(dispute)
    assert when.precision == "time"
    assert when.start == dispute.created_at.replace(microsecond=0)


# ---------------------------------------------------------------------------- admin input


def test_admin_hop_form_shows_the_placeholder_and_takes_either_form(sources):
    form = HopInlineForm()
    html = str(form["stated_at"])
    assert 'placeholder="2024-04-22 or 2024-04-22T18:00Z"' in html
    field = form.fields["stated_at"]
    assert field.clean("2024-04-22T21:00+03:00") == "2024-04-22T18:00:00Z"
    assert field.clean("2024-04-22") == "2024-04-22"
    with pytest.raises(Exception) as caught:
        field.clean("2024-04-22 18:00")
    assert "offset" in str(caught.value)


def test_admin_shows_the_stored_moment_in_the_input(sources):
    claim = _claim_with_hop("admin", "2024-04-22T18:00:00Z", sources["Wire"])
    hop = Attribution.objects.get(claim=claim)
    html = str(HopInlineForm(instance=hop)["stated_at"])
    assert 'value="2024-04-22T18:00:00Z"' in html


# ---------------------------------------------------------------------------- exports


@pytest.fixture
def timed_seed(seed):
    """The seed with the Reuters hop of the Telegram claim at 09:00 and the denial at 18:00."""
    claim = seed.telegram_claim
    hop = claim.attributions.get(source__slug="reuters")
    services.attribution_update(hop, stated_at="2024-04-22T09:00:00Z")
    dispute = claim.disputes.get()
    services.dispute_update(dispute, stated_at="2024-04-22T18:00:00Z")
    return seed


def test_prov_turtle_types_days_as_date_and_times_as_date_time(timed_seed):
    from claims import selectors

    claim = selectors.claim_list().get(pk=timed_seed.telegram_claim.pk)
    base = "https://tracker.example"
    turtle = w3cprov.prov_turtle(w3cprov.claim_prov(claim.document, base_url=base))
    graph = Graph().parse(data=turtle, format="turtle")
    namespace = w3cprov.publisher_namespace(base)
    stated = URIRef(namespace + "statedAt")
    published = URIRef(namespace + "publishedAt")
    values = {(str(o), o.datatype) for o in graph.objects(None, stated)}
    assert ("2024-04-22", rdflib.XSD.date) in values
    assert any(v.startswith("2024-04-22T09:00:00") and t == rdflib.XSD.dateTime for v, t in values)
    assert any(v.startswith("2024-04-22T18:00:00") and t == rdflib.XSD.dateTime for v, t in values)
    assert Literal("2024-04-22", datatype=rdflib.XSD.date) in set(graph.objects(None, published))
    # Every literal parses as its type: nothing untyped or malformed.
    for literal in graph.objects(None, stated):
        assert literal.datatype in (rdflib.XSD.date, rdflib.XSD.dateTime)
        assert literal.toPython() is not None and not isinstance(literal.toPython(), str)


def test_claimreview_item_date_is_the_first_reported_moment(timed_seed):
    from claims import selectors

    claim = timed_seed.telegram_claim
    services.attribution_update(
        claim.attributions.get(source__slug="antiwarcom"), stated_at="2024-04-22T20:00:00Z"
    )
    services.verdict_set(claim=claim, verdict="misattributed")
    claim = selectors.claim_list().get(pk=claim.pk)
    review = claimreview.claim_review(claim.document, base_url="https://tracker.example")
    # The Telegram origin keeps the article's day: it sorts first.
    assert review["itemReviewed"]["datePublished"] == claim.first_reported_at
    assert review["itemReviewed"]["datePublished"] in ("2024-04-22", "2024-04-22T09:00:00Z")


def test_csv_dispute_summary_carries_the_time(timed_seed):
    claim = timed_seed.telegram_claim
    [dispute] = claim.document["disputes"]
    line = projection.document.dispute_summary(claim.document, dispute)
    assert "2024-04-22T18:00:00Z" in line
    assert line.startswith(f"#{dispute['id']} Kataib Hezbollah, authorship_denial")
    assert line in claim.csv_row


# ---------------------------------------------------------------------------- migrations


@pytest.mark.django_db(transaction=True)
def test_migrations_keep_existing_dates_as_days_and_datetimes_as_utc_times():
    executor = MigrationExecutor(connection)
    before = [("claims", "0008_csv_provenance_columns"), ("sources", "0002_source_family")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldSource = old.get_model("sources", "Source")
    OldDocument = old.get_model("sources", "Document")
    OldClaim = old.get_model("claims", "Claim")
    OldAttribution = old.get_model("claims", "Attribution")
    OldDispute = old.get_model("claims", "Dispute")
    source = OldSource.objects.create(name="Old wire", slug="old-wire")
    document = OldDocument.objects.create(
        title="Old report",
        publisher=source,
        published_at=datetime.date(2024, 4, 22),
        retrieved_at=datetime.datetime(2024, 4, 23, 7, 5, 9, 123456, tzinfo=datetime.UTC),
    )
    claim = OldClaim.objects.create(text="Old claim", first_reported_at=datetime.date(2024, 4, 22))
    hop = OldAttribution.objects.create(
        claim=claim, source=source, stated_at=datetime.date(2024, 4, 22)
    )
    undated = OldAttribution.objects.create(claim=claim, source=source, relation="asserts")
    dispute = OldDispute.objects.create(
        claim=claim, disputed_by=source, stated_at=datetime.date(2024, 4, 25)
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    call_command("check", stdout=open("/dev/null", "w"))

    document = Document.objects.get(pk=document.pk)
    assert document.published_at == "2024-04-22"
    assert document.published_at.precision == "day"
    assert document.retrieved_at == "2024-04-23T07:05:09Z"
    assert Claim.objects.get(pk=claim.pk).first_reported_at == "2024-04-22"
    assert Attribution.objects.get(pk=hop.pk).stated_at == "2024-04-22"
    assert Attribution.objects.get(pk=undated.pk).stated_at is None
    assert Dispute.objects.get(pk=dispute.pk).stated_at == "2024-04-25"
    assert Source.objects.get(pk=source.pk).name == "Old wire"
    # The indexes made outside Django's model state (the default ordering's, the text
    # lookup's) survive every later column change on both databases: on SQLite, adding a
    # column rebuilds the table without them unless the migration makes them again.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'claims_claim'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'claims_claim'"
            )
        names = {row[0] for row in cursor.fetchall()}
    made_by_hand = {
        "claims_claim_reported_idx",
        "claims_claim_disp_rep_idx",
        "claims_claim_text_lower",
    }
    if connection.vendor == "postgresql":
        made_by_hand |= {"claims_claim_search_gin", "claims_claim_lineage_gin"}
    assert made_by_hand <= names


def test_admin_claim_list_filters_by_a_recent_period(sources, admin_client):
    from django.utils import timezone

    recent = _claim_with_hop("recent wire", timezone.now(), sources["Wire"])
    old = _claim_with_hop("old wire", "2024-04-22T09:00:00Z", sources["Wire"])
    html = admin_client.get("/admin/claims/claim/", {"first_reported_at": "7"}).content.decode()
    assert f"/admin/claims/claim/{recent.pk}/change/" in html
    assert f"/admin/claims/claim/{old.pk}/change/" not in html
    # An unknown period is the admin's error page, not a server error.
    response = admin_client.get("/admin/claims/claim/", {"first_reported_at": "soon"})
    assert response.status_code == 302 and "e=1" in response["Location"]
