"""Trigram index for finding duplicate claims on PostgreSQL (pg_trgm); SQLite scores in Python."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS claims_claim_text_trgm ON claims_claim "
        "USING gin (text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS claims_claim_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_provenance_intelligence")]

    operations = [migrations.RunPython(create, drop)]
