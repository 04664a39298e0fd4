"""import_claimreview: a feed in several outlets' styles, a malformed file, idempotence."""

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Attribution, Claim, Dispute
from sources.models import Document, Source
from tests.conftest import TELEGRAM_TEXT

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
FEED = FIXTURES / "claimreview_feed.json"
MALFORMED = FIXTURES / "claimreview_malformed.json"


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_claimreview", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts():
    return {
        "sources": Source.objects.count(),
        "documents": Document.objects.count(),
        "claims": Claim.objects.count(),
        "hops": Attribution.objects.count(),
        "disputes": Dispute.objects.count(),
    }


def chain(claim):
    """origin sources → relaying sources of a claim, as names."""
    hops = claim.attributions.select_related("source", "document").order_by("pk")
    return [(h.source.name, h.relation, h.document.url if h.document else None) for h in hops]


def test_feed_imported_with_exact_expectations(db):
    out, _ = run(FEED)
    assert "Created: 3 sources, 4 documents, 3 claims, 4 hops." in out
    assert counts() == {"sources": 3, "documents": 4, "claims": 3, "hops": 4, "disputes": 0}

    # Text-only rating (PolitiFact style), a Person author and a publisher outlet.
    rockets = Claim.objects.get(text="Fifty rockets hit the Rumalyn base in one night")
    assert rockets.verdict == "false"
    assert rockets.verdict_explanation == ""
    assert rockets.reviewed_at == datetime.datetime(2024, 5, 2, tzinfo=datetime.UTC)
    assert chain(rockets) == [
        ("Jane Poster", "asserts", None),
        ("Daily Example", "paraphrases", "https://daily.example/2024/04/23/fifty-rockets"),
    ]
    assert rockets.first_reported_at == "2024-04-23"  # a day-precision moment
    jane = Source.objects.get(name="Jane Poster")
    assert (jane.kind, jane.url) == ("person", "https://social.example/@jane")
    assert Source.objects.get(name="Daily Example").kind == "news_outlet"

    # Numeric rating on its own 1–7 scale; the unknown words fall back to the number.
    ministry = Claim.objects.get(text="The ministry paid every contractor on time in 2023")
    assert ministry.verdict == "mostly_false"
    assert ministry.verdict_explanation == "Most payments were late by months."
    assert ministry.reviewed_at.date() == datetime.date(2024, 6, 10)
    assert chain(ministry) == [
        ("Ministry of Examples", "asserts", "https://ministry.example/press/2024-05-01"),
    ]
    assert Source.objects.get(name="Ministry of Examples").kind == "government"
    bare = Document.objects.get(url="https://daily.example/2024/05/02/ministry-payments")
    assert (bare.title, bare.publisher) == (bare.url, None)

    # No author: the publisher (matched case-insensitively to "Daily Example") is the origin.
    drones = Claim.objects.get(text="Half of the drones were shot down")
    assert drones.verdict == "mixed"
    assert chain(drones) == [
        ("Daily Example", "asserts", "https://daily.example/2024/04/29/drones")
    ]


def test_feed_reimport_changes_nothing(db):
    run(FEED)
    before = counts()
    snapshot = list(Claim.objects.order_by("pk").values("pk", "verdict", "updated_at"))
    out, _ = run(FEED)
    assert "Created: 0 sources, 0 documents, 0 claims, 0 hops." in out
    assert "Updated: 0 claims" in out
    assert "Unchanged: 3 records." in out
    assert counts() == before
    assert list(Claim.objects.order_by("pk").values("pk", "verdict", "updated_at")) == snapshot


def test_changed_rating_updates_the_matched_claim(db, tmp_path):
    run(FEED)
    data = json.loads(FEED.read_text())
    data["dataFeedElement"][0]["item"][0]["reviewRating"] = {"alternateName": "Mostly True"}
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    out, _ = run(changed)
    assert "Updated: 1 claims" in out and "Unchanged: 2 records." in out
    assert Claim.objects.get(text__startswith="Fifty rockets").verdict == "mostly_true"
    assert Claim.objects.count() == 3


def test_same_text_other_origin_is_another_claim(db, tmp_path):
    run(FEED)
    data = json.loads(FEED.read_text())
    item = data["dataFeedElement"][0]["item"][0]
    item["itemReviewed"]["author"] = {"@type": "Person", "name": "Someone Else"}
    other = tmp_path / "other.json"
    other.write_text(json.dumps([item]))
    out, _ = run(other)
    assert "3 sources" not in out and "1 claims" in out
    assert Claim.objects.filter(text__startswith="Fifty rockets").count() == 2


