"""The stored document as text on PostgreSQL: kept as written, no ``jsonb`` tree to turn
back into text on every read (factcheck.jsontext). SQLite already stores JSON as text, so
only PostgreSQL's column changes; remaking SQLite's table for it would change nothing.

The change rewrites the table on PostgreSQL (about a minute a million claims). The
documents keep ``jsonb``'s key order until ``manage.py refresh_derived`` writes them again
in the projection's order; both are the same JSON."""

import factcheck.jsontext
from django.db import migrations


def column_type(kind):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "claims_claim" ALTER COLUMN "document" TYPE {kind}'
                f' USING "document"::{kind}'
            )

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0021_source_lineage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="claim",
                    name="document",
                    field=factcheck.jsontext.JSONTextField(default=dict, editable=False),
                ),
            ],
            database_operations=[
                migrations.RunPython(column_type("text"), column_type("jsonb")),
            ],
        ),
    ]
