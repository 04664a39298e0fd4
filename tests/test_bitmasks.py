"""``has_bits``: a stored bit mask asked whether all of some bits are set, on either database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import selectors, services
from claims.models import Claim
from claims.provenance import KIND_BITS

pytestmark = pytest.mark.django_db


def test_has_bits_keeps_exactly_the_rows_with_every_bit_set():
    masks = [0b000, 0b001, 0b010, 0b011, 0b110, 0b111]
    ids = {}
    for mask in masks:
        claim = services.claim_create(text=f"Mask {mask}")
        Claim.objects.filter(pk=claim.pk).update(origin_kind_mask=mask)
        ids[mask] = claim.pk

    def found(bits):
        rows = Claim.objects.filter(origin_kind_mask__has_bits=bits)
        return {mask for mask, pk in ids.items() if pk in set(rows.values_list("pk", flat=True))}

    assert found(0b001) == {0b001, 0b011, 0b111}
    assert found(0b010) == {0b010, 0b011, 0b110, 0b111}
    assert found(0b011) == {0b011, 0b111}  # both bits, not either
    assert found(0b100) == {0b110, 0b111}
    excluded = Claim.objects.exclude(origin_kind_mask__has_bits=0b010)
    assert {m for m, pk in ids.items() if excluded.filter(pk=pk).exists()} == {0b000, 0b001}


def test_origin_kind_is_the_expression_the_statistics_are_on():
    # claims migration 0017 keeps extended statistics on ``(origin_kind_mask & bit)``: the
    # filter must say exactly that for the planner to use them.
    bit = KIND_BITS["official"]
    with CaptureQueriesContext(connection) as ran:
        list(selectors.with_origin_kind(Claim.objects.all(), "official").values_list("pk"))
    [query] = ran.captured_queries
    assert f'("claims_claim"."origin_kind_mask" & {bit}) = {bit}' in query["sql"]
