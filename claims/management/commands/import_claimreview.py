"""Import fact-checkers' reviews (ClaimReview JSON-LD, feeds, Google Fact Check Tools answers)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.standards import claimreview_import as cri


class Command(BaseCommand):
    help = (
        "Import fact-checkers' reviews as claims.Review rows: ClaimReview objects, arrays, "
        "@graph, DataFeed, and Google Fact Check Tools API responses. Every record is checked "
        "first and each bad one is reported with all its errors; nothing is written unless "
        "--skip-invalid. Importing the same file again changes nothing, and no import ever "
        "changes a claim's own (editors') verdict."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="JSON file(s) to import")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the good records and report the bad ones instead of refusing the batch",
        )

    def handle(self, *args, files, **options):
        """Import, or report why not: a damaged file is a one-line error, never a traceback."""
        try:
            self._import(files=files, **options)
        except CommandError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the files hold, no traceback
            raise CommandError(
                f"{', '.join(files)}: cannot be imported ({type(exc).__name__}: {exc}). "
                "Nothing was written."
            ) from None

    def _import(self, *, files, skip_invalid, **options):
        decoded = []
        for file in files:
            try:
                with open(file, encoding="utf-8-sig") as handle:
                    decoded.append((Path(file).name, json.load(handle)))
            except OSError as exc:
                raise CommandError(
                    f"Cannot read {file}: {exc.strerror}. Nothing was written."
                ) from None
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                where = (
                    f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
                    if isinstance(exc, json.JSONDecodeError)
                    else "it is not UTF-8 text"
                )
                raise CommandError(f"{file} is not JSON: {where}. Nothing was written.") from None
        total = sum(len(cri.extract_items(data)) for _, data in decoded if _readable(data))
        try:
            summary = cri.import_data(
                decoded,
                skip_invalid=skip_invalid,
                progress=self.progress if total >= cri.PROGRESS_EVERY else None,
            )
        except cri.FileError as exc:
            raise CommandError(f"{exc} Nothing was written.") from None
        except cri.ImportFailed as exc:
            problems = sorted(exc.summary.problems, key=lambda p: p.index)
            listed = "\n".join(f"  {problem}" for problem in problems)
            raise CommandError(
                f"{len(problems)} of {total} records are invalid; nothing was written "
                f"(use --skip-invalid to import the others).\n{listed}"
            ) from None
        for problem in sorted(summary.problems, key=lambda p: p.index):
            self.stderr.write(f"Skipped {problem}")
        self.stdout.write(f"Imported {', '.join(name for name, _ in decoded)}: {total} records.")
        for line in summary.lines():
            self.stdout.write(line)

    def progress(self, done: int, total: int) -> None:
        """One line per batch of records written, so a long import shows it is moving."""
        self.stderr.write(f"… {done}/{total} records")


def _readable(data) -> bool:
    try:
        cri.extract_items(data)
    except cri.FileError:
        return False
    return True
