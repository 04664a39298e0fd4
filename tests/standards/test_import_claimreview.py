"""import_claimreview on real-world shapes: every review kept as its fact-checker published it.

Fixtures under ``fixtures/realworld/`` follow publishers' documented markup, Google's
ClaimReview and Fact Check Tools documentation and schema.org's examples (see its README).
"""

import datetime
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims import services
from claims.models import Attribution, Claim, Review
from claims.standards import claimreview_import as cri
from claims.standards import ratings
from sources.models import Document, Source
from tests.factories import ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"
AFP = REALWORLD / "afp_datafeed.json"
BRAZIL = REALWORLD / "brazil_graph.json"
GERMANY = REALWORLD / "germany_array.json"
GOOGLE = REALWORLD / "google_factcheck_tools.json"
AFRICA = REALWORLD / "africacheck_single.json"
BROKEN = REALWORLD / "broken_records.json"
ALL_GOOD = [AFP, BRAZIL, GERMANY, GOOGLE, AFRICA]
UTC = datetime.UTC


def run(*paths, options=()):
    out, err = StringIO(), StringIO()
    call_command("import_claimreview", *map(str, paths), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def review(url) -> Review:
    return Review.objects.select_related("author", "claimant", "claim").get(url=url)


def everything() -> dict:
    """Every row the import can touch, as comparable values."""
    return {
        "reviews": sorted(
            Review.objects.values_list(
                "pk", "claim_id", "author_id", "url", "verdict", "verdict_basis", "updated_at"
            )
        ),
        "review_history": Review.history.count(),
        "claims": sorted(Claim.objects.values_list("pk", "text", "verdict", "updated_at")),
        "sources": Source.objects.count(),
        "documents": Document.objects.count(),
        "hops": Attribution.objects.count(),
    }


# ---------------------------------------------------------------------------- ratings


# (review url, rating as published, verdict, basis)
EXPECTED_RATINGS = [
    # Lupa's "Falso" on a reversed 1–5 scale: the words decide (the old importer said mixed).
    (
        "https://lupa.uol.com.br/jornalismo/2024/04/23/verificamos-foguetes",
        "Falso",
        "false",
        "table",
    ),
    # Aos Fatos "não é bem assim": missing context, mapped like "misleading" (not mostly_true).
    (
        "https://www.aosfatos.org/noticias/nao-e-bem-assim-retirada-tropas-iraque/",
        "não é bem assim",
        "mixed",
        "table",
    ),
    # Unknown words on the insane scale best = worst = -1: kept, unmapped, not rejected.
    ("https://www.aosfatos.org/noticias/escala-estranha/", "Distorcido", "unmapped", "table"),
    # AFP "Engañoso" = misleading → mixed (the old importer said mostly_false).
    ("https://factual.afp.com/doc.afp.com.34XY7AB", "Engañoso", "mixed", "table"),
    ("https://factuel.afp.com/doc.afp.com.34XZ9CD", "Faux", "false", "table"),
    ("https://dpa-factchecking.com/germany/240425-99-12345/", "Falsch", "false", "table"),
    (
        "https://correctiv.org/faktencheck/2024/04/26/reker-zitat/",
        "Reker hat diesen Satz nie gesagt. Das Zitat wurde ihr in einem Sharepic zugeschrieben.",
        "unmapped",
        "table",
    ),
    ("https://tfc-taiwan.org.tw/articles/10001", "錯誤", "false", "table"),
    ("https://tfc-taiwan.org.tw/articles/10002", "證據不足", "unverifiable", "table"),
    ("https://misbar.com/factcheck/2024/04/24/ain-al-asad-photo", "زائف", "false", "table"),
    (
        "https://hindi.boomlive.in/fact-check/rumalyn-rockets-video-12345",
        "गलत",
        "false",
        "table",
    ),
    ("https://www.boombd.com/fact-check/rumalyn-rockets-12346", "মিথ্যা", "false", "table"),
    (
        "https://facta.news/notizia-falsa/2024/04/27/video-rumalyn",
        "Fuorviante",
        "mixed",
        "table",
    ),
    # Words the table does not know on a sane 1–5 scale: 2 of 5 → mostly false.
    (
        "https://africacheck.org/fact-checks/reports/no-us-troops-did-not-leave-iraq",
        "Grossly overstated",
        "mostly_false",
        "scale",
    ),
]


def test_every_rating_kept_as_written_and_mapped_or_unmapped(db):
    run(*ALL_GOOD)
    found = {
        r.url: (r.url, r.rating_text, r.verdict, r.verdict_basis) for r in Review.objects.all()
    }
    assert [found[url] for url, *_ in EXPECTED_RATINGS] == EXPECTED_RATINGS


def test_realworld_files_import_every_review(db):
    out, err = run(*ALL_GOOD)
    assert err == ""
    assert Review.objects.count() == 14
    assert "Created: 14 reviews, 11 claims," in out
    assert "Skipped as invalid: 0 records." in out


def test_odd_scale_and_numeric_explanation_are_kept_not_rejected(db):
    run(BRAZIL, GERMANY)
    odd = review("https://www.aosfatos.org/noticias/nao-e-bem-assim-retirada-tropas-iraque/")
    assert (odd.rating_value, odd.best_rating, odd.worst_rating) == (
        Decimal("-1"),
        Decimal("-1"),
        Decimal("-1"),
    )
    lupa = review("https://lupa.uol.com.br/jornalismo/2024/04/23/verificamos-foguetes")
    assert (lupa.rating_value, lupa.best_rating, lupa.worst_rating) == (1, 1, 5)
    dpa = review("https://dpa-factchecking.com/germany/240425-99-12345/")
    assert dpa.rating_explanation == "2019"
    assert dpa.rating_value is None


def test_rating_table_covers_ten_languages_and_editors_file_is_valid():
    table = ratings.rating_table()
    languages = {lang for entry in table.values() for lang in entry}
    assert {"en", "es", "pt", "fr", "de", "it", "ar", "hi", "bn", "zh"} <= languages
    assert (
        ratings.map_rating(words="Engañoso").verdict
        == ratings.map_rating(words="misleading").verdict
        == "mixed"
    )


def test_rating_table_refuses_an_unknown_verdict_with_the_line(tmp_path):
    path = tmp_path / "words.csv"
    path.write_text("language,rating,verdict,note\nes,falsísimo,very_false,\n", encoding="utf-8")
    with pytest.raises(ratings.RatingTableError, match=r"words.csv:2: verdict 'very_false'"):
        ratings.rating_table(str(path))


# ---------------------------------------------------------------------------- what is kept


def test_review_keeps_every_field_of_the_record(db):
    run(AFP)
    afp = review("https://factual.afp.com/doc.afp.com.34XY7AB")
    assert (afp.author.name, afp.author.url, afp.author.kind) == (
        "AFP Factual",
        "https://factual.afp.com",
        cri.FACT_CHECKER_KIND,
    )
    assert afp.headline == "Es engañoso que la base de Ain al-Asad fuera destruida por un dron"
    # HTML entities decoded; the time of day kept (16:45 at +02:00 is 14:45 UTC).
    assert afp.body.endswith("el Pentágono no informó daños.")
    assert afp.published_at == "2024-04-23T14:45:00Z"  # a moment, kept as UTC text
    assert (afp.language, afp.rating_language) == ("es", "es")
    assert (afp.rating_value, afp.best_rating, afp.worst_rating) == (2, 5, 1)
    assert afp.claim_reviewed == "La base de Ain al-Asad fue destruida por un dron"
    assert afp.claim_date == datetime.date(2024, 4, 22)
    # Appearances with and without a publisher.
    assert afp.appearances == [
        {"url": "https://www.facebook.com/permalink.php?story_fbid=111&id=222"},
        {
            "url": "https://noticias.example.com/2024/04/22/ain-al-asad",
            "headline": "Destruida la base de Ain al-Asad",
            "datePublished": "2024-04-22",
            "publisher": "Noticias Ejemplo",
        },
    ]
    assert afp.imported_from == "afp_datafeed.json"
    assert afp.imported_at is not None

    fr = review("https://factuel.afp.com/doc.afp.com.34XZ9CD")
    assert fr.headline == "Non, l'armée américaine n'a pas quitté l'Irak"
    assert fr.published_at == "2024-04-24T09:10:00Z"
    assert fr.claimant.name == "Jean Exemple"
    assert fr.claimant_same_as == [
        "https://x.com/jeanexemple",
        "https://www.wikidata.org/wiki/Q4115189",
    ]
    assert fr.claimant_placeholder == ""
    assert fr.claim_date == datetime.date(2024, 4, 21)
    assert fr.appearances == [{"url": "https://x.com/jeanexemple/status/1782"}]


def test_google_fact_check_tools_response(db):
    run(GOOGLE)
    tfc = review("https://tfc-taiwan.org.tw/articles/10001")
    assert (tfc.author.name, tfc.author.url) == (
        "Taiwan FactCheck Center",
        "https://tfc-taiwan.org.tw",
    )
    assert tfc.headline == "【錯誤】網傳美軍基地起火照片"
    assert tfc.published_at == "2024-04-24T08:00:00Z"
    assert tfc.claim_date == datetime.date(2024, 4, 22)
    assert (tfc.language, tfc.rating_language) == ("zh", "zh")
    boom = review("https://hindi.boomlive.in/fact-check/rumalyn-rockets-video-12345")
    assert boom.headline == "डॉ. Singh's वीडियो रुमलिन का नहीं है"
    assert boom.claim.text == "Dr Singh's video shows rockets fired at Rumalyn"


def test_history_names_the_import(db):
    run(AFP)
    afp = review("https://factual.afp.com/doc.afp.com.34XY7AB")
    reasons = list(afp.history.values_list("history_change_reason", flat=True))
    assert reasons == ["Imported from afp_datafeed.json"]


def test_new_claim_gets_hops_from_claimant_and_publishers(db):
    run(AFP)
    claim = review("https://factual.afp.com/doc.afp.com.34XY7AB").claim
    hops = [
        (hop.source.name, hop.relation, hop.document.url if hop.document else None)
        for hop in claim.attributions.select_related("source", "document").order_by("pk")
    ]
    assert hops == [
        (f"Unnamed claimant of claim #{claim.pk}", "asserts", None),
        ("Noticias Ejemplo", "paraphrases", "https://noticias.example.com/2024/04/22/ain-al-asad"),
    ]


# ---------------------------------------------------------------------------- claimants


def test_placeholder_claimants_are_per_claim_and_flagged(db):
    run(BRAZIL, GOOGLE, GERMANY, AFP)
    placeholders = {
        r.url: r for r in Review.objects.exclude(claimant_placeholder="").select_related("claimant")
    }
    words = sorted({r.claimant_placeholder for r in placeholders.values()})
    assert words == [
        "Facebook user",
        "Multiple sources",
        "Social media users",
        "Varias fuentes",
        "Viral post",
        "Vários usuários",
    ]
    # One source per claim, never shared between claims; each anonymous.
    by_claim = {}
    for r in placeholders.values():
        by_claim.setdefault(r.claim_id, set()).add(r.claimant_id)
    assert all(len(ids) == 1 for ids in by_claim.values())
    claimant_ids = [ids.pop() for ids in by_claim.values()]
    assert len(claimant_ids) == len(set(claimant_ids)) == 8
    for source in Source.objects.filter(pk__in=claimant_ids):
        assert source.is_anonymous
        assert source.name.startswith("Unnamed claimant of claim #")
    assert not Source.objects.filter(name__iexact="Vários usuários").exists()
    assert not Source.objects.filter(name__iexact="Facebook user").exists()


def test_two_reviews_of_one_claim_by_two_checkers(db):
    run(GOOGLE)
    claim = Claim.objects.get(text="Dr Singh's video shows rockets fired at Rumalyn")
    assert sorted(claim.reviews.values_list("author__name", "verdict")) == [
        ("BOOM", "false"),
        ("BOOM Bangladesh", "false"),
        ("Facta", "mixed"),
    ]


# ---------------------------------------------------------------------------- idempotence


def test_reimport_changes_nothing(db):
    run(*ALL_GOOD)
    before = everything()
    out, _ = run(*ALL_GOOD)
    assert "Created: 0 reviews, 0 claims, 0 sources, 0 documents, 0 hops." in out
    assert "Unchanged: 14 records." in out
    assert everything() == before


def test_second_checker_adds_a_review_and_flips_nothing(db, tmp_path):
    run(AFP)
    first = review("https://factual.afp.com/doc.afp.com.34XY7AB")
    other = {
        "@type": "ClaimReview",
        "url": "https://maldita.es/malditobulo/20240424/ain-al-asad-dron/",
        "author": {"@type": "Organization", "name": "Maldita.es"},
        "inLanguage": "es",
        "claimReviewed": "La base de Ain al-Asad fue destruida por un dron",
        "reviewRating": {"@type": "Rating", "alternateName": "Bulo"},
    }
    path = tmp_path / "maldita.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    run(path)
    run(AFP)  # re-importing the first checker's file flips nothing back
    run(path)
    assert sorted(first.claim.reviews.values_list("author__name", "verdict")) == [
        ("AFP Factual", "mixed"),
        ("Maldita.es", "false"),
    ]
    again = review("https://factual.afp.com/doc.afp.com.34XY7AB")
    assert (again.updated_at, again.verdict) == (first.updated_at, first.verdict)


def test_review_without_url_is_matched_by_author_and_claim(db, tmp_path):
    record = {
        "@type": "ClaimReview",
        "author": {"name": "Checker Without Links"},
        "claimReviewed": "A claim reviewed without a URL",
        "reviewRating": {"alternateName": "Mostly True"},
    }
    path = tmp_path / "nourl.json"
    path.write_text(json.dumps([record, record]))
    out, _ = run(path)
    assert Review.objects.count() == 1
    assert "Unchanged: 1 records." in out
    record["reviewRating"] = {"alternateName": "Mostly False"}
    path.write_text(json.dumps(record))
    out, _ = run(path)
    assert "Updated: 1 reviews." in out
    assert Review.objects.get().verdict == "mostly_false"


def test_changed_rating_updates_the_review_with_a_reason(db, tmp_path):
    run(AFRICA)
    data = json.loads(AFRICA.read_text())
    data["reviewRating"] = {"@type": "Rating", "alternateName": "Incorrect"}
    path = tmp_path / "africacheck_v2.json"
    path.write_text(json.dumps(data))
    out, _ = run(path)
    assert "Updated: 1 reviews." in out
    found = review(data["url"])
    assert (found.rating_text, found.verdict, found.verdict_basis) == (
        "Incorrect",
        "false",
        "table",
    )
    assert (found.rating_value, found.best_rating) == (None, None)
    assert found.imported_from == "africacheck_v2.json"
    assert found.history.first().history_change_reason == "Imported from africacheck_v2.json"


def test_editor_mapping_of_a_review_survives_reimport(db, editor):
    from claims import reviews

    run(GERMANY)
    reker = review("https://correctiv.org/faktencheck/2024/04/26/reker-zitat/")
    reviews.review_update(reker, verdict="misattributed", user=editor)
    run(GERMANY)
    reker.refresh_from_db()
    assert (reker.verdict, reker.verdict_basis) == ("misattributed", "editor")
    assert reker.rating_text.startswith("Reker hat diesen Satz nie gesagt.")


# ---------------------------------------------------------------------------- the editors' verdict


def test_import_never_changes_the_editors_verdict(db, editor, tmp_path):
    claim = ClaimFactory(text="US troops left Iraq in April 2024")
    services.verdict_set(
        claim=claim, verdict="true", explanation="Editors' own reading.", user=editor
    )
    claim.refresh_from_db()
    before = (claim.verdict, claim.verdict_explanation, claim.reviewed_by_id, claim.reviewed_at)
    history = claim.history.count()
    run(AFRICA)  # Africa Check rates the same claim mostly false
    claim.refresh_from_db()
    assert (
        claim.verdict,
        claim.verdict_explanation,
        claim.reviewed_by_id,
        claim.reviewed_at,
    ) == before
    assert claim.history.count() == history
    assert claim.reviews.get().verdict == "mostly_false"


# ---------------------------------------------------------------------------- refusals


def test_all_errors_of_a_record_reported_together_and_nothing_written(db):
    with pytest.raises(CommandError) as caught:
        run(BROKEN)
    message = str(caught.value)
    assert "2 of 3 records are invalid; nothing was written" in message
    lines = [line.strip() for line in message.splitlines()[1:]]
    assert lines == [
        "broken_records.json: record 0 ([0]): claimReviewed is missing; author is missing: a "
        "review needs the fact-checker who published it; url “not a url” is not an http(s) "
        "URL; datePublished “yesterday” is not an ISO 8601 date or date-time",
        "broken_records.json: record 2 ([2]): @type is 'WebPage', not ClaimReview",
    ]
    assert Review.objects.count() == Claim.objects.count() == Source.objects.count() == 0


def test_skip_invalid_imports_the_good_records(db):
    out, err = run(BROKEN, options=["--skip-invalid"])
    assert "Created: 1 reviews, 1 claims, 1 sources" in out
    assert err.count("Skipped broken_records.json: record") == 2
    assert review("https://checker.example.org/ok").verdict == "false"


def test_not_json_is_refused(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("[{")
    with pytest.raises(CommandError, match="is not JSON: .* line 1"):
        run(path)


def test_progress_every_500_records(db, tmp_path):
    records = [
        {
            "@type": "ClaimReview",
            "url": f"https://bulk.example.org/{n}",
            "author": {"name": "Bulk Checker"},
            "claimReviewed": f"Bulk claim {n}",
            "reviewRating": {"alternateName": "False"},
        }
        for n in range(1001)
    ]
    path = tmp_path / "bulk.json"
    path.write_text(json.dumps(records))
    out, err = run(path)
    assert err.splitlines() == ["… 500/1001 records", "… 1000/1001 records", "… 1001/1001 records"]
    assert "Created: 1001 reviews, 1001 claims, 1 sources" in out


def test_existing_source_matched_by_name_any_case(db):
    SourceFactory(name="aos fatos", kind="organization")
    run(BRAZIL)
    assert Source.objects.filter(name__iexact="aos fatos").count() == 1
    assert review("https://www.aosfatos.org/noticias/escala-estranha/").author.name == "aos fatos"
