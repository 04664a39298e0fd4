"""Indexes that differ between PostgreSQL and SQLite.

- The default claim ordering is ``first_reported_at DESC NULLS LAST, id DESC``. PostgreSQL
  only walks an index written with the same NULLS LAST; SQLite cannot write NULLS LAST in an
  index but already sorts NULLs last when descending, so a plain DESC index matches.
- Full-text search on PostgreSQL uses a GIN index; SQLite searches with a contains-match.
"""

from django.db import migrations

# Must be the very expression Django writes for
# SearchVector("search_document", config="english") in ClaimFilterSet.filter_search,
# or PostgreSQL will not use the index.
SEARCH_EXPRESSION = "to_tsvector('english'::regconfig, COALESCE(\"search_document\", ''))"

ORDERING_INDEXES = {
    "claims_claim_reported_idx": "first_reported_at DESC{nulls}, id DESC",
    "claims_claim_disp_rep_idx": "is_disputed, first_reported_at DESC{nulls}, id DESC",
}


def create_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    nulls = " NULLS LAST" if postgres else ""
    for name, columns in ORDERING_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON claims_claim ({columns.format(nulls=nulls)})"
        )
    if postgres:
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS claims_claim_search_gin ON claims_claim "
            f"USING gin ({SEARCH_EXPRESSION})"
        )


def drop_indexes(apps, schema_editor):
    for name in [*ORDERING_INDEXES, "claims_claim_search_gin"]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
