"""Issue 13: a change that reaches many claims is re-projected by a background job; until
then each such claim has a PendingRefresh row, and is served with ``"refreshing": true``.

Every stored document now carries ``"refreshing": false``; documents stored before are
given the key here, so ``refresh_derived --verify`` does not find every claim stale.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


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
        ("claims", "0014_unicode_slugs"),
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
        migrations.RunPython(documents_say_not_refreshing, migrations.RunPython.noop),
    ]
