"""The stored chains and origins the CSV export reads (Claim.chain_source_ids, origin_source_ids).

They are derived columns: the services keep them with every hop change, a migration fills
them for existing claims, and the export turns their ids into today's slugs and names.
"""

from __future__ import annotations

import csv
import importlib
import io

import pytest
from django.apps import apps

from claims import exports, provenance, rows, selectors, services
from claims.models import Claim
from sources import services as source_services
from tests.conftest import TELEGRAM_TEXT
from tests.factories import AttributionFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

fill = importlib.import_module("claims.migrations.0008_csv_provenance_columns").fill


def ids_of(*sources) -> str:
    return ">".join(str(source.pk) for source in sources)


def csv_of(claim_id: int) -> dict:
    [row] = list(rows.export_rows(Claim.objects.filter(pk=claim_id)))
    return dict(zip(exports.CLAIM_CSV_HEADER, row, strict=True))


def test_the_seed_telegram_claim_stores_its_chain_as_source_ids(seed):
    claim = Claim.objects.get(text=TELEGRAM_TEXT)
    hops = list(claim.attributions.order_by("id"))
    assert claim.chain_source_ids == ids_of(*(hop.source for hop in hops))
    assert claim.origin_source_ids == str(hops[0].source_id)


def test_a_hop_added_through_the_services_extends_the_stored_chain(db):
    wire, outlet, blog = (SourceFactory(name=name) for name in ("Wire", "Outlet", "Blog"))
    claim = ClaimFactory(text="The bridge was closed")
    first = AttributionFactory(claim=claim, source=wire)
    second = AttributionFactory(claim=claim, source=outlet, cites=[first])
    claim.refresh_from_db()
    assert claim.chain_source_ids == ids_of(wire, outlet)
    services.attribution_add(claim=claim, source=blog, cites=[second])
    services.attribution_add(claim=claim, source=blog, cites=[first])
    claim.refresh_from_db()
    assert claim.chain_source_ids == f"{ids_of(wire, outlet, blog)};{ids_of(wire, blog)}"
    assert claim.origin_source_ids == str(wire.pk)
    assert csv_of(claim.pk)["chains"] == "Wire → Outlet → Blog | Wire → Blog"
    # Deleting the middle hop is refused while another cites it; the last one can go.
    services.attribution_delete(claim.attributions.order_by("-id").first())
    claim.refresh_from_db()
    assert claim.chain_source_ids == ids_of(wire, outlet, blog)


def test_a_renamed_source_shows_its_new_name_and_nothing_stored_changes(seed):
    claim = Claim.objects.get(text=TELEGRAM_TEXT)
    stored = claim.chain_source_ids
    reuters = source_services.source_update(
        claim.attributions.get(source__slug="reuters").source, name="Reuters News"
    )
    row = csv_of(claim.pk)
    assert row["chains"] == (
        "Telegram channel affiliated with Kataib Hezbollah → Reuters News → Antiwar.com"
    )
    assert reuters.slug == "reuters"
    claim.refresh_from_db()
    assert claim.chain_source_ids == stored


def test_more_chains_than_the_limit_are_cut_where_the_serializer_cuts_them(db):
    # A lattice: each of six layers of two hops cites both hops of the layer before, so
    # there are 2**6 = 64 paths per starting hop: 128 in all, more than MAX_CHAINS.
    claim = ClaimFactory(text="The lattice claim")
    layer = [AttributionFactory(claim=claim, source=SourceFactory()) for _ in range(2)]
    for _ in range(6):
        layer = [
            AttributionFactory(claim=claim, source=SourceFactory(), cites=layer) for _ in range(2)
        ]
    claim.refresh_from_db()
    stored = claim.chain_source_ids.split(";")
    assert len(stored) == provenance.MAX_CHAINS
    instance = selectors.claim_list().get(pk=claim.pk)
    expected = exports.claim_csv_row(instance)
    assert [*csv_of(claim.pk).values()] == expected


def test_the_migration_fills_what_the_services_would(seed, db):
    graphs = importlib.import_module("tests.graphs")
    graphs.wire_echo(outlets=3)
    graphs.citation_loop()
    expected = dict(Claim.objects.values_list("pk", "chain_source_ids"))
    origins = dict(Claim.objects.values_list("pk", "origin_source_ids"))
    with_hops = set(Claim.objects.filter(attributions__isnull=False).values_list("pk", flat=True))
    assert {pk for pk, value in expected.items() if value} == with_hops
    assert any(";" in value for value in expected.values())  # the echo's several chains
    Claim.objects.update(chain_source_ids="", origin_source_ids="")
    fill(apps, None)
    assert dict(Claim.objects.values_list("pk", "chain_source_ids")) == expected
    assert dict(Claim.objects.values_list("pk", "origin_source_ids")) == origins


def test_a_csv_of_many_chunks_has_every_row_once(seed):
    for number in range(7):
        claim = ClaimFactory(text=f"Chunked claim {number}")
        AttributionFactory(claim=claim, source=SourceFactory(name=f"Chunk source {number}"))
    claims = Claim.objects.order_by("pk")
    whole = list(rows.export_rows(claims, chunk_size=1000))
    chunked = list(rows.export_rows(claims, chunk_size=2))
    assert chunked == whole
    assert len(whole) == claims.count()
    text = io.StringIO()
    csv.writer(text).writerows(chunked)
    assert "Chunk source 6" in text.getvalue()
