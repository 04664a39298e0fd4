"""A change applied by the background job (issue 13) racing editors of the claims it reaches,
with real threads against PostgreSQL: nothing is ever stored stale without the mark, no edit
is lost, and nothing deadlocks."""

import pytest
from django.test import override_settings

from claims import projection, selectors
from claims.models import Claim, PendingRefresh
from tests.conftest import _user, token_client
from tests.factories import AttributionFactory, ClaimFactory, SourceFactory

from .conftest import race

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 5
CLAIMS = 4


@pytest.fixture
def editor_user():
    return _user("refresher", "Editors", is_staff=True)


def relayed_claims(trial: int):
    """A wire agency relaying CLAIMS claims (more than the limit below)."""
    agency = SourceFactory(name=f"Wire {trial}", kind="news_agency")
    claims = []
    for n in range(CLAIMS):
        claim = ClaimFactory(text=f"Race {trial} claim {n}")
        origin = AttributionFactory(claim=claim, source=SourceFactory(name=f"Origin {trial}-{n}"))
        AttributionFactory(claim=claim, source=agency, cites=[origin])
        claims.append(claim)
    return agency, claims


def shown_name(claim: Claim, slug: str) -> tuple[bool, str]:
    """(refreshing, the source's name) in the claim's document as every surface serves it."""
    [document] = selectors.stored_documents([claim.pk])
    assert document["refreshing"] is PendingRefresh.objects.filter(claim=claim).exists()
    return document["refreshing"], document["sources"][slug]["name"]


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=2)
def test_rename_racing_an_edit_never_stores_the_old_name_unmarked(editor_user):
    for trial in range(TRIALS):
        rename_races_an_edit(editor_user, trial)


def rename_races_an_edit(editor_user, trial: int) -> None:
    agency, claims = relayed_claims(trial)
    renamer, editor = token_client(editor_user), token_client(editor_user)
    new = f"Renamed wire {trial}"
    renamed, edited = race(
        lambda: renamer.patch(f"/api/v1/sources/{agency.slug}/", {"name": new}),
        lambda: editor.patch(f"/api/v1/claims/{claims[0].pk}/", {"location": "Baghdad"}),
    )
    assert (renamed.status_code, edited.status_code) == (200, 200), (
        renamed.content,
        edited.content,
    )
    # Before the job: each claim either shows the new name or says it is being
    # refreshed; whichever committed first, the edit's own projection is never stale
    # without the mark.
    for claim in claims:
        refreshing, name = shown_name(claim, agency.slug)
        assert refreshing or name == new, (trial, claim.pk, name)
    assert Claim.objects.get(pk=claims[0].pk).location == "Baghdad"

    assert projection.refresh_marked() >= CLAIMS - 1
    for claim in claims:
        assert shown_name(claim, agency.slug) == (False, new)
    assert list(projection.stale([c.pk for c in claims])) == []


@override_settings(FACTCHECK_INLINE_REFRESH_LIMIT=2)
def test_job_racing_edits_of_its_claims_loses_nothing(editor_user):
    for trial in range(TRIALS):
        job_races_edits(editor_user, trial)


def job_races_edits(editor_user, trial: int) -> None:
    agency, claims = relayed_claims(trial)
    new = f"Renamed wire {trial}"
    answer = token_client(editor_user).patch(f"/api/v1/sources/{agency.slug}/", {"name": new})
    assert answer.status_code == 200, answer.content
    assert PendingRefresh.objects.filter(claim__in=claims).count() == CLAIMS
    witness = SourceFactory(name=f"Witness {trial}")
    first, second = token_client(editor_user), token_client(editor_user)
    job, edited, added = race(
        projection.refresh_marked,
        lambda: first.patch(f"/api/v1/claims/{claims[0].pk}/", {"location": "Erbil"}),
        lambda: second.post(
            "/api/v1/attributions/",
            {"claim": claims[-1].pk, "source": witness.slug},
            format="json",
        ),
    )
    assert (edited.status_code, added.status_code) == (200, 201), (
        edited.content,
        added.content,
    )
    assert job <= CLAIMS
    for claim in claims:
        assert shown_name(claim, agency.slug) == (False, new)
    assert Claim.objects.get(pk=claims[0].pk).document["location"] == "Erbil"
    assert witness.slug in Claim.objects.get(pk=claims[-1].pk).document["sources"]
    assert list(projection.stale([c.pk for c in claims])) == []
