"""import_tracker on damaged files: every problem reported as ``file:line: field: message``,
all at once, with a non-zero exit and never a traceback; and nothing at all written.

Each test starts from a real dump of a small story (written by export_tracker from rows
the services made), damages it the way files get damaged, and restores it into an empty
database. The story: anonymous US officials → Reuters → Antiwar.com, Kataib Hezbollah
denying the Reuters hop, and a second claim with one origin.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims import services
from claims.models import Attribution, Claim, Dispute
from claims.standards import dump
from sources import services as source_services
from sources.models import Source

pytestmark = pytest.mark.django_db


class Story:
    """The dump's rows as dicts, with the ids a test needs to damage them."""

    def __init__(self, header: dict, rows: list[dict]):
        self.header = header
        self.rows = rows

    def row(self, model: str, **match) -> dict:
        """The first row of ``model`` whose fields match ``match``."""
        for row in self.rows:
            if row["model"] == model and all(row["fields"].get(k) == v for k, v in match.items()):
                return row
        raise LookupError(f"{model} {match}")

    def line_of(self, row: dict) -> int:
        """The file line a row is written on (the header is line 1)."""
        return self.rows.index(row) + 2

    def text(self) -> str:
        lines = [self.header, *self.rows]
        return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in lines)


def wipe() -> None:
    """Empty the tracker tables, as the database a dump is restored into would be."""
    Dispute.objects.all().delete()
    Attribution.cites.through.objects.all().delete()
    Attribution.objects.all().delete()
    Claim.objects.all().delete()
    Source.objects.filter(affiliated_with__isnull=False).update(
        affiliated_with=None, affiliation=""
    )
    Source.objects.all().delete()


@pytest.fixture
def story(tmp_path) -> Story:
    officials = source_services.source_create(
        name="US officials", kind="official", is_anonymous=True
    )
    reuters = source_services.source_create(name="Reuters", kind="news_agency")
    antiwar = source_services.source_create(name="Antiwar.com", kind="news_outlet")
    kataib = source_services.source_create(name="Kataib Hezbollah", kind="armed_group")
    source_services.source_create(
        name="Telegram channel",
        kind="social_channel",
        affiliated_with=kataib,
        affiliation="affiliated",
    )
    drone = services.claim_create(text="A drone attack targeted the Ain al-Asad air base")
    origin = services.attribution_add(claim=drone, source=officials)
    relay = services.attribution_add(claim=drone, source=reuters, cites=[origin])
    services.attribution_add(claim=drone, source=antiwar, cites=[relay])
    services.dispute_record(claim=drone, disputed_by=kataib, kind="denial", target=relay)
    other = services.claim_create(text="No casualties were reported in either attack")
    services.attribution_add(claim=other, source=reuters)
    path = tmp_path / "good.jsonl"
    call_command("export_tracker", str(path), stderr=StringIO())
    wipe()
    lines = path.read_text(encoding="utf-8").splitlines()
    return Story(json.loads(lines[0]), [json.loads(line) for line in lines[1:]])


def restore(tmp_path, content, *args) -> tuple[list[str], str]:
    """Run import_tracker on ``content``; return the problem lines and the final message.

    Fails the test unless the command refused the file with a CommandError (which Django
    prints as one line, never as a traceback) and left the tracker empty.
    """
    path = tmp_path / "damaged.jsonl"
    if isinstance(content, Story):
        content = content.text()
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_tracker", str(path), *args, stdout=StringIO(), stderr=err)
    if "--force-merge" not in args:
        assert dump.tracker_is_empty(), "a refused import wrote rows"
    prefix = f"{path}:"
    problems = [line[len(prefix) :] for line in err.getvalue().splitlines()]
    assert all(line.startswith(prefix) for line in err.getvalue().splitlines())
    return problems, str(refused.value)


def test_the_undamaged_story_restores(story, tmp_path):
    """The baseline the damage is measured against: the same file, untouched, goes in."""
    path = tmp_path / "good.jsonl"
    path.write_text(story.text(), encoding="utf-8")
    out = StringIO()
    call_command("import_tracker", str(path), stdout=out, stderr=StringIO())
    assert "4 claims.attribution" in out.getvalue()
    assert Dispute.objects.get().target.source.name == "Reuters"


def test_empty_file(db, tmp_path):
    problems, message = restore(tmp_path, "")
    assert problems == ["1: file: the file is empty; it is not a tracker dump"]
    assert message.endswith("1 problem(s) found; nothing was written.")


def test_not_a_dump(db, tmp_path):
    problems, _ = restore(tmp_path, '{"hello": 1}\n')
    assert problems == [
        "1: format: the first line does not say “factcheck-tracker-dump”; not a tracker dump"
    ]


