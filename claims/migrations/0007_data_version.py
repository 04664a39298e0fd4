"""One counter that every write moves: the version read answers are cached under.

A trigger on each table a read answer is built from adds one to
``factcheck_data_version.version`` in the writing transaction, whatever wrote
(``factcheck.data_version``). ``factcheck.response_cache`` keys answers by that number, so
an answer is never served after the data under it changed.
"""

from django.db import migrations

# The counter and its triggers are gone since 0009 (claims read a stored projection; there
# is no answer cache to invalidate): a fresh database gets the table only, which 0009 drops.
TABLE = "factcheck_data_version"


def create(apps, schema_editor):
    run = schema_editor.execute
    run(f"CREATE TABLE {TABLE} (id smallint PRIMARY KEY, version bigint NOT NULL DEFAULT 0)")
    run(f"INSERT INTO {TABLE} (id, version) VALUES (1, 0)")


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_trigram_gist"),
        ("sources", "0002_source_family"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, drop)]
