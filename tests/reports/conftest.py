"""Fixtures for the report tests: a logged-in reader and small disputed claims."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from tests.factories import AttributionFactory, ClaimFactory, DisputeFactory, SourceFactory


@pytest.fixture
def reader(db):
    """A plain user with no group: reports need a login, nothing more."""
    return get_user_model().objects.create_user("reader", password="pw-reader")


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def make_disputed(db):
    """Make a disputed claim: origin → relay → last reporter, origin denied by a new source."""

    def make(text: str = "", day: int = 1, kind: str = "denial", **dispute):
        claim = ClaimFactory(**({"text": text} if text else {}))
        when = datetime.date(2024, 1, day)
        origin = AttributionFactory(claim=claim, stated_at=when)
        relay = AttributionFactory(claim=claim, cites=[origin], stated_at=when)
        last = AttributionFactory(claim=claim, cites=[relay], stated_at=when)
        dispute.setdefault("disputed_by", SourceFactory())
        DisputeFactory(claim=claim, kind=kind, target=origin, **dispute)
        claim.refresh_from_db()
        return claim, [origin, relay, last]

    return make