def test_truncated_json_line(story, tmp_path):
    text = story.text()
    assert story.rows[-1]["model"] == "claims.dispute"
    cut = text[: text.rindex('"stat')]  # the last row, the dispute, loses its end
    problems, _ = restore(tmp_path, cut)
    last = len(story.rows) + 1
    try:
        json.loads(cut.splitlines()[-1])
    except json.JSONDecodeError as exc:
        decoder_says = f"{exc.msg}: column {exc.colno}"
    claim = story.row("claims.claim", is_disputed=True)
    # The lost row is noticed three times: it is unreadable, the header's count is short,
    # and its claim's dispute figures no longer match the disputes in the file.
    assert problems == [
        f"{story.line_of(claim)}: dispute_count: is 1 but the file holds 0 dispute(s) of "
        f"claim #{claim['pk']}",
        f"{story.line_of(claim)}: is_disputed: is true but claim #{claim['pk']} has no "
        "dispute that is not rejected",
        f"{last}: counts: the header promises 1 rows of claims.dispute but the file holds 0; "
        "the file is truncated or edited",
        f"{last}: json: not JSON: {decoder_says}",
    ]


def test_invalid_utf8(story, tmp_path):
    data = story.text().encode("utf-8")
    broken = data.replace(b"Reuters", b"Reu\xffters", 1)
    problems, _ = restore(tmp_path, broken)
    row = story.row("sources.source", name="Reuters")
    column = broken.splitlines()[story.line_of(row) - 1].index(b"\xff") + 1
    assert problems[0] == (
        f"{story.line_of(row)}: encoding: not valid UTF-8: byte 0xff at column {column}"
    )
    # The row cannot be read, so what rests on Reuters names a source that is not there.
    for hop in story.rows:
        if hop["model"] == "claims.attribution" and hop["fields"]["source"] == row["pk"]:
            assert (
                f"{story.line_of(hop)}: source: names source #{row['pk']}, which is not in the "
                "file" in problems
            )


def test_wrong_types(story, tmp_path):
    claim = story.row("claims.claim", text="No casualties were reported in either attack")
    claim["fields"]["credibility"] = "high"
    source = story.row("sources.source", name="Reuters")
    source["fields"]["is_anonymous"] = "yes"
    hop = story.row("claims.attribution", claim=claim["pk"])
    hop["fields"]["cites"] = "none"
    problems, _ = restore(tmp_path, story)
    assert sorted(problems) == sorted(
        [
            f"{story.line_of(source)}: is_anonymous: must be true or false, not text “yes”",
            f"{story.line_of(claim)}: credibility: must be a whole number, not text “high”",
            f"{story.line_of(hop)}: cites: must be a list of ids, not text “none”",
        ]
    )


def test_missing_required_field(story, tmp_path):
    """A source without a name used to be stored with an empty name."""
    row = story.row("sources.source", name="Antiwar.com")
    del row["fields"]["name"]
    problems, _ = restore(tmp_path, story)
    assert problems == [f"{story.line_of(row)}: name: missing; every sources.source row needs it"]


def test_blank_required_field(story, tmp_path):
    row = story.row("sources.source", name="Antiwar.com")
    row["fields"]["name"] = ""
    claim = story.row("claims.claim", text="No casualties were reported in either attack")
    claim["fields"]["text"] = None
    problems, _ = restore(tmp_path, story)
    assert problems == [
        f"{story.line_of(row)}: name: This field cannot be blank.",
        f"{story.line_of(claim)}: text: must not be null (text is required)",
    ]


def test_unknown_model_and_field(story, tmp_path):
    story.rows.append({"model": "auth.user", "pk": 1, "fields": {"username": "mallory"}})
    row = story.row("claims.claim", text="No casualties were reported in either attack")
    row["fields"]["secret_verdict"] = "true"
    problems, _ = restore(tmp_path, story)
    assert problems == [
        f"{story.line_of(row)}: secret_verdict: unknown field of claims.claim",
        f"{len(story.rows) + 1}: model: unknown model text “auth.user”; a dump holds "
        + ", ".join(dump.TRACKER_MODELS),
    ]


def test_invalid_choices_and_dates(story, tmp_path):
    claim = story.row("claims.claim", text="No casualties were reported in either attack")
    claim["fields"]["verdict"] = "bogus"
    claim["fields"]["occurred_at"] = "2024-02-30"
    problems, _ = restore(tmp_path, story)
    line = story.line_of(claim)
    assert problems == [
        f"{line}: occurred_at: must be a date (YYYY-MM-DD), not text “2024-02-30”",
        f"{line}: row: Unknown verdict.",
        f"{line}: verdict: Value 'bogus' is not a valid choice.",
    ]


