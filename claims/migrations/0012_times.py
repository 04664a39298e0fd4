"""Hops' and disputes' stated_at and claims' first_reported_at become moments (issue 15).

A moment is a day or a UTC time (``factcheck.moments``); existing dates are kept as day
precision (``2024-04-22``), which sorts before any time of that day, so orderings and the
claim's first-reported day are unchanged.

On SQLite, changing a column rebuilds the table and drops the indexes migration 0002 made
outside Django's model state (the default claim ordering); they are made again here.
"""

import importlib

from django.db import migrations

import factcheck.moments
from factcheck.moments import moment_column_operation

HOP_HELP = (
    "Date (2024-04-22) or date and time with offset (2024-04-22T18:00Z); "
    "defaults to the document's."
)


def moment(**kwargs):
    return factcheck.moments.MomentField(blank=True, null=True, **kwargs)


def restore_vendor_indexes(apps, schema_editor):
    # CREATE INDEX IF NOT EXISTS: a no-op on PostgreSQL, where ALTER COLUMN keeps them.
    vendor_indexes = importlib.import_module("claims.migrations.0002_vendor_indexes")
    vendor_indexes.create_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("claims", "0011_review")]

    operations = [
        moment_column_operation(
            "claims.Attribution", "stated_at", moment(help_text=HOP_HELP), was_datetime=False
        ),
        moment_column_operation(
            "claims.HistoricalAttribution",
            "stated_at",
            moment(help_text=HOP_HELP),
            was_datetime=False,
        ),
        moment_column_operation("claims.Dispute", "stated_at", moment(), was_datetime=False),
        moment_column_operation(
            "claims.HistoricalDispute", "stated_at", moment(), was_datetime=False
        ),
        moment_column_operation(
            "claims.Claim", "first_reported_at", moment(editable=False), was_datetime=False
        ),
        moment_column_operation(
            "claims.HistoricalClaim",
            "first_reported_at",
            moment(editable=False),
            was_datetime=False,
        ),
        migrations.RunPython(restore_vendor_indexes, migrations.RunPython.noop),
    ]
