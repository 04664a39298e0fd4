"""Stored origin figures (``origin_kind_mask``, ``origin_anonymous``), filled for every
existing claim from its origin hops, so the ``origin_kind`` and ``origin_anonymous`` filters
read one column from the first request on.

PostgreSQL: one set-based UPDATE (a million claims in well under a minute). SQLite: the
origin hops read once and the claims updated in batches. The bits are written out here,
not imported, so the migration keeps meaning what it meant when it was written.
"""

from django.db import migrations, models

KIND_BITS = {
    "news_agency": 1 << 0,
    "news_outlet": 1 << 1,
    "government": 1 << 2,
    "official": 1 << 3,
    "military": 1 << 4,
    "armed_group": 1 << 5,
    "social_channel": 1 << 6,
    "organization": 1 << 7,
    "person": 1 << 8,
    "other": 1 << 9,
    "fact_checker": 1 << 10,
}


def fill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            case = " ".join(f"WHEN '{kind}' THEN {bit}" for kind, bit in KIND_BITS.items())
            cursor.execute(
                "UPDATE claims_claim c SET origin_kind_mask = o.mask, origin_anonymous = o.anon"
                " FROM (SELECT a.claim_id, bit_or(CASE s.kind "
                + case
                + " ELSE 0 END) AS mask, bool_or(s.is_anonymous) AS anon"
                " FROM claims_attribution a JOIN sources_source s ON s.id = a.source_id"
                " WHERE a.is_origin GROUP BY a.claim_id) o WHERE c.id = o.claim_id"
            )
            return
        cursor.execute(
            "SELECT a.claim_id, s.kind, s.is_anonymous FROM claims_attribution a"
            " JOIN sources_source s ON s.id = a.source_id WHERE a.is_origin"
        )
        figures: dict[int, list] = {}
        for claim_id, kind, anonymous in cursor.fetchall():
            mask_anon = figures.setdefault(claim_id, [0, False])
            mask_anon[0] |= KIND_BITS.get(kind, 0)
            mask_anon[1] = mask_anon[1] or bool(anonymous)
        cursor.executemany(
            "UPDATE claims_claim SET origin_kind_mask = %s, origin_anonymous = %s WHERE id = %s",
            [(mask, anon, pk) for pk, (mask, anon) in figures.items()],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0015_reproject_reviews"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="origin_anonymous",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="claim",
            name="origin_kind_mask",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