def test_dangling_reference(story, tmp_path):
    """A hop naming claim 999999 used to end in a 46-line IntegrityError traceback."""
    hop = story.row("claims.attribution", is_origin=True)
    hop["fields"]["claim"] = 999999
    dispute = story.row("claims.dispute")
    dispute["fields"]["document"] = 424242
    problems, _ = restore(tmp_path, story)
    assert f"{story.line_of(hop)}: claim: names claim #999999, which is not in the file" in problems
    assert (
        f"{story.line_of(dispute)}: document: names document #424242, which is not in the file"
        in problems
    )


def test_dangling_reference_when_merging_leaves_the_database_as_it_was(seed, tmp_path):
    before = tmp_path / "before.jsonl"
    call_command("export_tracker", str(before), stderr=StringIO())
    lines = before.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    hop = next(r for r in rows if r.get("model") == "claims.attribution")
    hop["fields"]["claim"] = 999999
    hop["fields"]["quote"] = "changed by a damaged file"
    damaged = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    problems, _ = restore(tmp_path, damaged, "--force-merge")
    assert problems == [
        f"{rows.index(hop) + 1}: claim: names claim #999999, which is not in the file or "
        "the database"
    ]
    after = tmp_path / "after.jsonl"
    call_command("export_tracker", str(after), stderr=StringIO())
    assert after.read_bytes() == before.read_bytes()


def test_citation_cycle(story, tmp_path):
    hops = [r for r in story.rows if r["model"] == "claims.attribution"]
    origin, relay = hops[0], hops[1]  # US officials, and Reuters citing them
    assert relay["fields"]["cites"] == [origin["pk"]]
    # The origin now cites the hop that cites it: a loop of two.
    origin["fields"].update(cites=[relay["pk"]], relation="quotes", is_origin=False)
    problems, _ = restore(tmp_path, story)
    assert problems == [
        f"{story.line_of(origin)}: cites: hop #{origin['pk']} cites #{relay['pk']} and is "
        "cited back through them; provenance cannot go in circles",
        f"{story.line_of(relay)}: cites: hop #{relay['pk']} cites #{origin['pk']} and is "
        "cited back through them; provenance cannot go in circles",
    ]


def test_cross_claim_cite(story, tmp_path):
    hops = [r for r in story.rows if r["model"] == "claims.attribution"]
    lone = hops[-1]  # the second claim's only hop
    drone_origin = hops[0]
    lone["fields"].update(cites=[drone_origin["pk"]], relation="quotes", is_origin=False)
    problems, _ = restore(tmp_path, story)
    assert problems == [
        f"{story.line_of(lone)}: cites: hop #{drone_origin['pk']} belongs to claim "
        f"#{drone_origin['fields']['claim']}; a hop may cite only hops of its own claim "
        f"(#{lone['fields']['claim']})"
    ]


def test_origin_rules(story, tmp_path):
    hops = [r for r in story.rows if r["model"] == "claims.attribution"]
    relay = hops[1]
    relay["fields"]["relation"] = "asserts"
    origin = hops[0]
    origin["fields"]["is_origin"] = False
    problems, _ = restore(tmp_path, story)
    # The services' rule and the database constraint both speak; the constraint's message
    # is the model's own (violation_error_message).
    assert problems == [
        f"{story.line_of(origin)}: is_origin: is false but the hop cites nothing; an origin "
        "is a hop that cites nothing",
        f"{story.line_of(origin)}: row: A hop that cites others quotes or paraphrases them.",
        f"{story.line_of(relay)}: relation: a hop that cites others quotes or paraphrases them",
        f"{story.line_of(relay)}: row: A hop that cites others quotes or paraphrases them.",
    ]


def test_duplicate_ids_and_names(story, tmp_path):
    reuters = story.row("sources.source", name="Reuters")
    line = story.line_of(reuters)
    copy = json.loads(json.dumps(reuters))
    copy["fields"]["description"] = "a second row with the same id"
    story.rows.insert(story.rows.index(reuters) + 1, copy)
    antiwar = story.row("sources.source", name="Antiwar.com")
    antiwar["fields"]["name"] = "REUTERS"
    problems, _ = restore(tmp_path, story)
    assert problems == [
        f"{line + 1}: pk: duplicate id: sources.source #{reuters['pk']} is already on line {line}",
        f"{story.line_of(antiwar)}: name: A source with this name already exists. (“REUTERS” "
        f"is also sources.source #{reuters['pk']}, line {line})",
    ]


