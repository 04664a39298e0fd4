"""The stored projection always equals a fresh one: random sequences of writes through the
services (hops, cites, disputes, renames, family moves, documents, topics, deletes), and
after every step every claim's stored document, CSV line and figures are checked against a
projection of the graph as it now is (``projection.stale``)."""

import json
import random

import pytest
from django.core.exceptions import ValidationError

from claims import projection, reviews, services
from claims.models import Attribution, Claim, Dispute
from factcheck.errors import ReferencedError
from sources import services as source_services
from sources.models import Document, Source
from tests.factories import DocumentFactory, SourceFactory, TopicFactory

pytestmark = pytest.mark.django_db


def stale_claims() -> list[int]:
    return list(projection.stale())


def step(rng: random.Random) -> str:
    """One random write through the services; returns what it did (for the failure message)."""
    claims = list(Claim.objects.order_by("pk"))
    sources = list(Source.objects.order_by("pk"))
    hops = list(Attribution.objects.order_by("pk"))
    action = rng.choice(
        [
            "claim",
            "hop",
            "hop",
            "relay",
            "cite",
            "dispute",
            "resolve",
            "rename",
            "family",
            "kind",
            "document",
            "topic",
            "delete_hop",
            "delete_dispute",
            "delete_claim",
            "verdict",
            "review",
        ]
    )
    try:
        if action == "claim" or not claims:
            services.claim_create(text=f"Claim {rng.random():.6f}")
        elif action == "hop":
            services.attribution_add(
                claim=rng.choice(claims),
                source=rng.choice(sources),
                stated_at=rng.choice([None, "2024-04-22", "2024-04-21"]),
            )
        elif action == "relay" and hops:
            cited = rng.choice(hops)
            services.attribution_add(claim=cited.claim, source=rng.choice(sources), cites=[cited])
        elif action == "cite" and len(hops) > 1:
            hop = rng.choice(hops)
            same = [h for h in hops if h.claim_id == hop.claim_id and h.pk != hop.pk]
            if same:
                services.attribution_update(hop, cites=[rng.choice(same)])
        elif action == "dispute":
            claim = rng.choice(claims)
            targets = [None, *[h for h in hops if h.claim_id == claim.pk]]
            services.dispute_record(
                claim=claim,
                disputed_by=rng.choice(sources),
                kind=rng.choice(["denial", "authorship_denial", "retraction"]),
                target=rng.choice(targets),
                quote="fabricated news",
            )
        elif action == "resolve" and Dispute.objects.exists():
            dispute = rng.choice(list(Dispute.objects.all()))
            services.dispute_update(dispute, resolution=rng.choice(["open", "upheld", "rejected"]))
        elif action == "rename":
            source = rng.choice(sources)
            source_services.source_update(source, name=f"Renamed {rng.random():.6f}")
        elif action == "family":
            source, parent = rng.sample(sources, 2)
            source_services.source_update(source, affiliated_with=parent, affiliation="part_of")
        elif action == "kind":
            source = rng.choice(sources)
            source_services.source_update(
                source,
                kind=rng.choice(["official", "news_agency", "armed_group"]),
                reliability=rng.choice("ABCDEF"),
                is_anonymous=rng.choice([True, False]),
            )
        elif action == "document" and Document.objects.exists():
            document = rng.choice(list(Document.objects.all()))
            source_services.document_update(document, title=f"Retitled {rng.random():.6f}")
            if hops:
                hop = rng.choice(hops)
                services.attribution_update(hop, document=document)
        elif action == "topic":
            topic = TopicFactory()
            claim = rng.choice(claims)
            services.claim_update(claim, topics=[topic])
            services.topic_update(topic, slug=f"topic-{rng.randrange(10**6)}")
        elif action == "delete_hop" and hops:
            services.attribution_delete(rng.choice(hops))
        elif action == "delete_dispute" and Dispute.objects.exists():
            services.dispute_delete(rng.choice(list(Dispute.objects.all())))
        elif action == "delete_claim" and len(claims) > 3:
            services.claim_delete(rng.choice(claims))
        elif action == "verdict":
            services.verdict_set(claim=rng.choice(claims), verdict="false", explanation="No.")
        elif action == "review":
            review = reviews.review_create(
                claim=rng.choice(claims),
                author=rng.choice(sources),
                rating_text=rng.choice(["Falso", "Engañoso", "Reker hat diesen Satz nie gesagt"]),
                verdict=rng.choice(["false", "mixed", "unmapped"]),
                url=f"https://checker.example/{rng.randrange(10**9)}",
            )
            if rng.random() < 0.3:
                reviews.review_delete(review)
    except (ValidationError, ReferencedError):
        return f"{action} (refused)"
    return action


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_projection_equals_a_fresh_one_after_every_write(seed):
    rng = random.Random(seed)
    for n in range(6):
        SourceFactory(name=f"Source {seed}-{n}")
    DocumentFactory(title="Wire report")
    for _ in range(3):
        services.claim_create(text=f"Seed claim {rng.random():.6f}")
    done = []
    for _ in range(60):
        done.append(step(rng))
        assert stale_claims() == [], f"stale after: {done}"
    assert len({d for d in done if "refused" not in d}) >= 8  # the sequence really varied


