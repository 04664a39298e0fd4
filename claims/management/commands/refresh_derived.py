"""Rebuild every stored figure and document: source families, then each claim's projection."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from claims import projection
from sources.models import Source
from sources.services import family_refresh


class Command(BaseCommand):
    help = (
        "Recompute source families and every claim's stored projection (document, CSV line, "
        "figures) in bulk. --verify compares the stored projections with fresh ones instead "
        "and lists every claim that differs (exit status 1 when any does). --pending "
        "re-projects only the claims marked as being refreshed, as the background job does."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--verify",
            action="store_true",
            help="write nothing; report every claim whose stored projection is not fresh",
        )
        parser.add_argument(
            "--pending",
            action="store_true",
            help="re-project only the claims still marked as being refreshed (what the "
            "background job does), one transaction a batch; e.g. after a failed job",
        )
        parser.add_argument("--batch", type=int, default=1000, help="claims per statement")
        parser.add_argument(
            "--jobs",
            type=int,
            default=2,
            help="worker processes on PostgreSQL, each committing whole batches (default 2; "
            "1 rebuilds everything in one transaction)",
        )

    def handle(self, *args, verify=False, pending=False, batch=1000, jobs=2, **options):
        if batch < 1 or jobs < 1:
            raise CommandError("--batch and --jobs must be at least 1.")
        if verify and pending:
            raise CommandError("--verify and --pending do not go together.")
        if pending:
            count = projection.refresh_marked(batch=batch)
            self.stdout.write(f"Refreshed {count} claims that were being refreshed.")
            return
        if verify:
            stale = list(projection.stale(batch=batch))
            for pk in stale:
                self.stdout.write(f"claim #{pk}: stored projection differs from a fresh one")
            self.stdout.write(f"{len(stale)} claim(s) differ.")
            if stale:
                sys.exit(1)
            return
        with transaction.atomic():
            for source in Source.objects.filter(affiliated_with__isnull=True).iterator():
                family_refresh(source)
        bar = tqdm(total=0, unit="claims", file=self.stderr, disable=None, mininterval=0.5)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        if jobs > 1:
            count = projection.refresh_all(batch=batch, progress=progress, jobs=jobs)
        else:
            with transaction.atomic():
                count = projection.refresh_all(batch=batch, progress=progress)
        bar.close()
        self.stdout.write(f"Refreshed {count} claims.")
