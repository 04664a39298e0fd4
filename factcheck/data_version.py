"""The triggers behind the data version (``factcheck.response_cache``).

A trigger on each table a read answer is built from (claims, hops, their citations,
disputes, topics, sources, documents, and users, whose names show as reviewers) adds one to
``factcheck_data_version.version`` in the writing transaction, whatever wrote: services,
admin, imports, raw SQL. Migration ``claims/0007_data_version`` creates them.

SQLite loses a table's triggers whenever Django rebuilds the table, which its schema editor
does for most column changes (``claims/0008`` adding two columns did): with the triggers
gone, kept answers would outlive the data under them. So ``ensure_triggers`` runs after
every ``migrate`` (``FactcheckConfig.ready``) and puts back whichever is missing.
"""

from __future__ import annotations

TABLE = "factcheck_data_version"

TABLES = (
    "claims_claim",
    "claims_attribution",
    "claims_attribution_cites",
    "claims_dispute",
    "claims_topic",
    "claims_claim_topics",
    "claims_review",
    "sources_source",
    "sources_document",
    "auth_user",
)

SQLITE_EVENTS = ("insert", "update", "delete")

BUMP = f"UPDATE {TABLE} SET version = version + 1 WHERE id = 1"


def trigger_names(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"{table}_data_version" for table in TABLES]
    return [f"{table}_data_version_{event}" for table in TABLES for event in SQLITE_EVENTS]


def ensure_triggers(connection) -> list[str]:
    """Create the counter's triggers that do not exist; return the names created.

    Does nothing before the counter table exists (a partial migration, or migrating back).
    """
    existing = set(connection.introspection.table_names())
    if TABLE not in existing:
        return []
    # A table made by a later migration (claims_review) gets its trigger from that migration.
    tables = [table for table in TABLES if table in existing]
    created = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One bump per statement, so a COPY or a bulk update costs one row update too.
            cursor.execute(
                "CREATE OR REPLACE FUNCTION factcheck_data_version_bump() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
            )
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", ["%\\_data\\_version"]
            )
            present = {row[0] for row in cursor.fetchall()}
            for table in tables:
                name = f"{table}_data_version"
                if name not in present:
                    cursor.execute(
                        f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                        f"ON {table} FOR EACH STATEMENT "
                        "EXECUTE FUNCTION factcheck_data_version_bump()"
                    )
                    created.append(name)
            return created
        # SQLite has row triggers only.
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        for table in tables:
            for event in SQLITE_EVENTS:
                name = f"{table}_data_version_{event}"
                if name not in present:
                    cursor.execute(
                        f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} BEGIN {BUMP}; END"
                    )
                    created.append(name)
    return created


def drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS factcheck_data_version_bump()")
        else:
            for name in trigger_names(connection.vendor):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
