"""Provenance intelligence on hand-built graphs: families, independent origins, echo,
citogenesis, weakest link, suggested credibility, authorship, duplicates, merge, as-of."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from claims import provenance, services
from claims.filtersets import ClaimFilterSet
from claims.models import Attribution, Claim, Dispute
from claims.selectors import claim_list, similar_claims, trigram_similarity, verdicts_as_of
from sources import services as source_services
from tests.factories import AttributionFactory, ClaimFactory, DisputeFactory, SourceFactory

from ..conftest import DRONE_TEXT, TELEGRAM_TEXT

pytestmark = pytest.mark.django_db
D = datetime.date


def loaded(claim):
    return claim_list().get(pk=claim.pk)


def filtered(**params):
    filterset = ClaimFilterSet({k: str(v) for k, v in params.items()}, queryset=Claim.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("text", flat=True))


def test_seed_independent_origins_and_families(seed):
    drone, telegram = loaded(seed.drone_claim), loaded(seed.telegram_claim)
    assert drone.independent_origin_count == 2
    assert telegram.independent_origin_count == 1
    kh = seed.source("kataib-hezbollah")
    channel = seed.source("telegram-channel-affiliated-with-kataib-hezbollah")
    pmf = seed.source("popular-mobilization-forces")
    assert kh.family == channel.family == pmf.family == pmf.pk
    assert seed.source("us-officials").family != seed.source("iraqi-officials").family
    assert filtered(min_independent_origins=2) == {
        DRONE_TEXT,
        "Five rockets were fired at a US base in Rumalyn, northeast Syria",
        "The attacks were the first since a pause that began in February",
    }


def test_seed_telegram_authorship_contested_on_its_first_hop(seed):
    claim = loaded(seed.telegram_claim)
    denied = provenance.authorship_denials(claim.disputes.all())
    (hop_id,) = denied
    hop = Attribution.objects.get(pk=hop_id)
    assert hop.source.slug == "telegram-channel-affiliated-with-kataib-hezbollah"
    assert claim.authorship_contested is True
    assert filtered(authorship_contested="true") == {TELEGRAM_TEXT}


def test_single_origin_echo_two_outlets_relaying_one_wire_is_not_enough():
    official, wire = SourceFactory(name="An official"), SourceFactory(name="A wire")
    outlets = [SourceFactory(name=f"Outlet {n}") for n in range(3)]
    claim = ClaimFactory(text="Echoed claim")
    origin = AttributionFactory(claim=claim, source=official)
    relay = AttributionFactory(claim=claim, source=wire, cites=[origin])
    AttributionFactory(claim=claim, source=outlets[0], cites=[relay])
    claim.refresh_from_db()
    assert (claim.relay_count, claim.single_origin_echo) == (2, False)
    AttributionFactory(claim=claim, source=outlets[1], cites=[relay])
    claim.refresh_from_db()
    assert (claim.independent_origin_count, claim.relay_count) == (1, 3)
    assert claim.single_origin_echo is True
    assert filtered(single_origin_echo="true") == {"Echoed claim"}


def test_affiliated_origins_count_as_one_and_follow_affiliation_changes():
    party = SourceFactory(name="A party")
    channel = SourceFactory(name="Its channel", affiliated_with=party, affiliation="affiliated")
    stranger = SourceFactory(name="Someone else")
    claim = ClaimFactory()
    AttributionFactory(claim=claim, source=channel)
    AttributionFactory(claim=claim, source=party)
    AttributionFactory(claim=claim, source=stranger)
    claim.refresh_from_db()
    assert claim.independent_origin_count == 2
    # The stranger turns out to be operated by the party: one voice, and the claim says so.
    source_services.source_update(stranger, affiliated_with=party, affiliation="operated_by")
    claim.refresh_from_db()
    assert claim.independent_origin_count == 1


def test_citation_loop_through_a_family_is_flagged():
    outlet = SourceFactory(name="Outlet")
    outlet_blog = SourceFactory(name="Outlet's blog", affiliated_with=outlet, affiliation="part_of")
    wire = SourceFactory(name="Wire")
    claim = ClaimFactory(text="Citogenesis")
    first = AttributionFactory(claim=claim, source=outlet)
    middle = AttributionFactory(claim=claim, source=wire, cites=[first])
    back = AttributionFactory(claim=claim, source=outlet_blog, cites=[middle])
    assert provenance.circular_hop_ids(loaded(claim).attributions.all()) == {back.pk}
    claim.refresh_from_db()
    assert claim.circular_reporting is True
    assert filtered(circular_reporting="true") == {"Citogenesis"}


def test_weakest_link_is_the_worst_reliability_with_f_worst():
    a = SourceFactory(name="Agency", reliability="A")
    anonymous = SourceFactory(name="Anonymous official", reliability="F", is_anonymous=True)
    c = SourceFactory(name="Outlet C", reliability="C")
    claim = ClaimFactory()
    origin = AttributionFactory(claim=claim, source=anonymous)
    relay = AttributionFactory(claim=claim, source=a, cites=[origin])
    AttributionFactory(claim=claim, source=c, cites=[relay])
    (chain,) = provenance.chains(loaded(claim).attributions.all())
    assert chain.weakest_reliability == "F"
    assert chain.weakest_hop.pk == origin.pk


def test_suggested_credibility_rule():
    claim = ClaimFactory()
    assert provenance.suggested_credibility([], []) == (6, "No origin recorded yet.")
    AttributionFactory(claim=claim, source=SourceFactory(reliability="B"))
    grade, reason = provenance.suggested_credibility(loaded(claim).attributions.all(), [])
    assert (grade, reason) == (3, "A single independent origin, rated A-C.")
    AttributionFactory(claim=claim, source=SourceFactory(reliability="A"))
    grade, _ = provenance.suggested_credibility(loaded(claim).attributions.all(), [])
    assert grade == 1
    DisputeFactory(claim=claim)
    claim = loaded(claim)
    grade, reason = provenance.suggested_credibility(claim.attributions.all(), claim.disputes.all())
    assert grade == 2 and "lowered by 1 open dispute" in reason
    services.dispute_update(claim.disputes.all()[0], resolution="upheld")
    claim = loaded(claim)
    grade, reason = provenance.suggested_credibility(claim.attributions.all(), claim.disputes.all())
    assert grade == 5 and reason.startswith("An upheld denial by")


def test_suggested_credibility_anonymous_f_origins_cannot_be_judged(seed):
    claim = loaded(seed.drone_claim)
    grade, reason = provenance.suggested_credibility(claim.attributions.all(), [])
    assert grade == 6
    assert "2 independent origins, all of reliability F" in reason


def test_similar_claims_finds_a_rephrased_duplicate(seed):
    twin = ClaimFactory(text="A drone attack targeted Ain al-Asad air base in western Iraq")
    found = similar_claims(twin)
    assert found[0][0].text == DRONE_TEXT
    assert 0.6 < found[0][1] <= 1.0
    assert all(score >= 0.3 for _, score in found)
    assert trigram_similarity("abc", "abc") == 1.0


def test_claim_merge_moves_hops_disputes_and_topics_and_records_history(seed, editor):
    keep = seed.drone_claim
    duplicate = ClaimFactory(text="Drone attack on Ain al-Asad")
    hop = AttributionFactory(claim=duplicate, source=seed.source("reuters"))
    dispute = DisputeFactory(claim=duplicate, disputed_by=seed.source("iraqi-officials"))
    before = keep.attributions.count()
    duplicate_pk = duplicate.pk
    services.claim_merge(keep=keep, duplicate=duplicate, user=editor)
    assert keep.attributions.count() == before + 1
    assert Attribution.objects.get(pk=hop.pk).claim_id == keep.pk
    assert Dispute.objects.get(pk=dispute.pk).claim_id == keep.pk
    assert not Claim.objects.filter(pk=duplicate_pk).exists()
    keep.refresh_from_db()
    assert (keep.is_disputed, keep.dispute_count) == (True, 1)
    reason = f"Merged claim #{duplicate_pk} into claim #{keep.pk}"
    assert keep.history.first().history_change_reason == reason
    deleted = Claim.history.filter(id=duplicate_pk, history_type="-").get()
    assert (deleted.text, deleted.history_change_reason) == ("Drone attack on Ain al-Asad", reason)
    with pytest.raises(ValidationError):
        services.claim_merge(keep=keep, duplicate=keep)


def test_as_of_before_the_seed_day_the_telegram_claim_does_not_exist(seed):
    assert TELEGRAM_TEXT not in filtered(as_of="2024-04-21")
    assert filtered(as_of="2024-04-21") == set()
    assert TELEGRAM_TEXT in filtered(as_of="2024-04-22")
    claim = loaded(seed.telegram_claim)
    hops, disputes = provenance.as_of(
        claim.attributions.all(), claim.disputes.all(), D(2024, 4, 22)
    )
    assert len(hops) == 3 and len(disputes) == 1
    # The undated Telegram hop is known from the day Reuters relayed it.
    dates = provenance.known_on(claim.attributions.all())
    assert sorted(dates.values()) == ["2024-04-22"] * 3  # day-precision moments


def test_as_of_shows_hops_and_disputes_known_that_day():
    claim = ClaimFactory()
    early = AttributionFactory(claim=claim, stated_at=D(2024, 1, 1))
    late = AttributionFactory(claim=claim, cites=[early], stated_at=D(2024, 3, 1))
    DisputeFactory(claim=claim, target=early, stated_at=D(2024, 2, 1))
    claim = loaded(claim)
    hops, disputes = provenance.as_of(
        claim.attributions.all(), claim.disputes.all(), D(2024, 1, 15)
    )
    assert [h.pk for h in hops] == [early.pk] and disputes == []
    hops, disputes = provenance.as_of(
        claim.attributions.all(), claim.disputes.all(), D(2024, 2, 15)
    )
    assert [h.pk for h in hops] == [early.pk] and len(disputes) == 1
    hops, _ = provenance.as_of(claim.attributions.all(), claim.disputes.all(), D(2024, 3, 1))
    assert [h.pk for h in hops] == [early.pk, late.pk]


def test_verdict_as_of_comes_from_history(editor):
    claim = ClaimFactory()
    first = Claim.history.filter(id=claim.pk).get()
    Claim.history.filter(pk=first.pk).update(
        history_date=datetime.datetime(2024, 4, 1, 12, tzinfo=datetime.UTC)
    )
    services.verdict_set(claim=claim, verdict="false", user=editor)
    latest = claim.history.first()
    Claim.history.filter(pk=latest.pk).update(
        history_date=datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC)
    )
    assert verdicts_as_of([claim.pk], D(2024, 4, 30))[claim.pk].verdict == "unrated"
    assert verdicts_as_of([claim.pk], D(2024, 5, 1))[claim.pk].verdict == "false"
    assert verdicts_as_of([claim.pk], D(2024, 3, 31)) == {}
