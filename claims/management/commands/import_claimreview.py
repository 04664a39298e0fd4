"""Import schema.org ClaimReview records (an array, one object or a feed) as tracker data."""

import json

from django.core.management.base import BaseCommand, CommandError

from claims.standards import claimreview_import as cri


class Command(BaseCommand):
    help = (
        "Import ClaimReview JSON-LD: sources, documents, claims, origin hops and verdicts. "
        "Every record is checked first; a bad record is reported with its position and "
        "nothing is written unless --skip-invalid. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a JSON file: an array, one ClaimReview, or a feed")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the good records and report the bad ones instead of refusing the file",
        )

    def handle(self, *args, file, **options):
        """Import, or report why not: a damaged file is a one-line error, never a traceback."""
        try:
            self._import(file=file, **options)
        except CommandError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the file does, no traceback
            raise CommandError(
                f"{file}: cannot be imported ({type(exc).__name__}: {exc}). Nothing was written."
            ) from None

    def _import(self, *, file, skip_invalid, **options):
        try:
            with open(file, encoding="utf-8-sig") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{file} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
                "Nothing was written."
            ) from exc
        try:
            items = cri.extract_items(data)
        except cri.FileError as exc:
            raise CommandError(f"{file}: {exc} Nothing was written.") from exc

        records, problems = cri.parse_items(items)
        if problems and not skip_invalid:
            self.fail(file, problems, len(items))

        summary = cri.Summary(skipped_invalid=len(problems), problems=list(problems))
        try:
            cri.import_records(
                records,
                skip_invalid=skip_invalid,
                progress=self.progress if len(records) >= cri.PROGRESS_EVERY else None,
                summary=summary,
            )
        except cri.ImportFailed as exc:
            self.fail(file, exc.summary.problems, len(items))

        for problem in sorted(summary.problems, key=lambda p: p.index):
            self.stderr.write(f"Skipped {problem}")
        self.stdout.write(f"Imported {file}: {len(items)} records.")
        for line in summary.lines():
            self.stdout.write(line)

    def progress(self, done: int, total: int) -> None:
        self.stderr.write(f"… {done}/{total} records")

    def fail(self, file, problems, total):
        listed = "\n".join(f"  {problem}" for problem in sorted(problems, key=lambda p: p.index))
        raise CommandError(
            f"{file}: {len(problems)} of {total} records are invalid; nothing was written "
            f"(use --skip-invalid to import the others).\n{listed}"
        )
