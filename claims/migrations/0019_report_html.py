# The disputed report's entry of each disputed claim is stored with its projection
# (``Claim.report_html``), drawn when the claim changes rather than on every page: drawing
# 20 entries was most of a report page. Existing disputed claims are marked for
# re-projection (an empty ``csv_row``, as 0015 does); the post-migrate hook
# (``claims.apps.project_unprojected``) draws their entries with the current code.
#
# On SQLite the new column rebuilds the table, which drops the ordering indexes migration
# 0002 made outside Django's model state; they are made again here, as 0012 and 0018 do.

import importlib

from django.db import migrations, models


def restore_vendor_indexes(apps, schema_editor):
    # CREATE INDEX IF NOT EXISTS: a no-op on PostgreSQL, where ADD COLUMN keeps them.
    vendor_indexes = importlib.import_module("claims.migrations.0002_vendor_indexes")
    vendor_indexes.create_indexes(apps, schema_editor)


def mark_disputed(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Claim.objects.filter(is_disputed=True).update(csv_row="")


class Migration(migrations.Migration):
    dependencies = [("claims", "0018_pending_refresh")]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="report_html",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(restore_vendor_indexes, migrations.RunPython.noop),
        migrations.RunPython(mark_disputed, migrations.RunPython.noop),
    ]
