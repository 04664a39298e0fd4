"""Stored bit masks asked "are these bits set?": ``field__has_bits=n`` is ``(field & n) = n``.

Written as that one expression, so that PostgreSQL's extended statistics on
``(origin_kind_mask & bit)`` (claims migration 0017) apply to it. One lookup instead of an
``alias(F(...).bitand(n))`` and a filter on it: the alias cloned the query and built an
expression on every list request that filters on kinds, a tenth of (a)'s Python
(bench/RESULTS.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup


class HasBits(Lookup):
    """Every bit of the right-hand side is set in the field."""

    lookup_name = "has_bits"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) = {rhs}", [*lhs_params, *rhs_params, *rhs_params]


models.PositiveIntegerField.register_lookup(HasBits)
