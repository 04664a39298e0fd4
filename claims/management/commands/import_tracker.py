"""Restore a dump written by export_tracker, primary keys and all, in one transaction."""

from django.core.management.base import BaseCommand, CommandError

from claims.standards import dump


class Command(BaseCommand):
    help = (
        "Restore IN.jsonl (written by export_tracker) into this database, keeping ids. "
        "Refuses a database that already holds tracker data unless --force-merge. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="dump file (.jsonl), or - for standard input")
        parser.add_argument(
            "--force-merge",
            action="store_true",
            help="restore into a non-empty database: rows with the same id are overwritten "
            "by the file's, the others are kept",
        )

    def handle(self, *args, source, force_merge, **options):
        import sys

        try:
            if source == "-":
                counts = dump.import_from(sys.stdin, merge=force_merge)
            else:
                with open(source, encoding="utf-8") as handle:
                    counts = dump.import_from(handle, merge=force_merge)
        except OSError as exc:
            raise CommandError(f"Cannot read {source}: {exc}") from exc
        except dump.DumpError as exc:
            raise CommandError(f"{exc} Nothing was written.") from exc
        summary = ", ".join(f"{n} {label}" for label, n in counts.items()) or "nothing"
        self.stdout.write(f"Imported {summary}.")
