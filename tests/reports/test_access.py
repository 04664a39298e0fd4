"""Who may read the reports: logged-in users, or everyone when FACTCHECK_PUBLIC_REPORTS is on."""

import pytest
from django.test import override_settings

from tests.conftest import TELEGRAM_TEXT

REPORTS = ["/reports/disputed/", "/reports/sources/", "/reports/disputed/?format=csv"]


@pytest.mark.parametrize("url", REPORTS)
def test_anonymous_reader_is_sent_to_log_in(client, seed, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/reports/")


def test_anonymous_claim_report_redirects(client, seed):
    url = f"/reports/claims/{seed.telegram_claim.pk}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


@override_settings(FACTCHECK_PUBLIC_REPORTS=True)
@pytest.mark.parametrize("url", REPORTS)
def test_public_reports_are_open_to_anonymous(client, seed, url):
    response = client.get(url)
    assert response.status_code == 200
    if not response.streaming:
        assert "Log in" in response.content.decode()


@override_settings(FACTCHECK_PUBLIC_REPORTS=True)
def test_public_claim_report(client, seed):
    response = client.get(f"/reports/claims/{seed.telegram_claim.pk}/")
    assert response.status_code == 200
    assert TELEGRAM_TEXT in response.content.decode()


def test_non_staff_reader_logs_in_through_the_reports_form(client, seed, researcher):
    # The admin's login refuses non-staff users; the reports' own form lets them in.
    page = client.get("/login/?next=/reports/disputed/").content.decode()
    assert 'name="next" value="/reports/disputed/"' in page
    response = client.post(
        "/login/",
        {"username": "researcher", "password": "pw-researcher", "next": "/reports/disputed/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/reports/disputed/"
    assert TELEGRAM_TEXT in client.get("/reports/disputed/").content.decode()


def test_wrong_password_stays_on_the_form(client, researcher):
    response = client.post("/login/", {"username": "researcher", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_log_out(reader_client):
    response = reader_client.post("/logout/")
    assert response.status_code == 302
    assert reader_client.get("/reports/disputed/").status_code == 302


def test_home_is_public_and_points_each_user_somewhere(client, db):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    for href in ['href="/admin/"', 'href="/api/v1/docs/"', 'href="/reports/disputed/"']:
        assert href in page
    assert "for editors" in page and "for researchers" in page and "for readers" in page
    assert "Log in to read them." in page
    with override_settings(FACTCHECK_PUBLIC_REPORTS=True):
        assert "Open to everyone." in client.get("/").content.decode()


def test_reports_index_goes_to_disputed(reader_client):
    response = reader_client.get("/reports/")
    assert response.status_code == 302
    assert response["Location"] == "/reports/disputed/"
