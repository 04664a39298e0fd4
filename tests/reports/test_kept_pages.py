"""Public report pages are kept for anonymous readers until the data changes."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from claims import services
from tests.conftest import TELEGRAM_TEXT

pytestmark = pytest.mark.django_db

PAGES = ["/reports/disputed/", "/reports/sources/?sort=-disputes_raised"]


@override_settings(FACTCHECK_PUBLIC_REPORTS=True)
@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_reader_gets_the_kept_page_until_a_write(seed, url):
    reader = Client()
    first, second = reader.get(url), reader.get(url)
    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert second.content == first.content and not second.cookies
    assert "Log in" in second.content.decode()
    services.dispute_record(
        claim=seed.drone_claim,
        disputed_by=seed.source("reuters"),
        kind="retraction",
        statement="Withdrawn after review",
    )
    after = reader.get(url)
    assert after["X-Cache"] == "miss"
    assert after.content != first.content


@override_settings(FACTCHECK_PUBLIC_REPORTS=True)
def test_the_claim_page_is_kept_and_shows_a_new_verdict(seed, editor):
    url = f"/reports/claims/{seed.telegram_claim.pk}/"
    reader = Client()
    reader.get(url)
    assert reader.get(url)["X-Cache"] == "hit"
    services.verdict_set(claim=seed.telegram_claim, verdict="misattributed", user=editor)
    after = reader.get(url)
    assert after["X-Cache"] == "miss"
    assert "misattributed" in after.content.decode()
    assert TELEGRAM_TEXT in after.content.decode()


@override_settings(FACTCHECK_PUBLIC_REPORTS=True)
def test_signed_in_readers_and_downloads_are_never_kept(seed, researcher):
    client = Client()
    client.force_login(researcher)
    for _ in range(2):
        page = client.get("/reports/disputed/")
        assert page.status_code == 200 and "X-Cache" not in page
        assert "Signed in as" in page.content.decode()
    anonymous = Client()
    for _ in range(2):
        download = anonymous.get("/reports/disputed/?format=csv")
        assert download.status_code == 200 and "X-Cache" not in download
        assert b"".join(download.streaming_content).decode().startswith("id,text,")


def test_nothing_is_kept_while_reports_need_a_login(seed):
    response = Client().get("/reports/disputed/")
    assert response.status_code == 302 and "X-Cache" not in response
