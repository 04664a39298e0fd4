"""Statements compiled once and run again with new values: a QuerySet's SQL, kept.

Building and compiling a QuerySet (the filter, its lookups and joins, the compiler) costs
Django about a millisecond, more than PostgreSQL takes to answer a lookup by key. A few
statements run on every request with only a value changing: the API token's lookup and a
claim's stored document. For those, ``Prepared`` compiles the QuerySet once per database
and thread, with marker values where the request's values go, and each call runs that SQL
with the markers swapped for the values, through Django's own cursor (so it is logged,
counted and wrapped as any other query) and Django's own converters for the columns.

The rule stays in the QuerySet: ``Prepared`` only skips rebuilding it. A statement whose
shape depends on its values (``__in`` lists, optional filters) cannot be prepared this way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


class Prepared:
    """``build(*markers)`` -> QuerySet; ``prepared.rows(*values)`` runs it with ``values``.

    ``markers`` are values of the right type that no real call passes (a negative id, a key
    no token can have). Each must appear exactly once among the compiled statement's
    parameters, or compiling fails loudly (the statement cannot be prepared).
    """

    def __init__(self, build: Callable[..., QuerySet], *markers):
        self.build = build
        self.markers = markers
        self._compiled = threading.local()  # alias -> (compiler, sql, params, slots, converters)

    def _compile(self, alias: str):
        kept = getattr(self._compiled, alias, None)
        if kept is not None:
            return kept
        compiler = self.build(*self.markers).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for marker in self.markers:
            found = [i for i, param in enumerate(params) if param == marker]
            if len(found) != 1:
                raise ValueError(f"Marker {marker!r} is among the parameters {len(found)} times.")
            slots.append(found[0])
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(columns)
        kept = (compiler, sql, params, slots, converters)
        setattr(self._compiled, alias, kept)
        return kept

    def rows(self, *values, using: str = DEFAULT_DB_ALIAS) -> Sequence[tuple]:
        """The statement's rows for ``values`` (one per marker), converted as the ORM
        converts them."""
        compiler, sql, template, slots, converters = self._compile(using)
        params = list(template)
        for slot, value in zip(slots, values, strict=True):
            params[slot] = value
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters and rows:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows
