"""The seed article as demo data: the figures DESIGN.md gives, and idempotence."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from claims import provenance
from claims.models import Attribution, Claim, Dispute
from claims.selectors import claim_list
from sources.models import Document, Source

from ..conftest import DRONE_TEXT, TELEGRAM_TEXT


def chains_of(claim):
    return [chain.label for chain in provenance.chains(claim.attributions.all())]


@pytest.mark.django_db
def test_seed_drone_claim_has_two_origins_and_two_chains(seed):
    claim = claim_list().get(text=DRONE_TEXT)
    hops = list(claim.attributions.all())
    assert [s.slug for s in provenance.origin_sources(hops)] == ["us-officials", "iraqi-officials"]
    assert chains_of(claim) == [
        "US officials → Reuters → Antiwar.com",
        "Iraqi officials → Reuters → Antiwar.com",
    ]


@pytest.mark.django_db
def test_seed_telegram_claim_chain_and_authorship_denial(seed):
    claim = claim_list().get(text=TELEGRAM_TEXT)
    assert chains_of(claim) == [
        "Telegram channel affiliated with Kataib Hezbollah → Reuters → Antiwar.com"
    ]
    (dispute,) = claim.disputes.all()
    assert dispute.kind == "authorship_denial"
    assert dispute.disputed_by.slug == "kataib-hezbollah"
    assert dispute.quote == "fabricated news"
    assert dispute.target.source.slug == "telegram-channel-affiliated-with-kataib-hezbollah"
    assert (claim.is_disputed, claim.dispute_count) == (True, 1)
    # The article gives no time of day: a day, kept as one.
    assert claim.first_reported_at == "2024-04-22"
    assert claim.first_reported_at.precision == "day"


@pytest.mark.django_db
def test_seed_counts_and_affiliations(seed):
    assert Claim.objects.count() == 9
    assert Source.objects.count() == 9
    assert Dispute.objects.count() == 1
    assert list(Claim.objects.filter(is_disputed=True).values_list("text", flat=True)) == [
        TELEGRAM_TEXT
    ]
    telegram = Source.objects.get(slug="telegram-channel-affiliated-with-kataib-hezbollah")
    assert (telegram.affiliated_with.slug, telegram.affiliation) == (
        "kataib-hezbollah",
        "affiliated",
    )
    kh = telegram.affiliated_with
    assert (kh.affiliated_with.slug, kh.affiliation) == ("popular-mobilization-forces", "part_of")
    assert set(Source.objects.filter(is_anonymous=True).values_list("slug", flat=True)) == {
        "us-officials",
        "iraqi-officials",
        "pentagon-official",
    }
    article = Document.objects.get(publisher__slug="antiwarcom")
    assert (article.author, article.published_at) == ("Dave DeCamp", "2024-04-22")
    assert article.published_at.precision == "day"
    # The article gives no URLs: the demo must not invent any.
    assert not Document.objects.exclude(url="").exists()


@pytest.mark.django_db
def test_seed_single_hop_claims_are_antiwar_origins(seed):
    single = [c for c in claim_list() if len(c.attributions.all()) == 1]
    assert sorted(c.text for c in single) == sorted(
        [
            "An explosion at a base south of Baghdad killed one PMF member",
            "Al-Sudani left Washington with no clear timeline for a US withdrawal",
            "US bases were targeted hundreds of times from October 2023 to the end of January 2024",
        ]
    )
    assert {c.attributions.all()[0].source.slug for c in single} == {"antiwarcom"}


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing(seed):
    def snapshot():
        return (
            Claim.objects.count(),
            Attribution.objects.count(),
            Dispute.objects.count(),
            Source.objects.count(),
            Document.objects.count(),
            Claim.history.count(),
            Attribution.history.count(),
            Source.history.count(),
            list(Claim.objects.order_by("pk").values_list("updated_at", flat=True)),
        )

    before = snapshot()
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert snapshot() == before


@pytest.mark.django_db
def test_demo_users_print_links_to_where_the_demo_runs():
    out = io.StringIO()
    call_command("ensure_demo_users", "--base-url", "http://127.0.0.1:8123/", stdout=out)
    text = out.getvalue()
    assert "(admin: http://127.0.0.1:8123/admin/)" in text
    assert "'http://127.0.0.1:8123/api/v1/claims/?disputed=true'" in text
    assert ":8000" not in text
    researcher = User.objects.get(username="researcher")
    assert f"Token {researcher.auth_token.key}" in text
    assert User.objects.get(username="editor").is_staff