def test_renaming_a_source_rewrites_every_claim_naming_it(seed):
    reuters = Source.objects.get(slug="reuters")
    before = Claim.objects.filter(attributions__source=reuters).distinct().count()
    assert before >= 5
    source_services.source_update(reuters, name="Reuters News")
    for claim in Claim.objects.filter(attributions__source=reuters).distinct():
        assert "Reuters News" in json.dumps(claim.document)
        assert "Reuters News" in claim.csv_row
        assert "Reuters →" not in claim.csv_row.replace("Reuters News →", "")
    assert stale_claims() == []


def test_moving_a_family_changes_independent_origins(seed):
    claim = seed.drone_claim  # US officials + Iraqi officials: two independent origins
    assert claim.document["independent_origin_count"] == 2
    iraqi, us = Source.objects.get(slug="iraqi-officials"), Source.objects.get(slug="us-officials")
    source_services.source_update(iraqi, affiliated_with=us, affiliation="affiliated")
    claim.refresh_from_db()
    assert claim.independent_origin_count == 1
    assert claim.document["independent_origin_count"] == 1
    assert stale_claims() == []


def test_refresh_derived_rebuilds_what_was_written_behind_the_services_back(seed):
    from django.core.management import call_command

    Claim.objects.update(document={}, csv_row="", dispute_count=0, is_disputed=False)
    assert len(stale_claims()) == 9
    call_command("refresh_derived", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    assert stale_claims() == []
    assert seed.telegram_claim.document["dispute_count"] == 1


def test_a_rebuild_writes_only_the_claims_that_differ(seed):
    from django.db import connection

    from claims.projection import store

    if connection.vendor != "postgresql":
        pytest.skip("row versions (xmin) are PostgreSQL's")

    def versions() -> dict[int, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, xmin::text FROM claims_claim ORDER BY id")
            return dict(cursor.fetchall())

    projection.refresh_all()
    before = versions()
    projection.refresh_all()
    assert versions() == before  # nothing differed: no row rewritten
    # One stored text wrong, or only a figure (its texts then match and are not sent back,
    # store.KEEP): each is rewritten, and no other claim is.
    text_wrong, figure_wrong = seed.telegram_claim.pk, seed.drone_claim.pk
    Claim.objects.filter(pk=text_wrong).update(csv_row="tampered")
    Claim.objects.filter(pk=figure_wrong).update(origin_kind_mask=0, search_document="x")
    before = versions()
    writes = []

    def record(execute, sql, params, many, context):
        if sql.startswith("UPDATE claims_claim"):
            writes.append(params)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        projection.refresh_all()
    after = versions()
    assert {pk for pk in after if after[pk] != before[pk]} == {text_wrong, figure_wrong}
    assert stale_claims() == []
    # Only the differing texts travelled back: the write's parameters carry the fresh texts
    # of the claim whose CSV line was wrong, and none (store.KEEP) for every other claim,
    # the one with only a wrong figure included.
    [params] = writes
    ids, texts = params[0], params[1 + len(store.FIGURES) : 1 + len(store.COLUMNS) - 1]
    sent = {
        pk for column in texts for pk, text in zip(ids, column, strict=True) if text is not None
    }
    assert sent == {text_wrong}
    assert len(ids) == Claim.objects.count()


def test_the_document_is_stored_and_served_as_the_text_written(seed, researcher_api):
    from django.db import connection

    from claims.projection import store

    projection.refresh_all()
    pk = seed.telegram_claim.pk
    [fresh] = store.rows_for([pk], touch=False, locked=False)
    written = fresh[1 + len(store.FIGURES)]
    assert written.startswith(f'{{"id":{pk},"text":')  # the projection's order, compact
    with connection.cursor() as cursor:
        cursor.execute("SELECT document FROM claims_claim WHERE id = %s", [pk])
        assert cursor.fetchone()[0] == written
    body = researcher_api.get(f"/api/v1/claims/{pk}/").content.decode()
    assert body == written  # byte for byte: no JSON parsed or re-encoded on the way out
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = 'claims_claim' AND column_name = 'document'"
            )
            assert cursor.fetchone()[0] == "text"  # migration 0022: not jsonb
            # The same JSON in jsonb's key order differs as text, so a rebuild rewrites it.
            cursor.execute(
                "UPDATE claims_claim SET document = document::jsonb::text WHERE id = %s", [pk]
            )
            cursor.execute("SELECT document FROM claims_claim WHERE id = %s", [pk])
            reordered = cursor.fetchone()[0]
        assert reordered != written and json.loads(reordered) == json.loads(written)
        projection.refresh_all()
        assert researcher_api.get(f"/api/v1/claims/{pk}/").content.decode() == written


def test_reviews_show_in_the_document_and_never_touch_the_editors_verdict(seed):
    claim = services.verdict_set(claim=seed.telegram_claim, verdict="misattributed")
    lupa = SourceFactory(name="Lupa", kind="organization")
    review = reviews.review_create(
        claim=claim,
        author=lupa,
        url="https://lupa.example/falso",
        rating_text="Falso",
        rating_language="pt",
        verdict="false",
    )
    claim.refresh_from_db()
    assert claim.verdict == "misattributed"
    [listed] = claim.document["reviews"]
    assert (listed["id"], listed["author"], listed["rating_text"]) == (
        review.pk,
        lupa.slug,
        "Falso",
    )
    assert claim.document["sources"][lupa.slug]["name"] == "Lupa"
    source_services.source_update(lupa, name="Agência Lupa")
    claim.refresh_from_db()
    assert claim.document["sources"][lupa.slug]["name"] == "Agência Lupa"
    assert stale_claims() == []


def test_document_names_the_parents_up_the_affiliation_chain_and_a_parent_rename_reaches_it():
    """A hop by a channel of a faction of a movement: the document names all three (PROV's
    actedOnBehalfOf needs the parents' kinds), and renaming the movement, two levels up,
    re-projects the claim."""
    movement = SourceFactory(name="The Movement", kind="armed_group", reliability="D")
    faction = SourceFactory(
        name="The Faction", kind="armed_group", affiliated_with=movement, affiliation="part_of"
    )
    channel = SourceFactory(
        name="The Faction's channel",
        kind="social_channel",
        affiliated_with=faction,
        affiliation="affiliated",
    )
    claim = services.claim_create(text="The bridge was closed")
    services.attribution_add(claim=claim, source=channel)
    claim.refresh_from_db()
    named = claim.document["sources"]
    assert sorted(named) == sorted([channel.slug, faction.slug, movement.slug])
    assert named[movement.slug]["kind"] == "armed_group"
    assert named[movement.slug]["reliability"] == "D"
    assert named[faction.slug]["affiliated_with"] == movement.slug
    source_services.source_update(movement, name="The Renamed Movement")
    claim.refresh_from_db()
    assert claim.document["sources"][movement.slug]["name"] == "The Renamed Movement"
    assert claim.document["sources"][faction.slug]["affiliated_with_name"] == (
        "The Renamed Movement"
    )
    assert stale_claims() == []


class _Editor:
    """What a migration's ``RunPython`` function uses of its schema editor."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql):
        with self.connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_lineage_migration_fills_what_the_projection_computes(seed):
    """Migration 0021 fills ``source_lineage`` with SQL of its own; emptied and refilled,
    every claim holds exactly what ``provenance.source_lineage`` gives, on either database."""
    from importlib import import_module

    from django.db import connection

    migration = import_module("claims.migrations.0021_source_lineage")
    telegram = Claim.objects.get(pk=seed.telegram_claim.pk)
    pmf = Source.objects.get(slug="popular-mobilization-forces")
    assert pmf.pk in telegram.source_lineage  # two affiliations above the channel's hop
    Claim.objects.update(source_lineage=[])
    assert (
        len(stale_claims()) == Claim.objects.filter(attributions__isnull=False).distinct().count()
    )
    if connection.vendor == "postgresql":
        # The seed's inserts left deferred foreign-key checks pending in this test's
        # transaction, and PostgreSQL builds no index on a table with pending events; a
        # migration runs in a transaction of its own, with none.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migration.fill(None, _Editor(connection))
    assert stale_claims() == []
    telegram.refresh_from_db()
    assert pmf.pk in telegram.source_lineage


def test_a_source_change_reaches_the_claims_naming_it_in_every_way():
    """``claims_naming`` finds a claim through each way its document names a source: a hop
    by it or by a source under it, a dispute by it, a review it wrote or is the claimant of,
    a hop or a dispute in a document it published; and no other claim."""
    wire = SourceFactory(name="The Wire")
    desk = SourceFactory(name="The Wire's desk", affiliated_with=wire, affiliation="part_of")
    other = SourceFactory(name="Someone else")
    published = DocumentFactory(title="The Wire's report", publisher=wire)
    claims = {}

    def claim(name):
        claims[name] = services.claim_create(text=f"Claim {name}")
        return claims[name]

    services.attribution_add(claim=claim("hop"), source=wire)
    services.attribution_add(claim=claim("affiliate hop"), source=desk)
    services.attribution_add(claim=claim("hop in its document"), source=other, document=published)
    services.dispute_record(claim=claim("dispute"), disputed_by=wire, kind="denial", quote="No.")
    services.dispute_record(
        claim=claim("dispute in its document"),
        disputed_by=other,
        kind="denial",
        quote="No.",
        document=published,
    )
    for role in ("author", "claimant"):
        reviews.review_create(
            claim=claim(f"review {role}"),
            author=wire if role == "author" else other,
            claimant=wire if role == "claimant" else None,
            rating_text="False",
            verdict="false",
            url=f"https://checker.example/{role}",
        )
    services.attribution_add(claim=claim("unrelated"), source=other)
    named = projection.claims_naming({wire.pk})
    assert named == {c.pk for name, c in claims.items() if name != "unrelated"}
    assert projection.claims_naming({desk.pk}) == {claims["affiliate hop"].pk}


def _full_scans(node: dict, tables: set[str]) -> list[str]:
    """Scans in a PostgreSQL JSON plan that read one of ``tables`` without an index
    condition: a sequential scan, or an index walked end to end."""
    found = []
    if node.get("Relation Name") in tables and (
        node["Node Type"] == "Seq Scan"
        or (node["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in node)
    ):
        found.append(f"{node['Node Type']} on {node['Relation Name']}")
    for child in node.get("Plans", []):
        found += _full_scans(child, tables)
    return found


def test_a_source_change_finds_its_claims_through_indexes():
    """At a million claims, "a hop by the source or in a document it published" written as
    one OR joined every hop to every document (1.7 s for any source change). The lookup's
    plan, with table scans priced out, reads hops, disputes and documents by index only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans")
    wire = SourceFactory(name="The Wire")
    published = DocumentFactory(title="The Wire's report", publisher=wire)
    claim = services.claim_create(text="A claim")
    services.attribution_add(claim=claim, source=SourceFactory(), document=published)
    with CaptureQueriesContext(connection) as ran:
        assert projection.claims_naming({wire.pk}) == {claim.pk}
    [lookup] = [q["sql"] for q in ran.captured_queries if "claims_attribution" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + lookup)
        [[plan]] = cursor.fetchone()
    tables = {"claims_attribution", "claims_dispute", "sources_document", "claims_review"}
    assert _full_scans(plan["Plan"], tables) == []


@pytest.mark.django_db(transaction=True)
def test_a_parallel_rebuild_vacuums_as_it_goes():
    """``refresh_all(jobs=2)`` on PostgreSQL: every claim rebuilt by the worker processes,
    and the table vacuumed between batches so the rewritten rows' space is reused."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("worker processes and VACUUM: PostgreSQL only")
    claims = [services.claim_create(text=f"Claim {n}") for n in range(6)]
    for claim in claims:
        services.attribution_add(claim=claim, source=SourceFactory())
    Claim.objects.update(csv_row="stale", dispute_count=99)
    assert len(stale_claims()) == 6

    def vacuums() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'claims_claim'"
            )
            return cursor.fetchone()[0]

    before = vacuums()
    done = projection.refresh_all(batch=1, jobs=2, reclaim_every=2)
    assert done == 6
    assert stale_claims() == []
    # After claims 2 and 4, not after the last: nothing follows to reuse the space.
    assert vacuums() - before == 2
