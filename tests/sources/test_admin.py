"""The editors' admin for sources and documents: pages, service writes, refused deletes."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from sources.models import Document, Source
from tests.conftest import DRONE_TEXT, TELEGRAM_TEXT
from tests.factories import DocumentFactory, SourceFactory


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_source_changelist_search_and_filters(editor_client, seed):
    url = reverse("admin:sources_source_changelist")
    response = editor_client.get(url)
    assert response.status_code == 200
    assert "Telegram channel affiliated with Kataib Hezbollah" in response.content.decode()
    found = editor_client.get(url, {"q": "kataib"}).context["cl"].result_list
    assert {s.name for s in found} == {
        "Kataib Hezbollah",
        "Telegram channel affiliated with Kataib Hezbollah",
    }
    anonymous = editor_client.get(url, {"is_anonymous__exact": "1"}).context["cl"].result_list
    assert {s.name for s in anonymous} == {"US officials", "Iraqi officials", "Pentagon official"}
    agencies = editor_client.get(url, {"kind__exact": "news_agency"}).context["cl"].result_list
    assert [s.name for s in agencies] == ["Reuters"]


def test_source_page_lists_claims_originated_relayed_and_disputes(editor_client, seed):
    telegram = seed.source("telegram-channel-affiliated-with-kataib-hezbollah")
    response = editor_client.get(reverse("admin:sources_source_change", args=[telegram.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert TELEGRAM_TEXT in content
    assert reverse("admin:claims_claim_change", args=[seed.telegram_claim.pk]) in content
    # Affiliation fields are on the page, filled in.
    assert response.context["adminform"].form.initial["affiliation"] == "affiliated"

    reuters = seed.source("reuters")
    page = editor_client.get(reverse("admin:sources_source_change", args=[reuters.pk]))
    relayed = page.context["adminform"].model_admin.claims_relayed(reuters)
    originated = page.context["adminform"].model_admin.claims_originated(reuters)
    assert DRONE_TEXT in relayed and TELEGRAM_TEXT in relayed
    assert "No casualties were reported in either attack" in originated
    assert DRONE_TEXT not in originated

    kataib = seed.source("kataib-hezbollah")
    page = editor_client.get(reverse("admin:sources_source_change", args=[kataib.pk]))
    assert "authorship denial of" in page.content.decode()
    assert "fabricated news" in page.content.decode()


def test_add_source_goes_through_service(editor_client, seed):
    response = editor_client.post(
        reverse("admin:sources_source_add"),
        {
            "name": "  Al-Sumaria TV ",
            "slug": "",
            "kind": "news_outlet",
            "reliability": "C",
            "country": "iq",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    source = Source.objects.get(name="Al-Sumaria TV")
    assert (source.slug, source.country) == ("al-sumaria-tv", "IQ")
    assert source.history.first().history_user.username == "editor"


def test_source_rules_are_form_errors(editor_client, seed):
    kataib = seed.source("kataib-hezbollah")
    telegram = seed.source("telegram-channel-affiliated-with-kataib-hezbollah")
    url = reverse("admin:sources_source_change", args=[kataib.pk])
    data = {
        "name": kataib.name,
        "slug": kataib.slug,
        "kind": kataib.kind,
        "reliability": kataib.reliability,
        "country": kataib.country,
        "affiliated_with": str(telegram.pk),
        "affiliation": "operated_by",
    }
    response = editor_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "affiliations cannot loop" in str(errors["affiliated_with"])

    response = editor_client.post(
        reverse("admin:sources_source_add"),
        {"name": "REUTERS", "kind": "news_agency", "reliability": "F"},
    )
    assert response.status_code == 200
    assert "A source with this name already exists." in response.content.decode()


def test_deleting_referenced_source_is_refused_with_references(editor_client, seed):
    reuters = seed.source("reuters")
    url = reverse("admin:sources_source_delete", args=[reuters.pk])
    for response in (editor_client.get(url), editor_client.post(url, {"post": "yes"})):
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:sources_source_change", args=[reuters.pk])
        message = _messages(response)[-1]
        assert message.startswith("Cannot delete source “Reuters”: still referenced by hop #")
        assert "of claim #" in message
        assert "document “Reuters report on rocket and drone attacks" in message
    assert Source.objects.filter(pk=reuters.pk).exists()

    # The message is shown on the page the editor lands on.
    page = editor_client.get(url, follow=True)
    assert "Cannot delete source “Reuters”" in page.content.decode()


def test_bulk_delete_lists_references_and_deletes_nothing(editor_client, seed):
    reuters = seed.source("reuters")
    response = editor_client.post(
        reverse("admin:sources_source_changelist"),
        {"action": "delete_selected", "_selected_action": [str(reuters.pk)]},
    )
    assert response.status_code == 200
    assert "Reuters: hop #" in response.content.decode()
    assert Source.objects.filter(pk=reuters.pk).exists()


def test_deleting_unreferenced_source_goes_through(editor_client, db):
    source = SourceFactory(name="Lonely blog")
    url = reverse("admin:sources_source_delete", args=[source.pk])
    response = editor_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Source.objects.filter(pk=source.pk).exists()


def test_document_admin_search_and_refused_delete(editor_client, seed):
    url = reverse("admin:sources_document_changelist")
    found = editor_client.get(url, {"q": "DeCamp"}).context["cl"].result_list
    assert [d.title for d in found] == [
        "US Bases in Iraq and Syria Come Under Rocket and Drone Attack"
    ]
    article = found[0]
    response = editor_client.post(
        reverse("admin:sources_document_delete", args=[article.pk]), {"post": "yes"}
    )
    (message,) = _messages(response)
    assert message.startswith("Cannot delete document")
    assert "hop #" in message
    assert Document.objects.filter(pk=article.pk).exists()


def test_document_add_and_publisher_autocomplete(editor_client, seed):
    reuters = seed.source("reuters")
    response = editor_client.post(
        reverse("admin:sources_document_add"),
        {
            "kind": "article",
            "title": "Follow-up report",
            "publisher": str(reuters.pk),
            "language": "en",
            "url": "example.org/follow-up",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    document = Document.objects.get(title="Follow-up report")
    assert document.url == "https://example.org/follow-up"

    auto = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "sources",
            "model_name": "document",
            "field_name": "publisher",
            "term": "reu",
        },
    )
    assert [r["text"] for r in auto.json()["results"]] == ["Reuters"]


def test_document_delete_unreferenced(editor_client, db):
    document = DocumentFactory(title="Unused memo")
    response = editor_client.post(
        reverse("admin:sources_document_delete", args=[document.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()


def test_researcher_cannot_open_source_admin(client, researcher, seed):
    client.force_login(researcher)
    response = client.get(reverse("admin:sources_source_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