def test_seed_claim_matched_by_text_and_origin(seed, tmp_path):
    before = counts()
    review = {
        "@type": "ClaimReview",
        "claimReviewed": TELEGRAM_TEXT.upper(),
        "datePublished": "2024-04-23",
        "reviewRating": {"alternateName": "Misattributed", "ratingExplanation": "Denied."},
        "itemReviewed": {
            "@type": "Claim",
            "author": {"name": "telegram channel affiliated with kataib hezbollah"},
        },
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps(review))
    out, _ = run(path)
    assert "Updated: 1 claims" in out
    assert counts() == before
    claim = seed.telegram_claim
    assert (claim.verdict, claim.verdict_explanation) == ("misattributed", "Denied.")


def test_malformed_file_rejected_with_positions_and_nothing_written(db):
    with pytest.raises(CommandError) as caught:
        run(MALFORMED)
    message = str(caught.value)
    assert "5 of 7 records are invalid; nothing was written" in message
    lines = [line.strip() for line in message.splitlines()[1:]]
    assert lines == [
        "record 1 ([1]): claimReviewed is missing",
        "record 2 ([2]): @type is 'Review', not ClaimReview",
        "record 3 ([3]): reviewRating.alternateName “Spicy” is not a rating we know and there "
        "is no ratingValue; see RATING_WORDS for the accepted words",
        "record 4 ([4]): itemReviewed.appearance[0].url “not a url” is not an http(s) URL",
        "record 5 ([5]): ratingValue 9 is outside the scale 1–5",
    ]
    assert counts() == {"sources": 0, "documents": 0, "claims": 0, "hops": 0, "disputes": 0}


def test_skip_invalid_imports_the_good_records(db):
    out, err = run(MALFORMED, "--skip-invalid")
    assert "Created: 2 sources, 0 documents, 2 claims, 2 hops." in out
    assert "Skipped as invalid: 5 records." in out
    assert err.count("Skipped record") == 5
    assert "Skipped record 4 ([4])" in err
    assert sorted(Claim.objects.values_list("text", "verdict")) == [
        ("A good record that must not be written while others are bad", "false"),
        ("Another good record", "mostly_true"),
    ]


def test_duplicate_records_in_one_file_are_written_once(db, tmp_path):
    """The same records twice in one file: the second copies match what the first made."""
    records = [
        {
            "@type": "ClaimReview",
            "claimReviewed": "Fine",
            "reviewRating": {"alternateName": "True"},
        },
        {
            "@type": "ClaimReview",
            "claimReviewed": "Seen in one article",
            "reviewRating": {"alternateName": "True"},
            "itemReviewed": {"appearance": {"url": "https://x.example/a", "headline": "A"}},
        },
    ]
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(records + records))
    out, _ = run(path)
    assert "2 claims" in out and "Unchanged: 2 records." in out


def test_graph_and_single_object_files(db, tmp_path):
    review = {
        "@type": ["ClaimReview"],
        "claimReviewed": "From a graph",
        "reviewRating": {"ratingValue": 1},
    }
    graph = tmp_path / "graph.json"
    graph.write_text(json.dumps({"@context": "https://schema.org", "@graph": [review]}))
    run(graph)
    assert Claim.objects.get(text="From a graph").verdict == "false"
    single = tmp_path / "single.json"
    single.write_text(json.dumps({**review, "claimReviewed": "Alone"}))
    run(single)
    assert Claim.objects.get(text="Alone").verdict == "false"


def test_not_json_is_refused(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("[{")
    with pytest.raises(CommandError, match="is not JSON"):
        run(path)


def test_progress_every_500_records(db, tmp_path):
    reviews = [
        {
            "@type": "ClaimReview",
            "claimReviewed": f"Bulk claim {n}",
            "reviewRating": {"alternateName": "False"},
            "itemReviewed": {"author": {"name": "Bulk Origin"}},
        }
        for n in range(1001)
    ]
    path = tmp_path / "bulk.json"
    path.write_text(json.dumps(reviews))
    out, err = run(path)
    assert err.splitlines() == ["… 500/1001 records", "… 1000/1001 records", "… 1001/1001 records"]
    assert "Created: 1 sources, 0 documents, 1001 claims, 1001 hops." in out
