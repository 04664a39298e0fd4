"""JSON kept as the text it was written in: ``text`` on PostgreSQL, not ``jsonb``.

A claim's stored document is written once per change and read on every page: what a reader
gets is that text, as written. ``jsonb`` keeps a parsed tree instead, so every read turned
it back into text, about 50 µs a document at a million claims (2.7 ms of PostgreSQL's
3.4 ms for a page of 51, bench/RESULTS.md), and every write parsed the new document into a
tree to compare it with the stored one. As text it is served as written, key order included
(the projection's, not ``jsonb``'s shortest-key-first), and compared as written, which is
exact because one function writes every document (``dumps`` here).

Why not PostgreSQL's ``json`` type, which also keeps the text: it has no equality operator,
so ``DISTINCT``, ``UNION`` or ``IS DISTINCT FROM`` over a claim's columns would fail (a
500 for a query that never asked about the document). In SQL, ``document::jsonb`` gives
the tree. SQLite keeps JSON as text already (with Django's ``JSON_VALID`` check).
"""

from __future__ import annotations

import json

from django.db import models


def dumps(value) -> str:
    """JSON text as stored: compact, non-ASCII kept as is. ``NaN`` or an infinity, which
    Python would write but JSON has no word for, is refused (``ValueError``) rather than
    stored as text no client could parse."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class JSONTextField(models.JSONField):
    """A ``JSONField`` stored as ``text`` on PostgreSQL: read and compared as written.

    Key lookups (``document__key``) are ``jsonb`` operators and do not apply to it; nothing
    filters inside a document (the figures it holds have columns of their own)."""

    description = "JSON, stored as written"

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "text"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        # Django's adapter for PostgreSQL casts to ``jsonb``, which would store jsonb's text.
        if not prepared:
            value = self.get_prep_value(value)
        return None if value is None else dumps(value)
