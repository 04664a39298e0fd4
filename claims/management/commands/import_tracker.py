"""Restore a dump written by export_tracker, primary keys and all, in one transaction."""

import shutil
import sys
import tempfile

from django.core.management.base import BaseCommand, CommandError

from claims.standards import dump


class Command(BaseCommand):
    help = (
        "Restore IN.jsonl (written by export_tracker) into this database, keeping ids. "
        "Every row is checked first, as the API would check it; any problem is reported as "
        "file:line: field: message, all of them at once, and nothing is written. Refuses a "
        "database that already holds tracker data unless --force-merge. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="dump file (.jsonl), or - for standard input")
        parser.add_argument(
            "--force-merge",
            action="store_true",
            help="restore into a non-empty database: rows with the same id are overwritten "
            "by the file's, the others are kept",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=dump.PROGRESS_EVERY,
            metavar="N",
            help=f"print a progress line on stderr every N rows (default {dump.PROGRESS_EVERY})",
        )

    def handle(self, *args, source, force_merge, progress_every, **options):
        """Check, then restore; problems go to stderr and end in a non-zero exit."""
        name = "<stdin>" if source == "-" else source
        try:
            with self._open(source) as handle:
                counts = dump.import_from(
                    handle, merge=force_merge, progress=self.progress, every=max(1, progress_every)
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {source}: {exc.strerror or exc}") from None
        except dump.DumpInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(problem.format(name))
            raise CommandError(
                f"{name}: {len(exc.problems)} problem(s) found; nothing was written."
            ) from None
        except dump.DumpError as exc:
            raise CommandError(f"{name}: {exc} Nothing was written.") from None
        except Exception as exc:  # noqa: BLE001 - a damaged file must never end in a traceback
            raise CommandError(
                f"{name}: the restore failed ({type(exc).__name__}: {exc}); nothing was written."
            ) from None
        summary = ", ".join(f"{n} {label}" for label, n in counts.items()) or "nothing"
        self.stdout.write(f"Imported {summary}.")

    @staticmethod
    def _open(source):
        """The dump as a binary file that can be read twice (checked, then written).

        Standard input cannot be rewound, so it is copied to a temporary file first (kept
        in memory up to 64 MB).
        """
        if source != "-":
            return open(source, "rb")
        spool = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)
        shutil.copyfileobj(sys.stdin.buffer, spool)
        spool.seek(0)
        return spool

    def progress(self, stage: str, rows: int, total: int | None) -> None:
        """One line on stderr: how far the check or the write has come."""
        self.stderr.write(f"… {stage} {rows:,} rows" + (f" of {total:,}" if total else ""))
