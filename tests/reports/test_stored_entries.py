"""The disputed report serves each disputed claim's entry as stored with its projection.

Drawing 20 entries was most of a report page, so the projection draws a disputed claim's
entry when the claim changes (``Claim.report_html``) and the report only joins them. These
tests hold the stored entry to what drawing the claim's document gives, through every change
that reaches it, and the report to serving it.
"""

from django.db.models import Value
from django.db.models.functions import Concat

from claims import projection
from claims.models import Claim
from claims.reports.entries import claim_entry
from claims.reports.render import entry_html
from sources import services as source_services
from tests.factories import AttributionFactory, ClaimFactory


def drawn(claim: Claim) -> str:
    """The claim's entry drawn now from its stored document, as the report used to."""
    claim.refresh_from_db()
    return str(entry_html(claim_entry(claim.document)))


def entries_of(page: str) -> str:
    """From the first entry's ``<article`` to the last one's end."""
    return page[page.index("<article") : page.rindex("</article>") + len("</article>")]


def test_a_disputed_claim_stores_its_entry_and_an_undisputed_one_none(make_disputed):
    claim, hops = make_disputed("Drones struck the depot", day=3)
    quiet = ClaimFactory(text="Nobody disputes this")
    AttributionFactory(claim=quiet)
    claim.refresh_from_db()
    quiet.refresh_from_db()
    assert claim.report_html == drawn(claim)
    assert claim.report_html.startswith("<article")
    assert "Drones struck the depot" in claim.report_html
    assert hops[0].source.name in claim.report_html
    assert quiet.report_html == ""


def test_a_rename_redraws_the_stored_entry(make_disputed):
    claim, hops = make_disputed("Drones struck the depot")
    source = hops[0].source
    old_name = source.name
    source_services.source_update(source, name="Renamed Ministry")
    claim.refresh_from_db()
    assert "Renamed Ministry" in claim.report_html and old_name not in claim.report_html
    assert claim.report_html == drawn(claim)
    assert list(projection.stale()) == []


def test_the_report_serves_the_stored_entries(reader_client, make_disputed):
    first, _ = make_disputed("First disputed claim", day=2)
    second, _ = make_disputed("Second disputed claim", day=4)
    page = reader_client.get("/reports/disputed/").content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    # Newest first, each exactly as stored, and nothing else between the two articles.
    entries = entries_of(page)
    assert entries.startswith(second.report_html) and entries.endswith(first.report_html)
    between = entries[len(second.report_html) : -len(first.report_html)]
    assert between.strip() == ""
    # What is served is the stored column itself, not a drawing of the document.
    Claim.objects.filter(pk=first.pk).update(
        report_html=Concat("report_html", Value("<!-- stored -->"))
    )
    assert "<!-- stored -->" in reader_client.get("/reports/disputed/").content.decode()


def test_a_claim_without_a_stored_entry_is_drawn_from_its_document(reader_client, make_disputed):
    claim, _ = make_disputed("Written behind the services' back")
    expected = drawn(claim)
    Claim.objects.filter(pk=claim.pk).update(report_html="")
    page = reader_client.get("/reports/disputed/").content.decode()
    assert expected in page
    # ``refresh_derived --verify`` sees the missing entry, and a rebuild stores it again.
    assert list(projection.stale()) == [claim.pk]
    projection.refresh_all()
    claim.refresh_from_db()
    assert claim.report_html == expected


def test_a_stored_entry_that_differs_from_its_document_is_stale(make_disputed):
    claim, _ = make_disputed("Tampered entry")
    Claim.objects.filter(pk=claim.pk).update(
        report_html=Concat("report_html", Value("<p>extra</p>"))
    )
    assert list(projection.stale()) == [claim.pk]
