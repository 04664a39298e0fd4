"""The stored source lineage of every claim (``provenance.source_lineage``): the sources its
hops name and every source above them. ``source_family=X`` becomes "X is in the claim's
lineage", read on the claim's row, where it walked X's family and probed each claim's hops:
at 1M claims the family with the most hops (200,074) was the slowest list, (c).

Filled here with the same rule in SQL (sorted, distinct ids). PostgreSQL also gets a GIN
index (a rare family's claims found from the index) and fresh statistics (the planner's
``most_common_elems`` tell it a big family matches one claim in five, so it walks the
ordering's index instead). 4 min 43 s at 1M claims; ``refresh_derived --verify`` checks
the result against the projection.

On SQLite the new column rebuilds the table, which drops the indexes migrations 0002 and
0020 made outside Django's model state; they are made again here, as 0012, 0018 and 0019 do.
"""

import importlib

from django.db import migrations

import factcheck.idsets

INDEX = "claims_claim_lineage_gin"

# Each source with itself and every source above it, up each affiliation chain. UNION
# (not UNION ALL) stops at rows already seen, so even a loop terminates.
UP = (
    "WITH RECURSIVE up(source_id, ancestor) AS ("
    " SELECT id, id FROM sources_source"
    " UNION SELECT up.source_id, s.affiliated_with_id FROM up"
    " JOIN sources_source s ON s.id = up.ancestor WHERE s.affiliated_with_id IS NOT NULL)"
)


def restore_vendor_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in ("0002_vendor_indexes", "0020_claim_text_lookup"):
            module = importlib.import_module(f"claims.migrations.{name}")
            (module.create_indexes if name.startswith("0002") else module.create)(
                apps, schema_editor
            )


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"{UP} UPDATE claims_claim c SET source_lineage = l.ids FROM ("
            " SELECT h.claim_id, array_agg(DISTINCT up.ancestor ORDER BY up.ancestor) AS ids"
            " FROM claims_attribution h JOIN up ON up.source_id = h.source_id"
            " GROUP BY h.claim_id) l WHERE c.id = l.claim_id"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_claim USING gin (source_lineage)"
        )
        schema_editor.execute("ANALYZE claims_claim")
    else:
        schema_editor.execute(
            f"{UP} UPDATE claims_claim SET source_lineage = ("
            " SELECT json_group_array(ancestor) FROM (SELECT DISTINCT up.ancestor"
            " FROM claims_attribution h JOIN up ON up.source_id = h.source_id"
            " WHERE h.claim_id = claims_claim.id ORDER BY up.ancestor))"
            " WHERE EXISTS (SELECT 1 FROM claims_attribution h WHERE h.claim_id = claims_claim.id)"
        )


def unfill(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0020_claim_text_lookup")]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="source_lineage",
            field=factcheck.idsets.IdSetField(default=list, editable=False),
        ),
        migrations.RunPython(restore_vendor_indexes, migrations.RunPython.noop),
        migrations.RunPython(fill, unfill),
    ]
