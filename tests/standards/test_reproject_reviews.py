"""Migration claims 0015: documents stored before reviews carried their export fields are
re-projected after ``migrate``, and fact-checkers the importer made organizations become
``fact_checker``; ``refresh_derived --verify`` then finds nothing to differ."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from claims.apps import project_unprojected
from claims.models import Claim
from claims.projection import stale
from sources.models import Source
from tests.standards.test_import_claimreview import ALL_GOOD, run

pytestmark = pytest.mark.django_db

# The review fields the stored document gained for the ClaimReview export.
ADDED = (
    "body",
    "rating_explanation",
    "claim_reviewed",
    "claimant_same_as",
    "claim_date",
    "appearances",
    "imported_at",
)


def verify() -> str:
    out = StringIO()
    call_command("refresh_derived", "--verify", stdout=out)
    return out.getvalue()


def test_migration_reprojects_claims_stored_without_the_review_fields():
    run(*ALL_GOOD)
    # As the importer and the projection left them before: AFP an organization, and review
    # entries without the fields the export needs.
    afp = Source.objects.get(name="AFP Factual")
    Source.objects.filter(pk=afp.pk).update(kind="organization")
    for pk, document in Claim.objects.values_list("pk", "document"):
        for review in document["reviews"]:
            for key in ADDED:
                review.pop(key)
        if afp.slug in document["sources"]:
            document["sources"][afp.slug]["kind"] = "organization"
        Claim.objects.filter(pk=pk).update(document=document)
    with_reviews = set(Claim.objects.filter(reviews__isnull=False).values_list("pk", flat=True))
    assert set(stale()) == with_reviews  # the old documents no longer match a fresh one

    migration = importlib.import_module("claims.migrations.0015_reproject_reviews")
    migration.reclassify_and_mark(apps, None)
    assert set(Claim.objects.filter(csv_row="").values_list("pk", flat=True)) == with_reviews
    project_unprojected()  # what the post-migrate hook runs

    afp.refresh_from_db()
    assert afp.kind == "fact_checker"
    assert list(stale()) == []
    assert verify().strip().endswith("0 claim(s) differ.")
    claim = Claim.objects.get(reviews__url="https://factual.afp.com/doc.afp.com.34XY7AB")
    [review] = claim.document["reviews"]
    assert review["body"].startswith("Las fotos que circulan son de 2020")
    assert review["claim_date"] == "2024-04-22"
    assert claim.document["sources"][afp.slug]["kind"] == "fact_checker"
