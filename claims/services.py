"""Writes for claims, hops, disputes and verdicts. Admin, API and commands all call these.

Each function checks every rule (``full_clean`` plus the cross-row rules: same claim, no
cycles, origins assert), writes inside ``transaction.atomic`` and refreshes the claim's
derived columns in the same transaction, so no surface can leave a half-written record
or a stale ``is_disputed``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from factcheck.errors import ReferencedError
from sources.models import Document, Source
from sources.selectors import source_by_reference
from sources.selectors import source_suggestions as source_suggestions  # moved; kept importable
from sources.services import (
    NewSource,
    SourcePlan,
    planned_source,
    split_top_level,
    unique_slug,
)

from . import projection, provenance
from .choices import Relation, Resolution, Verdict
from .models import Attribution, Claim, Dispute, Topic

CLAIM_FIELDS = {
    "text",
    "occurred_at",
    "location",
    "verdict",
    "verdict_explanation",
    "credibility",
    "reviewed_by",
    "reviewed_at",
}
HOP_FIELDS = {
    "source",
    "document",
    "relation",
    "quote",
    "quote_language",
    "quote_translation",
    "stated_at",
    "note",
}
# The fields a caller may set on a dispute, in the order every surface shows them.
DISPUTE_FIELDS = (
    "disputed_by",
    "kind",
    "target",
    "statement",
    "quote",
    "quote_language",
    "quote_translation",
    "stated_at",
    "document",
    "resolution",
    "resolution_note",
)


# ---------------------------------------------------------------------------- topics


@transaction.atomic
def topic_create(*, name: str, slug: str = "") -> Topic:
    """Create a topic; the slug is made from the name when not given."""
    topic = Topic(name=(name or "").strip(), slug=slug)
    if not topic.slug:
        topic.slug = unique_slug(Topic, topic.name, instance=topic)
    topic.full_clean()
    topic.save()
    return topic


@transaction.atomic
def topic_update(topic: Topic, *, name: str | None = None, slug: str | None = None) -> Topic:
    if name is not None:
        topic.name = name.strip()
    before = topic.slug
    if slug is not None:
        topic.slug = slug or unique_slug(Topic, topic.name, instance=topic)
    topic.full_clean()
    topic.save()
    if topic.slug != before:  # claims list their topics by slug
        projection.refresh_reaching(topic.claims.values_list("pk", flat=True))
    return topic


@transaction.atomic
def topic_delete(topic: Topic) -> None:
    """Delete a topic; claims filed under it simply lose that heading (nothing rests on it)."""
    claims = list(topic.claims.values_list("pk", flat=True))
    topic.delete()
    projection.refresh_reaching(claims)


# ---------------------------------------------------------------------------- locks and projection

# Lock order, everywhere (docs/architecture.md): claim rows first, in ascending id; then the
# source rows a write references (FOR KEY SHARE, which writers of other hops of the same
# source do not wait for); a source's own writes lock only that source. A write that checks a
# precondition (If-Match, no cycle, same claim, chain lines already entered) holds the
# claim's lock from the check to the commit, so two writers of one claim run one after the
# other and the second sees the first one's result.


def claim_lock(claim_id: int) -> bool:
    """Lock the claim's row until the end of the transaction (``SELECT … FOR UPDATE``);
    False when there is no such claim (any more)."""
    return bool(
        list(Claim.objects.select_for_update().filter(pk=claim_id).values_list("pk", flat=True))
    )


def claim_gone(claim_id: int) -> ValidationError:
    """The error a hop of a claim that does not exist gets: ``full_clean``'s own words for a
    foreign key to a missing row, for writers that learnt it from ``claim_lock``."""
    field = Attribution._meta.get_field("claim")
    return ValidationError(
        {
            "claim": [
                ValidationError(
                    field.error_messages["invalid"],
                    code="invalid",
                    params={"model": "claim", "pk": claim_id, "field": "id", "value": claim_id},
                )
            ]
        }
    )


def sources_hold(sources: Iterable[Source]) -> None:
    """Keep ``sources`` from being deleted until the transaction ends; a source deleted in
    the meantime is a ValidationError, not an IntegrityError or a deadlock.

    ``FOR KEY SHARE`` is the lock PostgreSQL's own foreign-key check takes; taken first, in
    id order, it makes a concurrent ``source_delete`` (which locks the row ``FOR UPDATE``)
    wait for this write, or this write see that the source is gone.
    """
    ids = sorted({source.pk for source in sources if source is not None and source.pk})
    if not ids:
        return
    table = Source._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE", [ids]
            )
            found = {row[0] for row in cursor.fetchall()}
    else:  # SQLite lets one writer in at a time
        found = set(Source.objects.filter(pk__in=ids).values_list("pk", flat=True))
    gone = [pk for pk in ids if pk not in found]
    if gone:
        raise ValidationError(
            {"source": [f"Source #{pk} was deleted a moment ago; choose another." for pk in gone]}
        )


def claim_refresh(claim: Claim) -> None:
    """Re-project the claim (document, CSV line, figures) and read the figures back onto
    ``claim``. Written with ``UPDATE``, not ``save()``, so that a derived change is not
    recorded as an editor's edit in the claim's history."""
    projection.refresh([claim.pk])
    _read_figures(claim)


def _read_figures(claim: Claim) -> None:
    fresh = Claim.objects.filter(pk=claim.pk).values(*projection.FIGURES, "updated_at").first()
    for name, value in (fresh or {}).items():
        setattr(claim, name, value)


# ---------------------------------------------------------------------------- claims


def _claim_fields(data: dict) -> dict:
    unknown = set(data) - CLAIM_FIELDS
    if unknown:
        raise TypeError(f"unknown claim fields: {sorted(unknown)}")
    return data


# Changing these is reviewing the claim: whoever does it becomes its reviewer.
REVIEW_FIELDS = ("verdict", "verdict_explanation")


def _review_stamp(user) -> dict:
    return {
        "reviewed_by": user if getattr(user, "is_authenticated", False) else None,
        "reviewed_at": timezone.now(),
    }


@transaction.atomic
def claim_create(
    *,
    text: str,
    topics: Iterable[Topic] = (),
    chain_lines: str = "",
    user=None,
    **fields,
) -> Claim:
    """Create a claim, its topics and, from ``chain_lines``, its hops, all or nothing.

    A claim entered with a verdict or an explanation was reviewed by ``user``, now (unless
    the caller says who reviewed it and when, as an import does).
    """
    fields = _claim_fields(fields)
    rated = fields.get("verdict", Verdict.UNRATED) != Verdict.UNRATED
    if (rated or fields.get("verdict_explanation")) and "reviewed_at" not in fields:
        fields.update(_review_stamp(user))
    claim = Claim(text=(text or "").strip(), **fields)
    # Not the check constraints: each reads one query and a savepoint, and they hold here
    # whenever the fields do (verdict and credibility are choice fields that clean_fields has
    # just checked against the very values the constraints allow; is_disputed and
    # dispute_count are a new claim's defaults). The database still enforces them.
    claim.full_clean(exclude=["topics"], validate_constraints=False)
    # The same '+' history row save() writes, without the signal's re-reading of the new
    # row's excluded columns and of its topics (none yet: they are set below, with a '~').
    bulk_create_with_history([claim], Claim)
    if topics:
        claim.topics.set(topics)
    with projection.at_end():  # projected once, with all its hops
        projection.refresh([claim.pk])
        if chain_lines and chain_lines.strip():
            _chains_apply(claim, chain_lines_parse(chain_lines), new_claim=True)
    _read_figures(claim)
    return claim


@transaction.atomic
def claim_update(
    claim: Claim, *, topics: Iterable[Topic] | None = None, user=None, **fields
) -> Claim:
    """Change a claim's own fields (and topics); hops and disputes have their own services.

    A change of verdict or explanation makes ``user`` the reviewer, now, whatever surface
    it came from (compared with the stored row, since a ModelForm has already written the
    new values onto ``claim``).
    """
    fields = _claim_fields(fields)
    claim_lock(claim.pk)
    # Compared with the row as stored now (under the lock): a ModelForm has already written
    # the new values onto ``claim``, and another editor may have saved other fields since.
    stored = Claim.objects.filter(pk=claim.pk).values(*CLAIM_FIELDS).first() or {}
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.text = (claim.text or "").strip()
    current = {
        name: getattr(claim, "reviewed_by_id" if name == "reviewed_by" else name)
        for name in CLAIM_FIELDS
    }
    changed = {name for name in CLAIM_FIELDS if current[name] != stored.get(name)}
    if "reviewed_at" not in fields and changed & set(REVIEW_FIELDS):
        for name, value in _review_stamp(user).items():
            setattr(claim, name, value)
        changed |= {"reviewed_by", "reviewed_at"}
    claim.full_clean(exclude=["topics"])
    if changed:
        # Only what this write changed: a concurrent save of other fields is not undone.
        claim.save(update_fields=sorted(changed | {"updated_at"}))
    if topics is not None:
        claim.topics.set(topics)
    claim_refresh(claim)
    return claim


@transaction.atomic
def verdict_set(
    *,
    claim: Claim,
    verdict: str,
    explanation: str = "",
    credibility: int | None = None,
    user=None,
) -> Claim:
    """Record the editors' verdict, who reviewed it and when."""
    fields = {"verdict": verdict, "verdict_explanation": explanation, **_review_stamp(user)}
    if credibility is not None:
        fields["credibility"] = credibility
    return claim_update(claim, **fields)


