"""The rules every surface shares, checked at the service layer with the error a user sees."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Attribution, Claim, Dispute
from factcheck.errors import ReferencedError
from tests.factories import (
    AttributionFactory,
    ClaimFactory,
    DisputeFactory,
    DocumentFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def messages(exc: ValidationError, field: str) -> str:
    return " ".join(exc.value.message_dict[field])


def test_attribution_add_origin_asserts_and_relay_paraphrases_by_default():
    claim = ClaimFactory()
    origin = AttributionFactory(claim=claim)
    relay = AttributionFactory(claim=claim, cites=[origin])
    assert (origin.relation, origin.is_origin) == ("asserts", True)
    assert (relay.relation, relay.is_origin) == ("paraphrases", False)
    assert list(relay.cites.values_list("pk", flat=True)) == [origin.pk]


def test_attribution_add_cite_from_other_claim_is_refused():
    other = AttributionFactory()
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as exc:
        AttributionFactory(claim=claim, cites=[other])
    assert f"Hop #{other.pk} belongs to claim #{other.claim_id}" in messages(exc, "cites")
    assert claim.attributions.count() == 0


def test_attribution_update_cycle_is_refused_and_nothing_changes():
    claim = ClaimFactory()
    a = AttributionFactory(claim=claim)
    b = AttributionFactory(claim=claim, cites=[a])
    c = AttributionFactory(claim=claim, cites=[b])
    with pytest.raises(ValidationError) as exc:
        services.attribution_update(a, cites=[c], relation="quotes")
    assert "loop" in messages(exc, "cites")
    a.refresh_from_db()
    assert a.is_origin is True and a.cites.count() == 0


def test_attribution_update_self_cite_is_refused():
    hop = AttributionFactory()
    with pytest.raises(ValidationError) as exc:
        services.attribution_update(hop, cites=[hop])
    assert "cannot cite itself" in messages(exc, "cites")


def test_attribution_add_origin_that_quotes_is_refused():
    with pytest.raises(ValidationError) as exc:
        AttributionFactory(relation="quotes")
    assert "origin and asserts" in messages(exc, "relation")
    assert Attribution.objects.count() == 0


def test_attribution_add_citing_hop_that_asserts_is_refused():
    origin = AttributionFactory()
    with pytest.raises(ValidationError) as exc:
        AttributionFactory(claim=origin.claim, cites=[origin], relation="asserts")
    assert "quotes or paraphrases" in messages(exc, "relation")


def test_attribution_add_stated_at_defaults_to_document_date():
    document = DocumentFactory(published_at=datetime.date(2024, 4, 22))
    hop = AttributionFactory(document=document)
    # Stored as a day-precision moment (factcheck.moments): the document gives no time.
    assert hop.stated_at == "2024-04-22"
    hop.claim.refresh_from_db()
    assert hop.claim.first_reported_at == "2024-04-22"


def test_attribution_delete_cited_hop_is_refused_with_references():
    origin = AttributionFactory()
    relay = AttributionFactory(claim=origin.claim, cites=[origin])
    with pytest.raises(ReferencedError) as exc:
        services.attribution_delete(origin)
    assert f"hop #{relay.pk} (cites it)" in str(exc.value)
    assert Attribution.objects.filter(pk=origin.pk).exists()


def test_dispute_record_target_of_other_claim_is_refused():
    foreign_hop = AttributionFactory()
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as exc:
        DisputeFactory(claim=claim, target=foreign_hop)
    assert f"not to claim #{claim.pk}" in messages(exc, "target")
    assert Dispute.objects.count() == 0


def test_dispute_record_updates_derived_facts():
    claim = ClaimFactory()
    assert (claim.is_disputed, claim.dispute_count) == (False, 0)
    dispute = DisputeFactory(claim=claim)
    claim.refresh_from_db()
    assert (claim.is_disputed, claim.dispute_count) == (True, 1)
    services.dispute_update(dispute, resolution="rejected")
    claim.refresh_from_db()
    # A rejected dispute still counts, but no longer makes the claim disputed.
    assert (claim.is_disputed, claim.dispute_count) == (False, 1)
    services.dispute_delete(dispute)
    claim.refresh_from_db()
    assert (claim.is_disputed, claim.dispute_count) == (False, 0)


def test_dispute_record_unknown_kind_is_refused():
    with pytest.raises(ValidationError) as exc:
        DisputeFactory(kind="rumour")
    assert "rumour" in messages(exc, "kind")


def test_claim_create_with_chain_lines_builds_hops():
    for name in ["US officials", "Iraqi officials", "Reuters", "Antiwar.com"]:
        SourceFactory(name=name)
    claim = services.claim_create(
        text="A drone attack happened",
        chain_lines="US officials + iraqi officials → Reuters -> antiwarcom",
    )
    hops = {hop.source.name: hop for hop in claim.attributions.select_related("source")}
    assert set(hops) == {"US officials", "Iraqi officials", "Reuters", "Antiwar.com"}
    reuters_cites = set(hops["Reuters"].cites.values_list("source__name", flat=True))
    assert reuters_cites == {"US officials", "Iraqi officials"}
    assert list(hops["Antiwar.com"].cites.values_list("source__name", flat=True)) == ["Reuters"]
    assert hops["US officials"].relation == "asserts"
    assert hops["Antiwar.com"].relation == "paraphrases"


def test_claim_create_chain_lines_unknown_name_lists_close_matches_and_saves_nothing():
    SourceFactory(name="Reuters")
    SourceFactory(name="Antiwar.com")
    with pytest.raises(ValidationError) as exc:
        services.claim_create(
            text="Something", chain_lines="Reuter → Antiwar.com\nNobody → Reuters"
        )
    text = messages(exc, "chain_lines")
    assert "Line 1: No source “Reuter”. Did you mean: Reuters (reuters)?" in text
    assert "Line 2: No source “Nobody”. To create it, give its kind in brackets" in text
    assert Claim.objects.count() == 0 and Attribution.objects.count() == 0


def test_chains_add_reuses_hops_already_entered():
    for name in ["A wire", "An outlet", "A blog"]:
        SourceFactory(name=name)
    claim = services.claim_create(text="X", chain_lines="A wire → An outlet")
    services.chains_add(
        claim=claim, lines=services.chain_lines_parse("A wire → An outlet → A blog")
    )
    assert claim.attributions.count() == 3


def test_claim_create_blank_text_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.claim_create(text="   ")
    assert "text" in exc.value.message_dict
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"credibility": 7}, "credibility"),
        ({"credibility": 0}, "credibility"),
        ({"verdict": "maybe"}, "verdict"),
    ],
)
def test_claim_create_refuses_what_the_check_constraints_forbid_before_the_database(fields, field):
    # claim_create no longer asks the database for the check constraints: the field checks
    # must refuse the same values, as a ValidationError naming the field, with nothing saved.
    with pytest.raises(ValidationError) as exc:
        services.claim_create(text="Out of range", chain_lines="", **fields)
    assert field in exc.value.message_dict
    assert Claim.objects.count() == 0
    assert Claim.history.count() == 0


def test_verdict_set_records_reviewer_and_history(editor):
    claim = ClaimFactory()
    services.verdict_set(
        claim=claim, verdict="false", explanation="No such statement.", user=editor
    )
    claim.refresh_from_db()
    assert claim.verdict == "false"
    assert claim.reviewed_by == editor
    assert claim.reviewed_at is not None
    latest = claim.history.first()
    assert latest.verdict == "false"


def test_verdict_set_unknown_verdict_is_refused():
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as exc:
        services.verdict_set(claim=claim, verdict="pants_on_fire")
    assert "verdict" in exc.value.message_dict
    claim.refresh_from_db()
    assert claim.verdict == "unrated"


def test_claim_delete_removes_its_hops_and_disputes():
    origin = AttributionFactory()
    relay = AttributionFactory(claim=origin.claim, cites=[origin])
    DisputeFactory(claim=origin.claim, target=origin)
    services.claim_delete(origin.claim)
    assert not Attribution.objects.filter(pk__in=[origin.pk, relay.pk]).exists()
    assert Dispute.objects.count() == 0


def test_history_records_hop_cites_changes():
    claim = ClaimFactory()
    a = AttributionFactory(claim=claim)
    b = AttributionFactory(claim=claim)
    services.attribution_update(b, cites=[a])
    newest, oldest = b.history.first(), b.history.last()
    assert [row.to_attribution_id for row in newest.cites.all()] == [a.pk]
    assert list(oldest.cites.all()) == []
    assert oldest.history_type == "+" and newest.history_type == "~"


def test_claim_update_changed_verdict_makes_the_user_reviewer(editor):
    claim = ClaimFactory()
    services.claim_update(claim, location="Iraq", user=editor)
    claim.refresh_from_db()
    assert (claim.reviewed_by, claim.reviewed_at) == (None, None)
    # The admin's ModelForm writes the new value onto the instance before the service runs:
    # the service must still see the change against the stored row.
    claim.verdict = "mostly_false"
    services.claim_update(claim, verdict=claim.verdict, user=editor)
    claim.refresh_from_db()
    assert claim.reviewed_by == editor and claim.reviewed_at is not None


def test_claim_create_with_verdict_records_the_reviewer(editor):
    rated = services.claim_create(text="Rated on entry", verdict="false", user=editor)
    plain = services.claim_create(text="Not rated", credibility=3, user=editor)
    assert rated.reviewed_by == editor and rated.reviewed_at is not None
    assert (plain.reviewed_by, plain.reviewed_at) == (None, None)
