"""Issue 13: a change that reaches many claims is re-projected by a background job; until
then each such claim has a PendingRefresh row, and is served with ``"refreshing": true``.

Every stored document now carries ``"refreshing": false``; documents stored before are
given the key here, so ``refresh_derived --verify`` does not find every claim stale.

On SQLite, 0016's new claim columns rebuilt the table and dropped the ordering indexes
migration 0002 made outside Django's model state; they are made again here, as 0012 does.
"""

import importlib

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def restore_vendor_indexes(apps, schema_editor):
    # CREATE INDEX IF NOT EXISTS: a no-op on PostgreSQL, where ADD COLUMN keeps them.
    vendor_indexes = importlib.import_module("claims.migrations.0002_vendor_indexes")
    vendor_indexes.create_indexes(apps, schema_editor)


def documents_say_not_refreshing(apps, schema_editor):
    table = apps.get_model("claims", "Claim")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET document = jsonb_set(document, '{{refreshing}}', 'false') "
                "WHERE csv_row <> '' AND NOT (document ? 'refreshing')"
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET document = json_set(document, '$.refreshing', json('false')) "
                "WHERE csv_row <> '' AND json_type(document, '$.refreshing') IS NULL"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0017_origin_figures_statistics"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingRefresh",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="pending_refresh",
                        serialize=False,
                        to="claims.claim",
                    ),
                ),
                ("marked_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "claim being refreshed",
                "verbose_name_plural": "claims being refreshed",
                "ordering": ["claim"],
            },
        ),
        migrations.RunPython(restore_vendor_indexes, migrations.RunPython.noop),
        migrations.RunPython(documents_say_not_refreshing, migrations.RunPython.noop),
    ]
