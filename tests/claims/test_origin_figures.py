"""The stored origin figures behind ``origin_kind`` and ``origin_anonymous``: computed by the
projection on every write that changes them, and filled by migration 0016 for old rows."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from claims import provenance, services
from claims.models import Claim
from sources import services as source_services
from sources.choices import SourceKind
from sources.models import Source
from tests.factories import ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/"


def ids(api, query: str) -> set[int]:
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_every_source_kind_has_its_own_bit():
    assert set(provenance.KIND_BITS) == set(SourceKind.values)
    bits = list(provenance.KIND_BITS.values())
    assert len(set(bits)) == len(bits)
    assert all(bit & (bit - 1) == 0 for bit in bits)  # one bit each


def test_filters_follow_hops_kinds_and_anonymity_as_they_change(researcher_api):
    official = SourceFactory(name="Unnamed US official", kind=SourceKind.OFFICIAL)
    channel = SourceFactory(name="Some channel", kind=SourceKind.SOCIAL_CHANNEL)
    outlet = SourceFactory(name="Some outlet", kind=SourceKind.NEWS_OUTLET)
    claim = ClaimFactory(text="A drone hit the base.")
    origin = services.attribution_add(claim=claim, source=official)
    services.attribution_add(claim=claim, source=outlet, cites=[origin])
    other = ClaimFactory(text="A rocket hit the port.")
    services.attribution_add(claim=other, source=channel)

    assert ids(researcher_api, "origin_kind=official") == {claim.pk}
    # The relaying outlet is not an origin.
    assert ids(researcher_api, "origin_kind=news_outlet") == set()
    assert ids(researcher_api, "origin_kind=social_channel") == {other.pk}
    assert ids(researcher_api, "origin_anonymous=true") == set()

    # A source's change reaches every claim it originates.
    source_services.source_update(official, is_anonymous=True)
    assert ids(researcher_api, "origin_anonymous=true") == {claim.pk}
    assert ids(researcher_api, "origin_anonymous=false") == {other.pk}
    source_services.source_update(channel, kind=SourceKind.ARMED_GROUP)
    assert ids(researcher_api, "origin_kind=social_channel") == set()
    assert ids(researcher_api, "origin_kind=armed_group") == {other.pk}

    # A second origin adds its kind; the first one's stays.
    services.attribution_add(claim=claim, source=channel)
    assert ids(researcher_api, "origin_kind=armed_group") == {claim.pk, other.pk}
    assert ids(researcher_api, "origin_kind=official") == {claim.pk}
    stored = Claim.objects.get(pk=claim.pk)
    assert stored.origin_kind_mask == (
        provenance.KIND_BITS[SourceKind.OFFICIAL] | provenance.KIND_BITS[SourceKind.ARMED_GROUP]
    )
    assert stored.origin_anonymous is True


def test_migration_fills_old_rows_as_the_projection_would(seed, researcher_api):
    before = {
        row[0]: row[1:]
        for row in Claim.objects.values_list("pk", "origin_kind_mask", "origin_anonymous")
    }
    assert any(mask for mask, _ in before.values())
    assert any(anonymous for _, anonymous in before.values())
    Claim.objects.update(origin_kind_mask=0, origin_anonymous=False)
    assert ids(researcher_api, "origin_kind=official") == set()

    migration = importlib.import_module("claims.migrations.0016_origin_figures")
    migration.fill(None, SimpleNamespace(connection=connection))

    after = {
        row[0]: row[1:]
        for row in Claim.objects.values_list("pk", "origin_kind_mask", "origin_anonymous")
    }
    assert after == before
    assert migration.KIND_BITS == provenance.KIND_BITS
    assert Source.objects.filter(kind=SourceKind.OFFICIAL).exists()
    assert ids(researcher_api, "origin_kind=official")
