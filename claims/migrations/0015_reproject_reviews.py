# Issue 15: the claim document lists every field a review's ClaimReview export needs (body,
# rating explanation, the claim as the review states it, claimant's sameAs, appearances,
# imported_at). Stored documents written before lack them, so the claims that have reviews
# are marked for re-projection: an empty ``csv_row`` is what the post-migrate hook
# (``claims.apps.project_unprojected``) re-projects, with the current projection code, once
# every migration has run.
#
# The importer made fact-checkers ``organization`` sources while the ``fact_checker`` kind
# did not exist; those that wrote an imported review become ``fact_checker`` here, and every
# claim naming them is re-projected too (a document carries its sources' kinds).

from django.db import migrations
from django.db.models import Exists, OuterRef, Q


def reclassify_and_mark(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Review = apps.get_model("claims", "Review")
    Attribution = apps.get_model("claims", "Attribution")
    Dispute = apps.get_model("claims", "Dispute")
    Source = apps.get_model("sources", "Source")
    checkers = list(
        Source.objects.filter(kind="organization")
        .filter(Exists(Review.objects.filter(author=OuterRef("pk")).exclude(imported_from="")))
        .values_list("pk", flat=True)
    )
    if checkers:
        Source.objects.filter(pk__in=checkers).update(kind="fact_checker")
    naming = (
        Exists(Review.objects.filter(claim=OuterRef("pk")))
        | Exists(
            Attribution.objects.filter(claim=OuterRef("pk")).filter(
                Q(source__in=checkers) | Q(document__publisher__in=checkers)
            )
        )
        | Exists(
            Dispute.objects.filter(claim=OuterRef("pk")).filter(
                Q(disputed_by__in=checkers) | Q(document__publisher__in=checkers)
            )
        )
    )
    Claim.objects.filter(naming).update(csv_row="")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0014_unicode_slugs"),
        ("sources", "0006_fact_checker_kind"),
    ]

    operations = [migrations.RunPython(reclassify_and_mark, migrations.RunPython.noop)]
