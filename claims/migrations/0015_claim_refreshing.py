"""Issue 13: a change that reaches many claims is re-projected by a background job; until
then its claims are marked as being refreshed (column and stored document).

On SQLite, adding a NOT NULL column rebuilds the table and drops the indexes migration 0002
made outside Django's model state (the default claim ordering); they are made again here,
as 0012 does.
"""

import importlib

from django.db import migrations, models


def restore_vendor_indexes(apps, schema_editor):
    # CREATE INDEX IF NOT EXISTS: a no-op on PostgreSQL, where ADD COLUMN keeps them.
    vendor_indexes = importlib.import_module("claims.migrations.0002_vendor_indexes")
    vendor_indexes.create_indexes(apps, schema_editor)


def documents_say_not_refreshing(apps, schema_editor):
    """Give every stored document the ``refreshing`` key a fresh projection now carries, so
    ``refresh_derived --verify`` does not find every claim stale after upgrading."""
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
        ("claims", "0014_unicode_slugs"),
    ]

    operations = [
        # Unapplying runs this last, after RemoveField rebuilt the table on SQLite.
        migrations.RunPython(migrations.RunPython.noop, restore_vendor_indexes),
        migrations.AddField(
            model_name="claim",
            name="refreshing",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("refreshing", True)),
                fields=["id"],
                name="claims_claim_refreshing_idx",
            ),
        ),
        migrations.RunPython(restore_vendor_indexes, migrations.RunPython.noop),
        migrations.RunPython(documents_say_not_refreshing, migrations.RunPython.noop),
    ]
