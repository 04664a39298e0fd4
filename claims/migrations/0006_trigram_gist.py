"""GiST trigram index so likely duplicates come from a nearest-neighbour index scan.

The GIN index of 0005 stays: it serves the admin's contains-search on claim text.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS claims_claim_text_trgm_gist ON claims_claim "
        "USING gist (text gist_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS claims_claim_text_trgm_gist")


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_trigram")]

    operations = [migrations.RunPython(create, drop)]
