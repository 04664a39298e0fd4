"""Sets of row ids on either database: a stored set a filter asks "does it hold this id?"
(``IdSetField``, ``holds``), and a set sent with a query (``any_of``).

PostgreSQL stores it as ``bigint[]``: ``holds`` is ``@>``, which a GIN index serves for a
rare id and which the planner estimates from the column's element statistics
(``most_common_elems``), so a common id is answered by walking the ordering's index
instead. SQLite, the zero-setup default, has no arrays: there it is JSON text and ``holds``
asks ``json_each``. One field and one lookup, so every query written against it means the
same on both.

``any_of`` is ``__in`` for a list of ids sent as one parameter: ``= ANY(%s)`` with one
array on PostgreSQL, ``IN (SELECT value FROM json_each(%s))`` with one JSON text on SQLite.
Django's ``__in`` prepares every element and writes one placeholder for each: for a batch of
1,000 claims that was a tenth of a rebuild's time in Python (bench/RESULTS.md), and
SQLite's default build refuses more than 32,766 placeholders in one statement.
"""

from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup


class IdSetField(models.Field):
    """A sorted list of distinct ids (``[]`` when empty)."""

    description = "A set of ids"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        return json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            value = json.loads(value)
        return None if value is None else sorted({int(item) for item in value})

    def get_db_prep_value(self, value, connection, prepared=False):
        value = self.to_python(value)
        if value is None or connection.vendor == "postgresql":
            return value
        return json.dumps(value, separators=(",", ":"))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))


@IdSetField.register_lookup
class Holds(Lookup):
    """``field__holds=<id>``: the set holds that id."""

    lookup_name = "holds"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [int(value)]

    def as_sql(self, compiler, connection):  # SQLite and any other database: JSON text
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = {rhs})",
            [*lhs_params, *rhs_params],
        )

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @> ARRAY[{rhs}]::bigint[]", [*lhs_params, *rhs_params]


class AnyOf(Lookup):
    """``field__any_of=ids``: the value is one of ``ids`` (ints), sent as one parameter."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        ids = [int(item) for item in value]
        if connection.vendor == "postgresql":
            return "%s", [ids]
        return "%s", [json.dumps(ids, separators=(",", ":"))]

    def as_sql(self, compiler, connection):  # SQLite and any other database: JSON text
        self.nothing_if_empty()
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]

    def nothing_if_empty(self) -> None:
        # As ``__in`` does: no ids matches no row, and the query is not sent at all.
        if not self.rhs:
            raise EmptyResultSet

    def as_postgresql(self, compiler, connection):
        self.nothing_if_empty()
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]


# Every integer column and every foreign key (Django looks a foreign key's lookups up on
# ``ForeignObject`` and below, not on ``Field``).
models.IntegerField.register_lookup(AnyOf)
models.ForeignKey.register_lookup(AnyOf)
