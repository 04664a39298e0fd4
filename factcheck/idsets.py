"""A stored set of row ids that a filter asks "does it hold this id?" on either database.

PostgreSQL stores it as ``bigint[]``: ``holds`` is ``@>``, which a GIN index serves for a
rare id and which the planner estimates from the column's element statistics
(``most_common_elems``), so a common id is answered by walking the ordering's index
instead. SQLite, the zero-setup default, has no arrays: there it is JSON text and ``holds``
asks ``json_each``. One field and one lookup, so every query written against it means the
same on both.
"""

from __future__ import annotations

import json

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
