"""Generate a deterministic, realistic tracker database of N claims in PostgreSQL.

    .venv/bin/python bench/generate.py --claims 10000 [--db factcheck_bench_10k] [--verify]

The database is dropped and recreated, migrated with ``manage.py migrate``, then filled with
COPY: about 5,000 sources of every kind (~15% anonymous officials, ~20% affiliated with
another source, a few large families), documents, topics, and N claims with 1-2 origins and
1-3 relays each (relays citing origins or earlier relays; ~1% of claims carry a fourth relay,
so six-hop claims exist), ~10% of claims disputed with every dispute kind and resolution,
dates over 2020-2024. Every claim's stored figures, document and CSV line are then written by
``claims.projection.refresh_all``, the bulk code of ``manage.py refresh_derived`` (timed:
``claims_per_s_project``), and each source's ``family`` is the root of its affiliation tree
as ``sources.services`` stores it. ``--verify`` compares a random sample of claims with a
fresh projection and fails when any stored column differs.

Secondary indexes are dropped during the COPY and rebuilt after it (the usual bulk-load
recipe); foreign keys stay declared and are checked after the load by ``--verify``.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import io
import itertools
import multiprocessing
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
SEED = 20240422
N_SOURCES = 5000
N_HUBS = 300  # sources 1..300 are the roots most affiliates hang under
START = dt.date(2020, 1, 1)
END = dt.date(2024, 12, 31)
SPAN = (END - START).days
STAMP = "2025-01-15 12:00:00+00"

ORIGIN_KINDS = [
    ("official", 40),
    ("government", 14),
    ("military", 12),
    ("armed_group", 10),
    ("social_channel", 10),
    ("organization", 7),
    ("person", 5),
    ("other", 2),
]
RELAY_KINDS = [("news_outlet", 70), ("news_agency", 30)]

COUNTRIES = ["US", "IQ", "SY", "IR", "IL", "LB", "YE", "GB", "FR", "RU", "TR", "SA", "UA", ""]
ADJ = {
    "US": "US",
    "IQ": "Iraqi",
    "SY": "Syrian",
    "IR": "Iranian",
    "IL": "Israeli",
    "LB": "Lebanese",
    "YE": "Yemeni",
    "GB": "British",
    "FR": "French",
    "RU": "Russian",
    "TR": "Turkish",
    "SA": "Saudi",
    "UA": "Ukrainian",
    "": "Regional",
}
KIND_NOUNS = {
    "news_agency": ["News Agency", "Wire", "Press Service"],
    "news_outlet": ["Times", "Herald", "Daily", "Post", "Observer", "Monitor", "Tribune"],
    "government": ["Ministry of Defense", "Foreign Ministry", "Prime Minister's Office"],
    "official": ["officials", "security official", "defense official", "diplomat"],
    "military": ["Army Command", "Central Command", "Air Force", "Coalition Forces"],
    "armed_group": ["Brigades", "Resistance Front", "Militia", "Battalions"],
    "social_channel": ["Telegram channel", "X account", "Telegram feed"],
    "organization": ["Human Rights Watch Group", "Observatory", "Relief Agency", "Institute"],
    "person": ["analyst", "spokesperson", "commander", "researcher"],
    "other": ["source", "witness group", "local council"],
}

# Claim texts are built from common newsroom words, so full-text search has a lot to find.
SUBJECTS = [
    "A drone attack",
    "A rocket attack",
    "An airstrike",
    "A convoy ambush",
    "A missile strike",
    "An explosion",
    "A ceasefire violation",
    "A prisoner exchange",
    "A cross-border raid",
    "A militia statement",
]
VERBS = ["targeted", "struck", "hit", "was reported near", "damaged", "was claimed at"]
OBJECTS = [
    "a US base",
    "an air base",
    "a supply convoy",
    "an oil facility",
    "a border crossing",
    "a government building",
    "a weapons depot",
    "a checkpoint",
    "a power station",
    "the embassy compound",
]
PLACES = [
    "western Iraq",
    "northeast Syria",
    "southern Lebanon",
    "Baghdad",
    "Erbil",
    "the Red Sea",
    "Deir ez-Zor",
    "Basra",
    "Aleppo",
    "Sanaa",
    "the Golan Heights",
    "Kirkuk",
]
TAILS = [
    "",
    "; no casualties were reported",
    ", killing two people",
    ", according to local sources",
    ", wounding several soldiers",
    "; the damage was limited",
    ", days after talks stalled",
]
QUOTES = [
    "we can confirm the attack took place",
    "the strike hit its target",
    "there were no casualties among our forces",
    "the base came under rocket fire overnight",
    "the drone was shot down before it reached the base",
    "an investigation is under way",
    "the operation was a response to aggression",
    "we hold the occupation forces responsible",
]
DISPUTE_LINES = {
    "denial": ("Denied that the attack happened.", "these reports are false"),
    "authorship_denial": ("Denied issuing the statement.", "fabricated news"),
    "contradiction": ("Gave a conflicting account of the casualties.", "nobody was killed"),
    "retraction": ("Withdrew the report.", "we retract our earlier report"),
    "correction": ("Corrected the location in its report.", "an earlier version misstated"),
    "fact_check": ("An independent review found no evidence.", "no evidence supports this"),
}
TOPICS = [
    "Attacks on US forces",
    "Red Sea shipping",
    "Iraq politics",
    "Syria conflict",
    "Lebanon border",
    "Ceasefire talks",
    "Drone warfare",
    "Prisoner exchanges",
    "Oil infrastructure",
    "Humanitarian access",
]


# ---------------------------------------------------------------------------- COPY helpers


def esc(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def line(values) -> str:
    return "\t".join(esc(v) for v in values) + "\n"


COLUMNS = {
    "sources_source": "id name slug kind is_anonymous affiliated_with_id affiliation reliability "
    "country url description family created_at updated_at",
    "sources_document": "id kind title url publisher_id author published_at retrieved_at "
    "archive_url language created_at updated_at",
    "claims_topic": "id name slug",
    "claims_claim": "id text occurred_at location verdict verdict_explanation reviewed_by_id "
    "reviewed_at credibility first_reported_at is_disputed dispute_count search_document "
    "independent_origin_count relay_count single_origin_echo circular_reporting "
    "authorship_contested origin_kind_mask origin_anonymous source_lineage document csv_row "
    "report_html "
    "created_at "
    "updated_at",
    "claims_claim_topics": "claim_id topic_id",
    "claims_attribution": "id claim_id source_id document_id relation quote quote_language "
    "quote_translation stated_at note is_origin created_at updated_at",
    "claims_attribution_cites": "from_attribution_id to_attribution_id",
    "claims_dispute": "id claim_id disputed_by_id target_id kind statement quote quote_language "
    "quote_translation stated_at document_id resolution resolution_note created_at updated_at",
}
LOAD_ORDER = list(COLUMNS)


# ---------------------------------------------------------------------------- in-memory rows


class Src:
    """What derived_values reads of a source."""

    __slots__ = ("pk", "family", "reliability", "slug", "name", "kind", "affiliated_with_id")

    def __init__(self, pk, name, slug, kind, reliability, parent):
        self.pk, self.name, self.slug, self.kind = pk, name, slug, kind
        self.reliability, self.affiliated_with_id, self.family = reliability, parent, None


class Hop:
    """What derived_values reads of a hop, with the ``cites`` prefetch cache it expects."""

    __slots__ = (
        "pk",
        "source",
        "source_id",
        "stated_at",
        "quote",
        "quote_translation",
        "_prefetched_objects_cache",
    )

    def __init__(self, pk, source, stated_at, quote, translation, cites):
        self.pk, self.source, self.source_id = pk, source, source.pk
        self.stated_at, self.quote, self.quote_translation = stated_at, quote, translation
        self._prefetched_objects_cache = {"cites": cites}


class Disp:
    """What derived_values reads of a dispute."""

    __slots__ = ("kind", "target_id", "resolution", "quote", "quote_translation", "statement")

    def __init__(self, kind, target_id, resolution, quote, translation, statement):
        self.kind, self.target_id, self.resolution = kind, target_id, resolution
        self.quote, self.quote_translation, self.statement = quote, translation, statement


class ClaimText:
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


def slugify(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ch.isalnum() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


def zipf_cum(n: int, s: float = 1.0) -> list[float]:
    """Cumulative Zipf weights: a few sources say most of the news, as in life."""
    return list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))


def pick(rng: random.Random, items: list, cum: list[float]):
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


# ---------------------------------------------------------------------------- sources


def make_sources(rng: random.Random) -> tuple[list[Src], set[int]]:
    """5,000 sources: hubs first (roots of the big families), then everyone else."""
    kinds = [k for k, _ in ORIGIN_KINDS + RELAY_KINDS]
    kind_weights = {
        "news_outlet": 18,
        "news_agency": 3,
        "government": 8,
        "official": 5,  # named officials; anonymous ones are added below (15% of all)
        "military": 7,
        "armed_group": 8,
        "social_channel": 13,
        "organization": 10,
        "person": 10,
        "other": 3,
    }
    cum = list(itertools.accumulate(kind_weights[k] for k in kinds))
    sources: list[Src] = []
    anonymous: set[int] = set()
    names: set[str] = set()
    for pk in range(1, N_SOURCES + 1):
        if pk > N_HUBS and rng.random() < 0.15 / 0.94:
            kind = "official"
            anonymous.add(pk)
        elif pk <= N_HUBS:
            kind = rng.choice(["government", "armed_group", "military", "news_agency"])
        else:
            kind = pick(rng, kinds, cum)
        country = rng.choice(COUNTRIES)
        noun = rng.choice(KIND_NOUNS[kind])
        name = f"{ADJ[country]} {noun} {pk}"
        if pk in anonymous:
            name = f"{ADJ[country]} {noun} (unnamed) {pk}"
        assert name.lower() not in names
        names.add(name.lower())
        reliability = rng.choice("ABCDEFF") if kind.startswith("news") else rng.choice("BCDEFFF")
        sources.append(Src(pk, name, slugify(name), kind, reliability, None))
    # ~20% affiliated: mostly under a hub (Zipf, so hub 1 heads a large family), some under
    # another affiliate (so families are trees, and "transitively" matters).
    hub_cum = zipf_cum(N_HUBS, 1.1)
    hubs = sources[:N_HUBS]
    affiliated: list[Src] = []
    for src in sources[N_HUBS:]:
        if rng.random() < 0.20 * N_SOURCES / (N_SOURCES - N_HUBS):
            if affiliated and rng.random() < 0.2:
                parent = rng.choice(affiliated)
            else:
                parent = pick(rng, hubs, hub_cum)
            src.affiliated_with_id = parent.pk
            affiliated.append(src)
    by_pk = {s.pk: s for s in sources}
    for src in sources:  # parents always have smaller ids: one pass finds every root
        src.family = by_pk[src.affiliated_with_id].family if src.affiliated_with_id else src.pk
    return sources, anonymous


def source_rows(sources, anonymous, rng) -> str:
    out = io.StringIO()
    for s in sources:
        affiliation = rng.choice(["part_of", "affiliated", "operated_by", "alleged"])
        out.write(
            line(
                [
                    s.pk,
                    s.name,
                    s.slug,
                    s.kind,
                    s.pk in anonymous,
                    s.affiliated_with_id,
                    affiliation if s.affiliated_with_id else "",
                    s.reliability,
                    "",
                    "",
                    "",
                    s.family,
                    STAMP,
                    STAMP,
                ]
            )
        )
    return out.getvalue()


# ---------------------------------------------------------------------------- claims


class Generator:
    """Claims, hops, cites, disputes and documents, batch by batch, ids in sequence."""

    def __init__(self, n_claims: int, seed: int = SEED):
        self.rng = random.Random(seed)
        made = make_sources(self.rng)
        self.sources, self.anonymous = made
        self.source_text = source_rows(self.sources, self.anonymous, self.rng)
        origin_kinds = {k for k, _ in ORIGIN_KINDS}
        relay_kinds = {k for k, _ in RELAY_KINDS}
        shuffled = self.sources[:]
        random.Random(seed + 1).shuffle(shuffled)  # popularity independent of id
        self.origin_pool = [s for s in shuffled if s.kind in origin_kinds]
        self.relay_pool = [s for s in shuffled if s.kind in relay_kinds]
        self.dispute_pool = [s for s in shuffled if s.kind not in relay_kinds]
        self.origin_cum = zipf_cum(len(self.origin_pool), 0.9)
        self.relay_cum = zipf_cum(len(self.relay_pool), 1.0)
        self.dispute_cum = zipf_cum(len(self.dispute_pool), 0.9)
        self.by_pk = {s.pk: s for s in self.sources}
        self.n_claims = n_claims
        self.hop_id = 0
        self.dispute_id = 0
        self.document_id = 0
        self.topic_text = "".join(
            line([i + 1, name, slugify(name)]) for i, name in enumerate(TOPICS)
        )
        self.stats = {"hops": 0, "disputes": 0, "documents": 0, "cites": 0}

    def day(self, offset: int) -> dt.date:
        return START + dt.timedelta(days=min(offset, SPAN))

    def moment(self, offset: int, serial: int) -> str:
        """When a hop or dispute was stated, as stored (``factcheck.moments``): the day
        ``offset``, and for every third row (by id) a time of day in UTC too, as wire reports
        and denials carry. Chosen from the id, not the random stream, so every other
        generated value stays what it was for the same seed."""
        day = self.day(offset).isoformat()
        if serial % 3:
            return day
        seconds = (serial * 7919) % 86400
        return f"{day}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"

    def batch(self, first: int, last: int):
        """COPY text for claims ``first``..``last`` (inclusive) and everything under them."""
        rng = self.rng
        claims, hops_out, cites_out, disputes_out, docs_out, topics_out = (
            io.StringIO() for _ in range(6)
        )
        for cid in range(first, last + 1):
            text = (
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                f"in {rng.choice(PLACES)}{rng.choice(TAILS)} (report {cid})"
            )
            start = rng.randrange(SPAN - 30)
            occurred = self.day(start) if rng.random() < 0.95 else None
            hops: list[Hop] = []
            n_origins = 1 if rng.random() < 0.7 else 2
            n_relays = rng.choice((1, 1, 2, 2, 3)) + (1 if rng.random() < 0.01 else 0)
            if cid % 1000 == 7:
                # Six hops (two origins, four relays): the detail page the benchmark reads.
                n_origins, n_relays = 2, 4
            when = start + rng.randrange(2)
            for _ in range(n_origins):
                src = pick(rng, self.origin_pool, self.origin_cum)
                self.hop_id += 1
                quote = rng.choice(QUOTES) if rng.random() < 0.6 else ""
                translation = ""
                if quote and src.kind in ("armed_group", "social_channel") and rng.random() < 0.5:
                    translation, quote = quote, "بيان صادر عن المقاومة"
                stated = self.moment(when, self.hop_id) if rng.random() < 0.97 else None
                hops.append(Hop(self.hop_id, src, stated, quote, translation, []))
            for _ in range(n_relays):
                src = pick(rng, self.relay_pool, self.relay_cum)
                self.hop_id += 1
                # Cite the latest hop (a chain) and, sometimes, another earlier one too.
                cited = [hops[-1]]
                if len(hops) > 1 and rng.random() < 0.35:
                    other = rng.choice(hops[:-1])
                    cited.append(other)
                when += rng.randrange(3)
                quote = rng.choice(QUOTES) if rng.random() < 0.4 else ""
                hops.append(Hop(self.hop_id, src, self.moment(when, self.hop_id), quote, "", cited))
            disputes: list[Disp] = []
            dispute_rows = []
            if rng.random() < 0.10:
                for _ in range(1 if rng.random() < 0.8 else 2):
                    kind = rng.choice(list(DISPUTE_LINES))
                    statement, dquote = DISPUTE_LINES[kind]
                    target = None
                    if kind == "authorship_denial":
                        target = rng.choice(hops[:n_origins])
                        parent = self.by_pk[target.source.family]
                        by = parent if parent.pk != target.source.pk else target.source
                    elif kind in ("correction", "retraction") and rng.random() < 0.8:
                        target = rng.choice(hops[n_origins:])
                        by = target.source
                    else:
                        by = pick(rng, self.dispute_pool, self.dispute_cum)
                    resolution = rng.choice(("open",) * 7 + ("upheld",) * 2 + ("rejected",))
                    self.dispute_id += 1
                    stated = self.moment(when + 1 + rng.randrange(10), self.dispute_id)
                    target_id = target.pk if target else None
                    disputes.append(Disp(kind, target_id, resolution, dquote, "", statement))
                    dispute_rows.append(
                        [
                            self.dispute_id,
                            cid,
                            by.pk,
                            target_id,
                            kind,
                            statement,
                            dquote,
                            "",
                            "",
                            stated,
                            None,
                            resolution,
                            "",
                            STAMP,
                            STAMP,
                        ]
                    )
            verdict = "unrated"
            credibility = 6
            if rng.random() < 0.15:
                verdict = rng.choice(["true", "mostly_true", "mixed", "mostly_false", "false"])
                credibility = rng.randrange(1, 6)
            if len(disputes) > 1:
                # The services read disputes ordered by (stated_at, id): same order here.
                order = sorted(range(len(disputes)), key=lambda i: (dispute_rows[i][9], i))
                disputes = [disputes[i] for i in order]
            # The stored figures, document and CSV line are left empty here and written by
            # the projection's own bulk code once the graph is loaded (main()).
            claims.write(
                line(
                    [
                        cid,
                        text,
                        occurred,
                        rng.choice(PLACES) if rng.random() < 0.5 else "",
                        verdict,
                        "",
                        None,
                        None,
                        credibility,
                        None,  # first_reported_at
                        False,  # is_disputed
                        0,  # dispute_count
                        "",  # search_document
                        0,  # independent_origin_count
                        0,  # relay_count
                        False,  # single_origin_echo
                        False,  # circular_reporting
                        False,  # authorship_contested
                        0,  # origin_kind_mask
                        False,  # origin_anonymous
                        "{}",  # source_lineage (an empty bigint[])
                        "{}",  # document
                        "",  # csv_row
                        "",  # report_html
                        STAMP,
                        STAMP,
                    ]
                )
            )
            for topic in rng.sample(range(1, len(TOPICS) + 1), rng.choice((0, 1, 1, 2))):
                topics_out.write(f"{cid}\t{topic}\n")
            for hop in hops:
                cites = hop._prefetched_objects_cache["cites"]
                document = None
                if cites and rng.random() < 0.5:
                    # The relay's own article, published when it relayed the claim.
                    self.document_id += 1
                    document = self.document_id
                    docs_out.write(
                        line(
                            [
                                document,
                                "article",
                                text[:120],
                                f"https://news.example/{hop.source.slug}/{document}",
                                hop.source.pk,
                                "",
                                hop.stated_at,
                                None,
                                "",
                                "en",
                                STAMP,
                                STAMP,
                            ]
                        )
                    )
                relation = "asserts" if not cites else rng.choice(("quotes", "paraphrases"))
                hops_out.write(
                    line(
                        [
                            hop.pk,
                            cid,
                            hop.source.pk,
                            document,
                            relation,
                            hop.quote,
                            "ar" if hop.quote_translation else "",
                            hop.quote_translation,
                            hop.stated_at,
                            "",
                            not cites,
                            STAMP,
                            STAMP,
                        ]
                    )
                )
                for cited in cites:
                    cites_out.write(f"{hop.pk}\t{cited.pk}\n")
                    self.stats["cites"] += 1
            self.stats["hops"] += len(hops)
            self.stats["disputes"] += len(dispute_rows)
            for row in dispute_rows:
                disputes_out.write(line(row))
        self.stats["documents"] = self.document_id
        # Documents first: hops reference them.
        return {
            "sources_document": docs_out.getvalue(),
            "claims_claim": claims.getvalue(),
            "claims_claim_topics": topics_out.getvalue(),
            "claims_attribution": hops_out.getvalue(),
            "claims_attribution_cites": cites_out.getvalue(),
            "claims_dispute": disputes_out.getvalue(),
        }


# ---------------------------------------------------------------------------- database


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def recreate_database(name: str) -> None:
    if name == "factcheck" or name.startswith("test_") or not name.startswith("factcheck_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: bench databases are factcheck_bench*")
    import psycopg2

    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_ENV": "development"}
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env)


def check_columns(cur) -> None:
    """Fail loudly if the models gained a NOT NULL column this loader does not fill."""
    for table, cols in COLUMNS.items():
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            " AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
            (table,),
        )
        missing = {row[0] for row in cur.fetchall()} - set(cols.split())
        if missing:
            raise SystemExit(f"{table}: columns {sorted(missing)} are not generated; update me")


BIG_TABLES = [
    "sources_document",
    "claims_claim",
    "claims_claim_topics",
    "claims_attribution",
    "claims_attribution_cites",
    "claims_dispute",
]


TEXT_INDEX = re.compile(r"USING (gin|gist) ")


def side_by_side(url: str, statements: list[str], setup: str | None, workers: int = 2) -> None:
    """Run ``statements`` on ``workers`` autocommit connections, each taking the next one."""
    import psycopg2

    pending = list(statements)
    lock = threading.Lock()
    errors: list = []

    def work():
        conn = psycopg2.connect(url)
        conn.autocommit = True
        cur = conn.cursor()
        if setup:
            cur.execute(setup)
        try:
            while True:
                with lock:
                    if not pending or errors:
                        return
                    statement = pending.pop(0)
                cur.execute(statement)
        except Exception as exc:  # re-raised in the caller
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def drop_secondary_indexes(cur) -> list[str]:
    """Drop indexes that back no constraint on the big tables; return their definitions."""
    cur.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        (BIG_TABLES,),
    )
    rows = cur.fetchall()
    for name, _ in rows:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def copy(cur, table: str, text: str) -> None:
    if text:
        cols = ", ".join(COLUMNS[table].split())
        # FREEZE: the rows are written frozen and their pages all-visible (the tables were
        # truncated in this transaction), so VACUUM afterwards has nothing to rewrite.
        cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH (FREEZE)", io.StringIO(text))


def set_sequences(cur) -> None:
    for table in LOAD_ORDER:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def ensure_users(url: str) -> str:
    """The demo users (editor, researcher) and their API tokens; returns the researcher's."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_ENV": "development"}
    run(
        [sys.executable, "manage.py", "ensure_demo_users"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    users = get_user_model().objects
    Token.objects.get_or_create(user=users.get(username="editor"))
    return Token.objects.get(user=users.get(username="researcher")).key


def verify(sample: int, seed: int) -> None:
    """Recompute ``sample`` random claims through the services and compare every column."""
    from django.db import connection

    from claims import projection
    from claims.models import Claim
    from sources.models import Source
    from sources.services import _family_root

    top = Claim.objects.order_by("-id").values_list("id", flat=True).first()
    rng = random.Random(seed)
    ids = sorted({rng.randint(1, top) for _ in range(sample)})
    # Every stored column against a fresh projection of the claim's graph.
    mismatches = list(projection.stale(ids))
    sources = list(Source.objects.select_related("affiliated_with"))
    bad_family = [s.pk for s in sources if s.family != _family_root(s)]
    with connection.cursor() as cur:
        orphans = {}
        for name, sql in {
            "hop->claim": "SELECT count(*) FROM claims_attribution h LEFT JOIN claims_claim c"
            " ON c.id = h.claim_id WHERE c.id IS NULL",
            "hop->source": "SELECT count(*) FROM claims_attribution h LEFT JOIN sources_source s"
            " ON s.id = h.source_id WHERE s.id IS NULL",
            "cite same claim": "SELECT count(*) FROM claims_attribution_cites x"
            " JOIN claims_attribution a ON a.id = x.from_attribution_id"
            " JOIN claims_attribution b ON b.id = x.to_attribution_id"
            " WHERE a.claim_id <> b.claim_id",
            "dispute target same claim": "SELECT count(*) FROM claims_dispute d"
            " JOIN claims_attribution a ON a.id = d.target_id WHERE a.claim_id <> d.claim_id",
        }.items():
            cur.execute(sql)
            orphans[name] = cur.fetchone()[0]
    problems = [k for k, v in orphans.items() if v]
    print(
        f"verify: {len(ids)} claims compared with a fresh projection, "
        f"{len(mismatches)} differ; {len(bad_family)} wrong source families; "
        f"integrity {orphans}"
    )
    for pk in mismatches[:10]:
        print("  stale claim", pk)
    if mismatches or bad_family or problems:
        raise SystemExit("verify FAILED")


def project_all() -> None:
    """Store every claim's projection with ``claims.projection.refresh_all`` (progress on
    stderr), as ``manage.py refresh_derived`` does."""
    from claims import projection

    def progress(done, total):
        print(f"\rproject: {done:,}/{total:,} claims", end="", file=sys.stderr, flush=True)

    projection.refresh_all(batch=2000, progress=progress, jobs=2)
    print(file=sys.stderr)


def produce(queue, n_claims: int, seed: int, batch: int) -> None:
    """Child process: put the COPY text of every batch on ``queue``, then None."""
    try:
        gen = Generator(n_claims, seed)
        queue.put({"sources_source": gen.source_text, "claims_topic": gen.topic_text})
        for first in range(1, n_claims + 1, batch):
            queue.put(gen.batch(first, min(n_claims, first + batch - 1)))
        queue.put({"stats": {**gen.stats, "sources": len(gen.sources)}})
        queue.put(None)
    except Exception as exc:  # surfaced by the parent, which owns the exit status
        queue.put(exc)
        raise


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, required=True)
    parser.add_argument("--db", help="database name (default factcheck_bench_<N>)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--batch", type=int, default=20000)
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--verify-sample", type=int, default=300)
    args = parser.parse_args(argv)
    name = args.db or f"factcheck_bench_{args.claims}"
    url = f"{PG}/{name}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ["DJANGO_ENV"] = "development"

    t0 = time.perf_counter()
    recreate_database(name)
    migrate(url)
    t_migrate = time.perf_counter() - t0

    import django

    django.setup()
    import psycopg2

    conn = psycopg2.connect(url)
    cur = conn.cursor()
    check_columns(cur)
    cur.execute("SET maintenance_work_mem = '512MB'")
    cur.execute("SET synchronous_commit = off")
    indexes = drop_secondary_indexes(cur)
    # Empty already (a new database), but truncated in the loading transaction so that COPY
    # may FREEZE (see copy()).
    # claims_review references claims and sources: truncated with them (the generator writes
    # no reviews).
    cur.execute(f"TRUNCATE {', '.join([*LOAD_ORDER, 'claims_review', 'claims_pendingrefresh'])}")
    for table in BIG_TABLES:
        # Foreign keys are enforced by triggers; the generator writes them consistently and
        # --verify checks them afterwards. Skipping the per-row check halves the load time.
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
    # One child process generates (single stream: deterministic) while this one COPYs, so
    # Python's work and PostgreSQL's ingest overlap on the two cores.
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue(maxsize=3)
    child = ctx.Process(target=produce, args=(queue, args.claims, args.seed, args.batch))
    child.start()
    t1 = time.perf_counter()
    try:
        while True:
            message = queue.get(timeout=600)
            if message is None:
                break
            if isinstance(message, Exception):
                raise message
            if "stats" in message:
                stats_from_child = message["stats"]
                continue
            for table, text in message.items():
                copy(cur, table, text)
    finally:
        child.join(timeout=30)
        if child.is_alive():
            child.terminate()
    for table in BIG_TABLES:
        cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
    conn.commit()
    t_load = time.perf_counter() - t1
    t2 = time.perf_counter()
    set_sequences(cur)
    conn.commit()
    conn.close()
    # Two connections rebuild the indexes side by side (one per core; PostgreSQL builds
    # each index in one process), then vacuum and analyze the tables the same way:
    # at 1M claims this phase took 87 s one statement at a time.
    # Longest first: the three text indexes on claims (full-text GIN, trigram GIN and GiST:
    # 15-19 s each at 1M, 52 s of 65) start at once, the small btrees fill in behind them.
    rebuild = sorted(indexes, key=lambda d: (not TEXT_INDEX.search(d), "attribution" not in d, d))
    tables = [*BIG_TABLES, "sources_source"]
    side_by_side(url, rebuild, "SET maintenance_work_mem = '512MB'")
    side_by_side(url, [f"VACUUM ANALYZE {table}" for table in tables], None)
    t_index = time.perf_counter() - t2
    conn.close()
    # Every claim's figures, document and CSV line, by the projection's bulk code: the same
    # code as `manage.py refresh_derived` and the services' writes.
    t3 = time.perf_counter()
    project_all()
    t_project = time.perf_counter() - t3
    side_by_side(url, ["VACUUM ANALYZE claims_claim"], None)
    token = ensure_users(url)
    hops = stats_from_child["hops"]
    stats = {
        "db": name,
        "claims": args.claims,
        **stats_from_child,
        "seconds_migrate": round(t_migrate, 1),
        "seconds_load": round(t_load, 1),
        "seconds_index_analyze": round(t_index, 1),
        "hops_per_s_load": round(hops / t_load),
        "hops_per_s_with_indexes": round(hops / (t_load + t_index)),
        "seconds_project": round(t_project, 1),
        "claims_per_s_project": round(args.claims / t_project) if t_project else None,
        "token": token,
    }
    print(" ".join(f"{k}={v}" for k, v in stats.items() if k != "token"))
    if args.verify:
        verify(args.verify_sample, args.seed)
    return stats


if __name__ == "__main__":
    main()
