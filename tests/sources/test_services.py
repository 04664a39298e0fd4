"""Source and document rules: slugs, unique names, affiliations, protected deletes."""

import pytest
from django.core.exceptions import ValidationError

from factcheck.errors import ReferencedError
from sources import services
from sources.models import Document, Source
from tests.factories import AttributionFactory, DisputeFactory, DocumentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_source_create_makes_slug_from_name_and_keeps_it_unique():
    first = services.source_create(name="Stars and Stripes")
    second = services.source_create(name="Stars-and-Stripes!")
    assert first.slug == "stars-and-stripes"
    assert second.slug == "stars-and-stripes-2"


def test_source_create_name_unique_case_insensitively():
    services.source_create(name="Reuters")
    with pytest.raises(ValidationError) as exc:
        services.source_create(name="REUTERS")
    assert "A source with this name already exists." in str(exc.value)
    assert Source.objects.count() == 1


def test_source_create_arabic_name_gets_a_usable_slug():
    source = services.source_create(name="كتائب حزب الله")
    # The letters are kept (issue 16): a militia channel named in Arabic can be found by slug.
    assert source.slug == "كتائب-حزب-الله"


def test_source_create_affiliation_needs_both_fields():
    parent = SourceFactory()
    with pytest.raises(ValidationError) as exc:
        services.source_create(name="Channel", affiliated_with=parent)
    assert "affiliated with and how" in str(exc.value)


def test_source_update_affiliation_loop_is_refused():
    root = SourceFactory(name="Root")
    child = SourceFactory(name="Child", affiliated_with=root, affiliation="part_of")
    with pytest.raises(ValidationError) as exc:
        services.source_update(root, affiliated_with=child, affiliation="affiliated")
    assert "cannot loop" in " ".join(exc.value.message_dict["affiliated_with"])
    root.refresh_from_db()
    assert root.affiliated_with is None


def test_source_delete_referenced_by_hop_is_refused_naming_it():
    hop = AttributionFactory()
    with pytest.raises(ReferencedError) as exc:
        services.source_delete(hop.source)
    assert f"hop #{hop.pk} of claim #{hop.claim_id}" in str(exc.value)
    assert Source.objects.filter(pk=hop.source_id).exists()


def test_source_delete_referenced_by_dispute_and_document_is_refused():
    dispute = DisputeFactory()
    with pytest.raises(ReferencedError) as exc:
        services.source_delete(dispute.disputed_by)
    assert f"dispute #{dispute.pk}" in str(exc.value)
    document = DocumentFactory()
    with pytest.raises(ReferencedError) as exc:
        services.source_delete(document.publisher)
    assert "document “Report" in str(exc.value)


def test_source_delete_unreferenced_source_goes():
    source = SourceFactory()
    services.source_delete(source)
    assert not Source.objects.filter(pk=source.pk).exists()


def test_document_url_unique_when_set():
    DocumentFactory(url="https://example.org/a")
    DocumentFactory(url="")
    DocumentFactory(url="")
    with pytest.raises(ValidationError) as exc:
        DocumentFactory(url="https://example.org/a")
    assert "A document with this URL already exists." in str(exc.value)
    assert Document.objects.count() == 3


def test_document_delete_referenced_by_hop_is_refused():
    document = DocumentFactory()
    hop = AttributionFactory(document=document)
    with pytest.raises(ReferencedError) as exc:
        services.document_delete(document)
    assert f"hop #{hop.pk}" in str(exc.value)
    assert Document.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize("batch", [1000, 2])
def test_sources_by_reference_resolves_slugs_before_names(
    monkeypatch, batch, django_assert_num_queries
):
    from sources import selectors

    monkeypatch.setattr(selectors, "REFERENCE_BATCH", batch)  # texts split over batches too
    agency = services.source_create(name="Gamma Agency", slug="gamma")
    named_like_its_slug = services.source_create(name="gamma", slug="gamma-named")
    outlet = services.source_create(name="Delta Outlet")
    texts = ["GAMMA", "gamma agency", " Delta   outlet ", "delta-outlet", "Gamma-Named", "nobody"]
    expected = {
        "GAMMA": agency,  # a slug wins over a name ("gamma" is also a source's name)
        "gamma agency": agency,
        "Delta outlet": outlet,  # spaces collapsed, any case
        "delta-outlet": outlet,
        "Gamma-Named": named_like_its_slug,
        "nobody": None,
    }
    # Six texts mean six lower-cased keys: one query per batch of them.
    with django_assert_num_queries(-(-len(texts) // batch)):
        found = selectors.sources_by_reference([*texts, "bad\x00text"])
    assert found == expected  # a text that cannot be a reference is left out
    # The one-text resolver the rest of the tracker calls answers the same, text by text.
    for text in texts:
        assert selectors.source_by_reference(text) == expected[" ".join(text.split())]
    assert selectors.source_by_reference("bad\x00text") is None


def test_a_name_with_an_accented_capital_resolves_on_both_databases():
    """Names are lowered by the database, as its unique index lowers them: SQLite's lower()
    leaves "É" as it is, so a name lowered by Python ("éditions …") found nothing there."""
    from sources import selectors

    editions = services.source_create(name="Éditions du Monde", slug="edm")
    for text in ("Éditions du Monde", "ÉDITIONS DU MONDE", " Éditions  du monde "):
        assert selectors.sources_by_reference([text]) == {" ".join(text.split()): editions}
        assert selectors.source_by_reference(text) == editions
        assert selectors.source_by_name(" ".join(text.split())) == editions
