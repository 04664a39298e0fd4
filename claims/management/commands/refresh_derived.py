"""Recompute every stored derived column (families, claim figures) through the services."""

from django.core.management.base import BaseCommand
from django.db import transaction

from claims.models import Claim
from claims.services import claim_refresh
from sources.models import Source
from sources.services import family_refresh


class Command(BaseCommand):
    help = (
        "Recompute source families and every claim's derived columns. Needed only after "
        "data was written behind the services' back (raw SQL, an old dump)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            for source in Source.objects.filter(affiliated_with__isnull=True).iterator():
                family_refresh(source)
        count = 0
        for claim in Claim.objects.order_by("pk").iterator(chunk_size=500):
            with transaction.atomic():
                claim_refresh(claim)
            count += 1
        self.stdout.write(f"Refreshed {count} claims.")
