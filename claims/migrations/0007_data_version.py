"""One counter that every write moves: the version read answers are cached under.

A trigger on each table a read answer is built from (claims, hops, their citations,
disputes, topics, sources, documents, and users, whose names show as reviewers) adds one to
``factcheck_data_version.version`` in the writing transaction, whatever wrote: services,
admin, imports, raw SQL. ``factcheck.response_cache`` keys answers by that number, so an
answer is never served after the data under it changed.
"""

from django.db import migrations

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


def create(apps, schema_editor):
    run = schema_editor.execute
    run(
        "CREATE TABLE factcheck_data_version "
        "(id smallint PRIMARY KEY, version bigint NOT NULL DEFAULT 0)"
    )
    run("INSERT INTO factcheck_data_version (id, version) VALUES (1, 0)")
    if schema_editor.connection.vendor == "postgresql":
        # One bump per statement, so a COPY or a bulk update costs one row update too.
        run(
            "CREATE FUNCTION factcheck_data_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN UPDATE factcheck_data_version SET version = version + 1 WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        for table in TABLES:
            run(
                f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR "
                f"TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION factcheck_data_version_bump()"
            )
        return
    # SQLite has row triggers only.
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            run(
                f"CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {event} ON {table} "
                "BEGIN UPDATE factcheck_data_version SET version = version + 1 WHERE id = 1; END"
            )


def drop(apps, schema_editor):
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
        ("claims", "0006_trigram_gist"),
        ("sources", "0002_source_family"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, drop)]
