"""Spreadsheet resources (django-import-export): preview with row errors, writes via services."""

import pytest
import tablib
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Attribution, Claim
from claims.resources import ClaimResource, DocumentResource, SourceResource
from sources.models import Source

pytestmark = pytest.mark.django_db


def claims_sheet(*rows):
    data = tablib.Dataset(headers=["id", "text", "topics", "verdict", "chain"])
    for row in rows:
        data.append(row)
    return data


def test_claim_rows_with_chains_preview_then_import(seed):
    before = (Claim.objects.count(), Attribution.objects.count())
    sheet = claims_sheet(
        [
            "",
            "New claim from a sheet",
            "us-withdrawal-from-iraq",
            "false",
            "US officials → Reuters",
        ],
        ["", "Bad chain", "", "unrated", "Reuterz -> Antiwar.com"],
        ["", "Bad verdict", "", "maybe", ""],
    )
    preview = ClaimResource().import_data(sheet, dry_run=True)
    assert preview.totals["new"] == 1 and preview.totals["invalid"] == 2
    errors = {row.number: row.error_dict for row in preview.invalid_rows}
    assert errors == {
        2: {
            "chain_lines": [
                "Line 1: No source “Reuterz”. Did you mean: Reuters (reuters)? To create it, "
                "give its kind in brackets: “Reuterz [official]”."
            ]
        },
        3: {"verdict": ["Value 'maybe' is not a valid choice."]},
    }
    assert (Claim.objects.count(), Attribution.objects.count()) == before  # preview wrote nothing

    good = claims_sheet(sheet[0])
    result = ClaimResource().import_data(good, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    claim = Claim.objects.get(text="New claim from a sheet")
    assert claim.verdict == "false"
    assert [t.slug for t in claim.topics.all()] == ["us-withdrawal-from-iraq"]
    hops = list(claim.attributions.select_related("source").order_by("pk"))
    assert [(h.source.slug, h.relation, h.is_origin) for h in hops] == [
        ("us-officials", "asserts", True),
        ("reuters", "paraphrases", False),
    ]
    assert claim.first_reported_at is None  # derived columns refreshed by the services


def test_claim_export_carries_chains_that_import_back(seed):
    exported = ClaimResource().export()
    row = next(r for r in exported.dict if r["text"].startswith("Attacks on US forces"))
    assert (
        row["chain"] == "Telegram channel affiliated with Kataib Hezbollah → Reuters → Antiwar.com"
    )
    assert row["origins"] == "telegram-channel-affiliated-with-kataib-hezbollah"
    assert row["dispute_count"] == "1"
    sheet = claims_sheet(["", "Copy of the telegram claim", "", "unrated", row["chain"]])
    ClaimResource().import_data(sheet, dry_run=False, raise_errors=True)
    copy = Claim.objects.get(text="Copy of the telegram claim")
    assert copy.attributions.count() == 3


def test_source_rows_through_services(seed):
    sheet = tablib.Dataset(headers=["slug", "name", "kind", "affiliated_with", "affiliation"])
    sheet.append(["", "New Outlet", "news_outlet", "", ""])
    sheet.append(["", "REUTERS", "news_outlet", "", ""])  # duplicate name, any case
    sheet.append(["", "Child", "person", "nope", "part_of"])
    sheet.append(["", "Militia wing", "armed_group", "kataib-hezbollah", "part_of"])
    preview = SourceResource().import_data(sheet, dry_run=True)
    assert preview.totals["new"] == 2
    errors = {row.number: row.error_dict for row in preview.invalid_rows}
    assert errors == {
        2: {"__all__": ["A source with this name already exists."]},
        3: {"affiliated_with": ["No source has the slug “nope”."]},
    }
    assert not Source.objects.filter(name="New Outlet").exists()
    good = tablib.Dataset(headers=sheet.headers)
    good.append(sheet[0])
    good.append(sheet[3])
    SourceResource().import_data(good, dry_run=False, raise_errors=True)
    wing = Source.objects.get(name="Militia wing")
    # family is derived by sources.services: the root of the affiliation tree (the PMF).
    assert wing.slug == "militia-wing"
    assert wing.family == seed.source("popular-mobilization-forces").pk


def test_document_export_names_publishers_by_slug(seed):
    rows = DocumentResource().export().dict
    assert {r["publisher"] for r in rows} == {"antiwarcom", "reuters", "stars-and-stripes"}


def test_admin_import_preview_shows_row_error_and_writes_nothing(seed, client):
    editor = get_user_model().objects.create_superuser("boss", password="pw")
    client.force_login(editor)
    csv = (
        "id,text,topics,verdict,chain\n"
        ",Sheet claim,,true,US officials -> Reuters\n"
        ",Oops,,true,Nobody -> Reuters\n"
    )
    upload = SimpleUploadedFile("claims.csv", csv.encode(), content_type="text/csv")
    response = client.post(
        "/admin/claims/claim/import/",
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "No source “Nobody”" in page
    assert not Claim.objects.filter(text__in=["Sheet claim", "Oops"]).exists()
    export = client.get("/admin/claims/claim/export/")
    assert export.status_code == 200
