"""Write the whole tracker to a JSON-lines file that import_tracker restores without loss."""

from django.core.management.base import BaseCommand, CommandError

from claims.standards import dump


class Command(BaseCommand):
    help = (
        "Dump every tracker model and field (sources, documents, topics, claims, hops, "
        "disputes; history with --with-history) to OUT.jsonl, in a deterministic order. "
        "Use - for standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="file to write (.jsonl), or - for standard output")
        parser.add_argument(
            "--with-history",
            action="store_true",
            help="also dump the change history (django-simple-history tables)",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=dump.PROGRESS_EVERY,
            metavar="N",
            help=f"print a progress line on stderr every N rows (default {dump.PROGRESS_EVERY})",
        )

    def handle(self, *args, out, with_history, progress_every, **options):
        """Write the dump; progress and the summary go to stderr, so stdout can be the dump."""
        target = self.stdout._out if out == "-" else out
        try:
            counts = dump.export_to(
                target,
                with_history=with_history,
                progress=self.progress,
                every=max(1, progress_every),
            )
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror or exc}") from None
        summary = ", ".join(f"{n} {label}" for label, n in counts.items())
        self.stderr.write(f"Exported {summary}.")

    def progress(self, rows: int, total: int) -> None:
        """One line on stderr: rows written so far."""
        self.stderr.write(f"… exported {rows:,} of {total:,} rows")
