"""Each claim's read projection is stored on it (document, CSV line); the per-process answer
cache and the data-version triggers it needed go (DESIGN.md, "Reads come from one
projection, computed on write"). Claims that exist already are projected after ``migrate``
(``claims.apps``), when every table the projection reads is in place."""

from django.db import migrations, models

TABLES = (
    "claims_claim",
    "claims_attribution",
    "claims_attribution_cites",
    "claims_dispute",
    "claims_topic",
    "claims_claim_topics",
    "sources_source",
    "sources_document",
    "auth_user",
)


def drop_data_version(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            run(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
        run("DROP FUNCTION IF EXISTS factcheck_data_version_bump()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                run(f"DROP TRIGGER IF EXISTS {table}_data_version_{event}")
    run("DROP TABLE IF EXISTS factcheck_data_version")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_csv_provenance_columns"),
    ]

    operations = [
        migrations.RunPython(drop_data_version, migrations.RunPython.noop),
        migrations.RemoveField(model_name="claim", name="chain_source_ids"),
        migrations.RemoveField(model_name="claim", name="origin_source_ids"),
        migrations.AddField(
            model_name="claim",
            name="document",
            field=models.JSONField(default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="claim",
            name="csv_row",
            field=models.TextField(blank=True, default="", editable=False),
        ),
    ]
