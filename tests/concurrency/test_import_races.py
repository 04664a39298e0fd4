"""Two imports of one ClaimReview feed at once, with real threads against PostgreSQL.

Each record's claim is found by its text and its review by its URL; two imports racing
over the same records must leave one claim and one review per record, every stored
document fresh, and never half an import: an import that loses the race is refused whole
("Nothing was written") and can simply be run again.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims import projection
from claims.models import Claim, Review

from .conftest import race

pytestmark = pytest.mark.django_db(transaction=True)

RECORDS = 30


def feed(tmp_path):
    records = [
        {
            "@type": "ClaimReview",
            "url": f"https://race.example.org/{n}",
            "author": {"name": "Race Checker"},
            "claimReviewed": f"Raced claim {n}",
            "itemReviewed": {"author": {"name": "Race Claimant"}},
            "reviewRating": {"alternateName": "False"},
        }
        for n in range(RECORDS)
    ]
    path = tmp_path / "race.json"
    path.write_text(json.dumps(records))
    return path


def importing(path):
    def run():
        out = StringIO()
        try:
            call_command("import_claimreview", str(path), stdout=out, stderr=StringIO())
        except CommandError as refused:
            return ("refused", str(refused))  # returned, not raised: race() re-raises
        return ("done", out.getvalue())

    return run


@pytest.mark.parametrize("trial", range(3))
def test_two_imports_of_one_feed_leave_one_claim_and_one_review_a_record(tmp_path, trial):
    path = feed(tmp_path)
    answers = race(importing(path), importing(path))
    assert "done" in [outcome for outcome, _ in answers], answers  # one went through
    for outcome, said in answers:
        assert outcome == "done" or "Nothing was written" in said, said
    assert Review.objects.count() == RECORDS
    assert Claim.objects.count() == RECORDS
    assert sorted(Claim.objects.values_list("text", flat=True)) == sorted(
        f"Raced claim {n}" for n in range(RECORDS)
    )
    assert list(projection.stale()) == []
    # Run again, it changes nothing: whatever the race left is complete.
    outcome, said = importing(path)()
    assert outcome == "done" and f"Unchanged: {RECORDS} records." in said, said
