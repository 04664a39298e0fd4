"""Reused reads for sources."""

from django.db.models.expressions import RawSQL

from .models import Source


def family_ids_sql(source: Source) -> RawSQL:
    """Ids of ``source`` and every source affiliated with it, transitively, as a subquery.

    ``UNION`` (not ``UNION ALL``) stops at rows already seen, so even a loop written behind
    the services' back terminates.
    """
    table = Source._meta.db_table
    return RawSQL(
        f"WITH RECURSIVE family(id) AS ("
        f" SELECT id FROM {table} WHERE id = %s"
        f" UNION SELECT s.id FROM {table} s JOIN family f ON s.affiliated_with_id = f.id"
        f") SELECT id FROM family",
        (source.pk,),
    )