def test_dispute_of_another_claims_hop(story, tmp_path):
    dispute = story.row("claims.dispute")
    lone = [r for r in story.rows if r["model"] == "claims.attribution"][-1]
    dispute["fields"]["target"] = lone["pk"]
    problems, _ = restore(tmp_path, story)
    assert problems == [
        f"{story.line_of(dispute)}: target: hop #{lone['pk']} belongs to claim "
        f"#{lone['fields']['claim']}, not to claim #{dispute['fields']['claim']}; a dispute "
        "can contest only a hop of its own claim"
    ]


def test_dispute_figures_that_do_not_match_the_disputes(story, tmp_path):
    claim = story.row("claims.claim", is_disputed=True)
    claim["fields"]["dispute_count"] = 3
    problems, _ = restore(tmp_path, story)
    assert problems == [
        f"{story.line_of(claim)}: dispute_count: is 3 but the file holds 1 dispute(s) of "
        f"claim #{claim['pk']}"
    ]


def test_affiliation_loop(story, tmp_path):
    kataib = story.row("sources.source", name="Kataib Hezbollah")
    channel = story.row("sources.source", name="Telegram channel")
    kataib["fields"].update(affiliated_with=channel["pk"], affiliation="operated_by")
    problems, _ = restore(tmp_path, story)
    assert problems == [
        f"{story.line_of(kataib)}: affiliated_with: source #{kataib['pk']} is affiliated with "
        f"#{channel['pk']}, which leads back to it; affiliations cannot loop",
        f"{story.line_of(channel)}: affiliated_with: source #{channel['pk']} is affiliated "
        f"with #{kataib['pk']}, which leads back to it; affiliations cannot loop",
    ]


def test_row_without_fields(story, tmp_path):
    row = story.row("claims.claim", is_disputed=False)
    del row["fields"]
    problems, _ = restore(tmp_path, story)
    assert problems[0] == f"{story.line_of(row)}: row: a row needs “model”, “pk” and “fields”"


def test_every_problem_is_reported_at_once(story, tmp_path):
    """One run lists them all, in file order, so a damaged file is mended in one go."""
    antiwar = story.row("sources.source", name="Antiwar.com")
    del antiwar["fields"]["name"]
    hop = story.row("claims.attribution", is_origin=True)
    hop["fields"]["claim"] = 999999
    claim = story.row("claims.claim", text="No casualties were reported in either attack")
    claim["fields"]["credibility"] = 9
    problems, message = restore(tmp_path, story)
    assert problems == [
        f"{story.line_of(antiwar)}: name: missing; every sources.source row needs it",
        f"{story.line_of(claim)}: credibility: Value 9 is not a valid choice.",
        f"{story.line_of(claim)}: row: Credibility is a number from 1 to 6.",
        f"{story.line_of(hop)}: claim: names claim #999999, which is not in the file",
    ]
    assert message.endswith("4 problem(s) found; nothing was written.")


def test_standard_input_is_checked_the_same_way(story, tmp_path, monkeypatch):
    import io
    import sys

    row = story.row("sources.source", name="Antiwar.com")
    del row["fields"]["name"]
    fake = io.TextIOWrapper(io.BytesIO(story.text().encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_tracker", "-", stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        f"<stdin>:{story.line_of(row)}: name: missing; every sources.source row needs it"
    ]
    assert dump.tracker_is_empty()


def test_progress_lines_on_stderr(story, tmp_path):
    path = tmp_path / "good.jsonl"
    path.write_text(story.text(), encoding="utf-8")
    err = StringIO()
    call_command(
        "import_tracker", str(path), "--progress-every", "5", stdout=StringIO(), stderr=err
    )
    total = len(story.rows)
    assert err.getvalue().splitlines() == [
        *(f"… checked {n:,} rows" for n in range(5, total + 1, 5)),
        *(f"… written {n:,} rows of {total:,}" for n in range(5, total + 1, 5)),
    ]
    out_err = StringIO()
    call_command(
        "export_tracker",
        str(tmp_path / "again.jsonl"),
        "--progress-every",
        "5",
        stderr=out_err,
    )
    lines = out_err.getvalue().splitlines()
    assert lines[:-1] == [f"… exported {n:,} of {total:,} rows" for n in range(5, total + 1, 5)]
    assert lines[-1].startswith("Exported ")


def test_import_claimreview_never_prints_a_traceback(db, tmp_path):
    """Invalid UTF-8 used to escape the command as a UnicodeDecodeError traceback."""
    path = tmp_path / "reviews.json"
    path.write_bytes(b'[{"@type": "ClaimReview", "claimReviewed": "caf\xe9"}]')
    with pytest.raises(CommandError, match=r"reviews\.json"):
        call_command("import_claimreview", str(path), stdout=StringIO(), stderr=StringIO())
    assert not Claim.objects.exists()