@transaction.atomic
def claim_delete(claim: Claim) -> None:
    """Delete a claim with its own hops and disputes (they exist only as parts of it)."""
    claim_lock(claim.pk)
    claim.delete()


# ---------------------------------------------------------------------------- hops


def _citation_edges(claim: Claim) -> dict[int, list[int]]:
    """citing hop id -> cited hop ids, for every hop of ``claim``, in one query."""
    through = Attribution.cites.through
    edges: dict[int, list[int]] = {}
    rows = through.objects.filter(from_attribution__claim=claim).values_list(
        "from_attribution_id", "to_attribution_id"
    )
    for citing, cited in rows:
        edges.setdefault(citing, []).append(cited)
    return edges


def attribution_validate(
    hop: Attribution,
    cites: Sequence[Attribution],
    *,
    planned: Sequence[Attribution] = (),
    held: bool = False,
) -> None:
    """Check every rule on a hop and the hops it is about to cite; raise ValidationError.

    ``planned``: new hops inserted together with this one, ahead of it, which it may cite
    before they have an id. ``held``: the caller has locked the hop's claim (``claim_lock``
    found it) and its source (``sources_hold``), which proves what ``full_clean`` would
    otherwise ask the database again, hop after hop: that both rows exist.
    """
    errors: dict[str, list[str]] = {}
    if hop.document_id and hop.stated_at is None and hop.document.published_at:
        # A hop is stated when its document appeared unless the editor says otherwise.
        hop.stated_at = hop.document.published_at
    exclude = ["cites", "is_origin"]
    if held:
        exclude += [name for name in ("claim", "source") if getattr(hop, f"{name}_id")]
    try:
        hop.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)

    for cited in cites:
        if cited.pk is None and not any(cited is earlier for earlier in planned):
            errors.setdefault("cites", []).append("A cited hop must be saved first.")
        elif hop.pk is not None and cited.pk == hop.pk:
            errors.setdefault("cites", []).append(f"Hop #{hop.pk} cannot cite itself.")
        elif cited.claim_id != hop.claim_id:
            errors.setdefault("cites", []).append(
                f"Hop #{cited.pk} belongs to claim #{cited.claim_id}; a hop may cite only "
                f"hops of its own claim (#{hop.claim_id})."
            )
    if "cites" not in errors and hop.pk is not None and cites:
        edges = _citation_edges(hop.claim)
        if provenance.would_cycle(edges, hop.pk, [c.pk for c in cites]):
            loop = ", ".join(f"#{c.pk}" for c in cites)
            errors.setdefault("cites", []).append(
                f"Citing {loop} would make hop #{hop.pk} cite itself through a loop; "
                "provenance cannot go in circles."
            )

    if cites and hop.relation == Relation.ASSERTS:
        errors.setdefault("relation", []).append(
            "A hop that cites others quotes or paraphrases them; choose 'quotes' or 'paraphrases'."
        )
    if not cites and hop.relation != Relation.ASSERTS and hop.relation:
        errors.setdefault("relation", []).append(
            "A hop that cites nothing is an origin and asserts in its own voice; choose "
            "'asserts' or name the hops it cites."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def attribution_add(
    *,
    claim: Claim,
    source: Source,
    document: Document | None = None,
    cites: Sequence[Attribution] = (),
    relation: str | None = None,
    quote: str = "",
    quote_language: str = "",
    quote_translation: str = "",
    stated_at: datetime.date | None = None,
    note: str = "",
) -> Attribution:
    """Add a hop to ``claim``: ``source`` says it (in ``document``), citing ``cites``.

    With no ``relation`` an origin asserts and a citing hop paraphrases.
    """
    cites = list(cites)
    if not claim_lock(claim.pk):
        raise claim_gone(claim.pk)
    hop = Attribution(
        claim=claim,
        source=source,
        document=document,
        relation=provenance.default_relation(relation, cites),
        quote=quote,
        quote_language=quote_language,
        quote_translation=quote_translation,
        stated_at=stated_at,
        note=note,
        is_origin=not cites,
    )
    hops_insert([(hop, cites)])
    claim_refresh(claim)
    return hop


def _key(hop: Attribution) -> tuple:
    """What tells hops apart, saved (by id) or not yet (by the object itself)."""
    return ("id", hop.pk) if hop.pk is not None else ("new", id(hop))


def hops_insert(hops: Sequence[tuple[Attribution, Sequence[Attribution]]]) -> None:
    """Insert new hops of one claim, each with the hops it cites, and their history, after
    checking every rule on each (``attribution_validate``); all or nothing.

    A hop may cite saved hops or hops before it in ``hops``, so none can close a loop. The
    caller holds the claim's lock and has found the claim (``claim_lock``), or created it in
    this transaction. The sources are held here, in one statement, in ascending id.

    However many hops, six statements: the sources' lock, the hops, their '+' history rows,
    the cites, and for each hop that cites others the '~' history row with its cites. These
    are the rows ``save()`` and ``cites.set()`` write through simple_history's signals (a
    row, then a '~' row once the cites are set), written by its bulk helpers instead of
    three to five statements and a savepoint a hop.
    """
    if not hops:
        return
    sources_hold([hop.source for hop, _ in hops])
    done: list[Attribution] = []
    for hop, cites in hops:
        attribution_validate(hop, cites, planned=done, held=True)
        done.append(hop)
    bulk_create_with_history(done, Attribution)
    through = Attribution.cites.through
    links = through.objects.bulk_create(
        through(from_attribution=hop, to_attribution=cited)
        for hop, cites in hops
        for cited in {_key(cited): cited for cited in cites}.values()  # each cited hop once
    )
    if links:
        # Each ``Model.history`` access builds a manager class (simple_history), so once.
        history = Attribution.history
        citing = list({hop.pk: hop for hop, cites in hops if cites}.values())
        rows = {row.id: row for row in history.bulk_history_create(citing, update=True)}
        m2m_history = history.model.cites.model
        m2m_history.objects.bulk_create(
            m2m_history(
                history=rows[link.from_attribution_id],
                id=link.pk,
                from_attribution_id=link.from_attribution_id,
                to_attribution_id=link.to_attribution_id,
            )
            for link in links
        )


@transaction.atomic
def attribution_update(
    hop: Attribution, *, cites: Sequence[Attribution] | None = None, **fields
) -> Attribution:
    """Change a hop's fields and, when given, the hops it cites; same rules as adding."""
    unknown = set(fields) - HOP_FIELDS
    if unknown:
        raise TypeError(f"unknown hop fields: {sorted(unknown)}")
    claim_lock(hop.claim_id)
    sources_hold([fields.get("source")])
    for name, value in fields.items():
        setattr(hop, name, value)
    new_cites = list(cites) if cites is not None else list(hop.cites.all())
    if "relation" not in fields and cites is not None:
        # Turning an origin into a relay (or back) without naming a relation: pick the default.
        if bool(new_cites) != (hop.relation != Relation.ASSERTS):
            hop.relation = provenance.default_relation(None, new_cites)
    attribution_validate(hop, new_cites)
    hop.is_origin = not new_cites
    hop.save()
    if cites is not None:
        hop.cites.set(new_cites)
    claim_refresh(hop.claim)
    return hop


def attribution_references(hop: Attribution) -> list[str]:
    refs = [f"hop #{pk} (cites it)" for pk in hop.cited_by.values_list("pk", flat=True)]
    refs += [f"dispute #{pk} (contests it)" for pk in hop.disputes.values_list("pk", flat=True)]
    return refs


@transaction.atomic
def attribution_delete(hop: Attribution) -> None:
    """Delete a hop no other hop cites and no dispute contests; else raise ReferencedError."""
    claim_lock(hop.claim_id)
    refs = attribution_references(hop)
    if refs:
        raise ReferencedError(hop, refs)
    claim = hop.claim
    hop.delete()
    claim_refresh(claim)


# ---------------------------------------------------------------------------- disputes


def dispute_validate(dispute: Dispute) -> None:
    errors: dict[str, list[str]] = {}
    try:
        dispute.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if dispute.target_id and dispute.claim_id and dispute.target.claim_id != dispute.claim_id:
        errors.setdefault("target", []).append(
            f"Hop #{dispute.target_id} belongs to claim #{dispute.target.claim_id}, not to "
            f"claim #{dispute.claim_id}; a dispute can contest only a hop of its own claim."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def dispute_record(
    *,
    claim: Claim,
    disputed_by: Source,
    kind: str,
    target: Attribution | None = None,
    statement: str = "",
    quote: str = "",
    quote_language: str = "",
    quote_translation: str = "",
    stated_at: datetime.date | None = None,
    document: Document | None = None,
    resolution: str = Resolution.OPEN,
    resolution_note: str = "",
) -> Dispute:
    """Record that ``disputed_by`` contests ``claim`` (or its hop ``target``).

    ``disputed_by`` may be a new source planned from ``Name [kind]``; it is created here.
    """
    claim_lock(claim.pk)
    disputed_by = planned_source(disputed_by)
    sources_hold([disputed_by])
    if stated_at is None and document is not None and document.published_at:
        stated_at = document.published_at
    dispute = Dispute(
        claim=claim,
        disputed_by=disputed_by,
        kind=kind,
        target=target,
        statement=statement,
        quote=quote,
        quote_language=quote_language,
        quote_translation=quote_translation,
        stated_at=stated_at,
        document=document,
        resolution=resolution,
        resolution_note=resolution_note,
    )
    dispute_validate(dispute)
    dispute.save()
    claim_refresh(claim)
    return dispute


@transaction.atomic
def dispute_update(dispute: Dispute, **fields) -> Dispute:
    """Change a dispute (its resolution, quote, target …) under the same rules."""
    unknown = set(fields).difference(DISPUTE_FIELDS)
    if unknown:
        raise TypeError(f"unknown dispute fields: {sorted(unknown)}")
    claim_lock(dispute.claim_id)
    if fields.get("disputed_by") is not None:
        fields["disputed_by"] = planned_source(fields["disputed_by"])
    sources_hold([fields.get("disputed_by")])
    for name, value in fields.items():
        setattr(dispute, name, value)
    dispute_validate(dispute)
    dispute.save()
    claim_refresh(dispute.claim)
    return dispute


@transaction.atomic
def dispute_delete(dispute: Dispute) -> None:
    """Delete a dispute (nothing rests on one)."""
    claim_lock(dispute.claim_id)
    claim = dispute.claim
    dispute.delete()
    claim_refresh(claim)


# ---------------------------------------------------------------------------- chain lines

# "→", "->", and the long arrow editors paste from word processors.
_ARROW_RE = re.compile(r"\s*(?:→|->|⟶|➔)\s*")


def source_lookup(name: str) -> Source | None:
    """The source whose name or slug is ``name``, case-insensitively (the one resolver)."""
    return source_by_reference(name)


@dataclass
class ChainPlan:
    """Parsed chain lines: per line, its steps; per step, the sources of its hops (saved
    ones, or new ones that ``sources`` will create when the plan is applied)."""

    lines: list[list[list[Source | NewSource]]] = field(default_factory=list)
    sources: SourcePlan = field(default_factory=SourcePlan)

    def __bool__(self) -> bool:
        return bool(self.lines) or bool(self.sources.new)

    def new_sources(self) -> list[str]:
        """What applying the plan will create, one line per source, for the confirmation."""
        return self.sources.describe()


def chain_lines_parse(text: str, *, sources: SourcePlan | None = None) -> ChainPlan:
    """Parse chain lines (``A + B → C [news_outlet] → D``) into a plan: steps of sources,
    and the new sources named with their kind in brackets.

    A plain name must exist (or be created earlier in the same lines); a bracketed name that
    exists is that source, and brackets that disagree with it are an error. ``sources`` lets
    a caller plan further new sources together (the admin's dispute rows). Every line is
    checked before any error is raised, so the editor sees all mistakes at once; nothing is
    written here.
    """
    plan = ChainPlan(sources=sources if sources is not None else SourcePlan())
    # Every name the lines could mean, looked up in one query rather than one or two each.
    plan.sources.prefetch(
        reference
        for raw in (text or "").splitlines()
        for step_text in _ARROW_RE.split(raw.strip())
        for reference in (step_text, *split_top_level(step_text, "+"))
    )
    errors: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        steps: list[list[Source | NewSource]] = []
        for step_text in _ARROW_RE.split(line):
            step_text = step_text.strip()
            if not step_text:
                errors.append(f"Line {number}: an arrow with no source on one side.")
                continue
            whole = plan.sources.lookup(step_text)  # a name may itself contain '+'
            names = [step_text] if whole else split_top_level(step_text, "+")
            step: list[Source | NewSource] = []
            for name in names:
                name = name.strip()
                if whole is not None:
                    step.append(whole)
                    continue
                if not name:
                    errors.append(f"Line {number}: a '+' with no source beside it.")
                    continue
                try:
                    step.append(plan.sources.reference(name))
                except ValidationError as exc:
                    errors.extend(f"Line {number}: {message}" for message in exc.messages)
            steps.append(step)
        plan.lines.append(steps)
    if errors:
        raise ValidationError({"chain_lines": errors})
    return plan


@transaction.atomic
def chains_add(*, claim: Claim, lines: ChainPlan | list[list[list[Source]]]) -> list[Attribution]:
    """Create the new sources and the hops that parsed chain lines describe, all or nothing.

    A hop with the same source citing the same hops is reused, so entering ``A → B`` then
    ``A → B → C`` makes three hops, not five. The claim stays locked from reading its hops
    to the commit, so the same lines sent twice at once make one set of hops: the second
    request waits, then finds them all there.
    """
    if not claim_lock(claim.pk):
        raise claim_gone(claim.pk)
    created = _chains_apply(claim, lines)
    _read_figures(claim)
    return created


def _chains_apply(claim: Claim, lines, *, new_claim: bool = False) -> list[Attribution]:
    """``chains_add`` once the claim is locked: the new sources, the new hops (all inserted
    together, ``hops_insert``), then one projection of the claim if anything was added.

    ``new_claim``: the claim was created in this transaction, so it has no hops to reuse,
    and no other transaction can see its row, let alone lock or change it.
    """
    if isinstance(lines, ChainPlan):
        lines.sources.apply()
        lines = lines.lines
    existing: dict[tuple[int, frozenset], Attribution] = {}
    if not new_claim:
        edges = _citation_edges(claim)
        for hop in claim.attributions.all():
            cited = frozenset(("id", pk) for pk in edges.get(hop.pk, ()))
            existing.setdefault((hop.source_id, cited), hop)
    new: list[tuple[Attribution, list[Attribution]]] = []
    for steps in lines:
        previous: list[Attribution] = []
        for step in steps:
            current: list[Attribution] = []
            for ref in step:
                source = planned_source(ref)
                key = (source.pk, frozenset(_key(hop) for hop in previous))
                hop = existing.get(key)
                if hop is None:
                    hop = Attribution(
                        claim=claim,
                        source=source,
                        relation=provenance.default_relation(None, previous),
                        is_origin=not previous,
                    )
                    existing[key] = hop
                    new.append((hop, previous))
                current.append(hop)
            previous = current
    if new:
        hops_insert(new)
        projection.refresh([claim.pk])  # once, after the last new hop
    return [hop for hop, _ in new]


# ---------------------------------------------------------------------------- merging


@transaction.atomic
def claim_merge(*, keep: Claim, duplicate: Claim, user=None) -> Claim:
    """Fold ``duplicate`` into ``keep``: its hops, disputes and topics move, then it goes.

    Nothing is lost: every moved row is saved (so its history shows the move, with the
    reason), the duplicate's own fields stay in its history's deletion record, and a
    duplicate that was rated while ``keep`` was not passes its verdict on.
    """
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": "A claim cannot be merged into itself."})
    reason = f"Merged claim #{duplicate.pk} into claim #{keep.pk}"
    for hop in duplicate.attributions.all():
        hop.claim = keep
        hop._change_reason = reason
        hop.save()
    for dispute in duplicate.disputes.all():
        dispute.claim = keep
        dispute._change_reason = reason
        dispute.save()
    topics = set(keep.topics.all()) | set(duplicate.topics.all())
    fields: dict = {}
    if keep.verdict == "unrated" and duplicate.verdict != "unrated":
        fields = {
            "verdict": duplicate.verdict,
            "verdict_explanation": duplicate.verdict_explanation,
            "reviewed_by": duplicate.reviewed_by,
            "reviewed_at": duplicate.reviewed_at,
        }
    for name, value in fields.items():
        setattr(keep, name, value)
    if not keep.occurred_at and duplicate.occurred_at:
        keep.occurred_at = duplicate.occurred_at
    if not keep.location and duplicate.location:
        keep.location = duplicate.location
    keep._change_reason = reason
    if user is not None and getattr(user, "is_authenticated", False):
        keep._history_user = user
        duplicate._history_user = user
    keep.full_clean(exclude=["topics"])
    keep.save()
    keep.topics.set(topics)
    duplicate._change_reason = reason
    duplicate.delete()
    claim_refresh(keep)
    return keep
