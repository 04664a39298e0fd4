"""Lossless dump and restore of the whole tracker as JSON lines.

One header line, then one line per row: ``{"model": "sources.source", "pk": 7, "fields":
{...}}`` with every concrete field (derived columns and timestamps included) and the
many-to-many lists (``Claim.topics``, ``Attribution.cites``) as sorted ids. Models come in a
fixed order and rows by primary key; keys are sorted and the JSON compact, so the same data
gives the same bytes on SQLite and PostgreSQL (export → import → export is byte-identical).

Users are not tracker data and their ids differ between databases, so a reference to a user
(``Claim.reviewed_by``, the history's ``history_user``) is written as the username.

Restoring writes rows as they are, primary keys included, with ``bulk_create`` rather than
the services: a dump is a faithful copy of data the services already checked, and going
through them would rewrite the timestamps and history the copy must keep. The database's
deferred foreign keys let rows arrive in any order inside the one transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q

FORMAT = "factcheck-tracker-dump"
VERSION = 1

# Dependency order: what a row refers to comes first (the import does not need it thanks to
# deferred constraints, but a reader of the file does).
TRACKER_MODELS = [
    "sources.source",
    "sources.document",
    "claims.topic",
    "claims.claim",
    "claims.attribution",
    "claims.dispute",
    "claims.review",
]
HISTORY_MODELS = [
    "sources.historicalsource",
    "sources.historicaldocument",
    "claims.historicaltopic",
    "claims.historicalclaim",
    "claims.historicalclaim_topics",
    "claims.historicalattribution",
    "claims.historicalattribution_cites",
    "claims.historicaldispute",
    "claims.historicalreview",
]
CHUNK = 2000
#: A long import or export reports progress every this many rows.
PROGRESS_EVERY = 10_000


class DumpError(Exception):
    """The file is not a tracker dump, or cannot be restored here."""


def _user_model():
    return get_user_model()


def _is_user_fk(field) -> bool:
    return field.is_relation and field.many_to_one and field.related_model is _user_model()


def _value(value):
    """A field value as JSON: dates and datetimes as ISO 8601 (UTC), decimals as text, the
    rest as is."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # exact, as written (a review's rating scale); floats would round
    return value


def _line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def model_labels(with_history: bool) -> list[str]:
    """The models a dump holds, in file order."""
    return TRACKER_MODELS + (HISTORY_MODELS if with_history else [])


def export_lines(*, with_history: bool = False) -> Iterator[str]:
    """Yield the dump, line by line; rows read in chunks so memory stays flat."""
    labels = model_labels(with_history)
    counts = {label: apps.get_model(label)._default_manager.count() for label in labels}
    yield _line({"format": FORMAT, "version": VERSION, "history": with_history, "counts": counts})
    usernames = dict(_user_model()._default_manager.values_list("pk", "username"))
    for label in labels:
        yield from _export_model(apps.get_model(label), label, usernames)


def _export_model(model, label: str, usernames: dict) -> Iterator[str]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    m2m = list(model._meta.many_to_many)
    pk_name = model._meta.pk.attname
    last = None
    manager = model._default_manager
    while True:
        rows = manager.order_by(pk_name)
        if last is not None:
            rows = rows.filter(pk__gt=last)
        chunk = list(rows[:CHUNK])
        if not chunk:
            return
        pks = [obj.pk for obj in chunk]
        related: dict[str, dict] = {}
        for field in m2m:
            through = field.remote_field.through
            source = field.m2m_field_name()
            target = field.m2m_reverse_field_name()
            pairs = (
                through._default_manager.filter(**{f"{source}__in": pks})
                .order_by(f"{source}_id", f"{target}_id")
                .values_list(f"{source}_id", f"{target}_id")
            )
            grouped: dict = {}
            for left, right in pairs:
                grouped.setdefault(left, []).append(right)
            related[field.name] = grouped
        for obj in chunk:
            data = {}
            for field in fields:
                raw = getattr(obj, field.attname)
                if _is_user_fk(field):
                    data[field.name] = usernames.get(raw) if raw is not None else None
                else:
                    data[field.name] = _value(raw)
            for field in m2m:
                data[field.name] = related[field.name].get(obj.pk, [])
            yield _line({"model": label, "pk": _value(obj.pk), "fields": data})
        last = pks[-1]


def export_to(
    path_or_file,
    *,
    with_history: bool = False,
    progress: Callable[[int, int], None] | None = None,
    every: int = PROGRESS_EVERY,
) -> dict:
    """Write the dump to a path (or open text file); return the row counts per model.

    ``progress(rows, total)`` is called every ``every`` rows written.
    """
    counts: dict[str, int] = {}
    total = 0
    if hasattr(path_or_file, "write"):
        handle, close = path_or_file, False
    else:
        handle, close = open(path_or_file, "w", encoding="utf-8", newline="\n"), True
    try:
        for number, line in enumerate(export_lines(with_history=with_history)):
            if number == 0:
                counts = json.loads(line)["counts"]
                total = sum(counts.values())
            elif progress and number % every == 0:
                progress(number, total)
            handle.write(line)
    finally:
        if close:
            handle.close()
    return counts


def tracker_is_empty() -> bool:
    """No row of any tracker model (the data migrations make groups, never tracker rows)."""
    return not any(apps.get_model(label)._default_manager.exists() for label in TRACKER_MODELS)


# ---------------------------------------------------------------------------- checking a dump
#
# A restore writes rows as they are, so everything the services would refuse must be found
# first, in the whole file, before a single row is written: the models' own validation
# (``clean_fields``, constraints, uniqueness), the services' cross-row rules (a hop cites
# hops of its own claim and never in a loop, an origin asserts, a dispute contests a hop of
# its own claim, affiliations never loop) and every reference, which must name a row in the
# file or, with --force-merge, in the database. The check reads the file once keeping only
# ids and edges, so memory stays small; the write reads it a second time.


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dump, at a line of the file and a field of its row."""

    line: int
    field: str
    message: str

    def format(self, filename: str) -> str:
        """The problem as ``file:line: field: message``, the shape compilers use."""
        return f"{filename}:{self.line}: {self.field}: {self.message}"


class DumpInvalid(DumpError):
    """The dump has problems; nothing was written. ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.line, p.field))
        super().__init__(f"{len(self.problems)} problem(s) in the dump.")


def _json_kind(value) -> str:
    """How a JSON value reads to someone looking at the file: 'text "x"', 'a number (5)'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"text “{shown}”"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _convert(field, raw):
    """The Python value for a field's JSON value; raise ValueError saying what is wrong."""
    if raw is None:
        if field.null:
            return None
        raise ValueError(f"must not be null ({field.verbose_name} is required)")
    if _is_user_fk(field):
        if isinstance(raw, str) and raw:
            return raw
        raise ValueError(f"must be a username, not {_json_kind(raw)}")
    if field.is_relation:
        if _is_id(raw):
            return raw
        raise ValueError(f"must be the id (a whole number) of a row, not {_json_kind(raw)}")
    if isinstance(field, models.BooleanField):
        if isinstance(raw, bool):
            return raw
        raise ValueError(f"must be true or false, not {_json_kind(raw)}")
    if isinstance(field, models.IntegerField | models.AutoField):
        if _is_id(raw):
            return raw
        raise ValueError(f"must be a whole number, not {_json_kind(raw)}")
    if isinstance(field, models.DecimalField):
        # Exported as text so that no digit is rounded away (a review's rating scale).
        if isinstance(raw, str | int | float) and not isinstance(raw, bool):
            with contextlib.suppress(ValidationError):
                return field.to_python(raw)
        raise ValueError(f"must be a decimal number, not {_json_kind(raw)}")
    if isinstance(field, models.DateTimeField):
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                return datetime.datetime.fromisoformat(raw)
        raise ValueError(f"must be an ISO 8601 date-time, not {_json_kind(raw)}")
    if isinstance(field, models.DateField):
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                return datetime.date.fromisoformat(raw)
        raise ValueError(f"must be a date (YYYY-MM-DD), not {_json_kind(raw)}")
    if isinstance(field, models.CharField | models.TextField):
        if isinstance(raw, str):
            return raw
        raise ValueError(f"must be text, not {_json_kind(raw)}")
    return raw


def _required(field) -> bool:
    """A field a row cannot leave out: the model has no default and needs a value."""
    return not (field.has_default() or field.null or field.blank or field.primary_key)


def _unique_keys(model) -> list[tuple[str, tuple[str, ...], bool, str]]:
    """The model's uniqueness rules as (name, fields, lower-cased, message) for the in-file check.

    The database checks rows against each other only at the write; this finds two rows of
    the same file that clash, from the same declarations (``unique=True`` and
    ``UniqueConstraint``, plain fields or ``Lower(field)``). A conditional constraint (a URL
    unique when set) counts only rows whose values are not blank.
    """
    from django.db.models.functions import Lower

    keys = []
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            keys.append((field.name, (field.name,), False, f"{field.verbose_name} already used"))
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint):
            continue
        message = constraint.violation_error_message or "already used"
        if constraint.fields:
            keys.append((constraint.fields[0], tuple(constraint.fields), False, message))
        elif all(isinstance(e, Lower) for e in constraint.expressions):
            names = tuple(e.source_expressions[0].name for e in constraint.expressions)
            keys.append((names[0], names, True, message))
    return keys


@dataclass
class _Checker:
    """What pass one keeps of the file: ids, references and edges, never whole rows."""

    merge: bool
    problems: list[Problem] = dataclass_field(default_factory=list)
    # label -> pk -> line
    rows: dict[str, dict] = dataclass_field(default_factory=dict)
    # (target label, pk) -> [(line, field, row label)]
    references: dict[tuple, list] = dataclass_field(default_factory=dict)
    # unique key -> first line and pk
    seen_keys: dict[tuple, tuple] = dataclass_field(default_factory=dict)
    # (label, pk) named somewhere but found neither in the file nor the database
    dangling: set = dataclass_field(default_factory=set)
    hop_claim: dict[int, int] = dataclass_field(default_factory=dict)
    hop_facts: dict[int, tuple] = dataclass_field(default_factory=dict)
    dispute_facts: list[tuple] = dataclass_field(default_factory=list)
    claim_facts: dict[int, tuple] = dataclass_field(default_factory=dict)
    affiliations: dict[int, tuple] = dataclass_field(default_factory=dict)
    last_line: int = 1

    def add(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(line, field, message))


def _check_record(checker: _Checker, number: int, record: dict, allowed: set, history: bool):
    """Check one row on its own and note what the cross-row checks need."""
    label = record.get("model")
    if not isinstance(label, str) or label not in allowed:
        if label in HISTORY_MODELS and not history:
            checker.add(
                number,
                "model",
                f"“{label}” is history, but the header says the dump holds none (history: false)",
            )
        else:
            checker.add(
                number,
                "model",
                f"unknown model {_json_kind(label)}; a dump holds "
                f"{', '.join(model_labels(history))}",
            )
        return
    model = apps.get_model(label)
    pk = record.get("pk")
    if not _is_id(pk):
        checker.add(number, "pk", f"must be a whole number, not {_json_kind(pk)}")
        return
    rows = checker.rows.setdefault(label, {})
    if pk in rows:
        checker.add(number, "pk", f"duplicate id: {label} #{pk} is already on line {rows[pk]}")
        return
    rows[pk] = number
    data = record.get("fields")
    if not isinstance(data, dict):
        checker.add(number, "fields", f"must be an object, not {_json_kind(data)}")
        return

    fields = {f.name: f for f in model._meta.concrete_fields if not f.primary_key}
    m2m = {f.name: f for f in model._meta.many_to_many}
    for name in sorted(set(data) - set(fields) - set(m2m)):
        checker.add(number, name, f"unknown field of {label}")
    values, bad = {}, set()
    for name, field in fields.items():
        if name not in data:
            if _required(field):
                checker.add(number, name, f"missing; every {label} row needs it")
                bad.add(name)
            continue
        try:
            values[name] = _convert(field, data[name])
        except ValueError as exc:
            checker.add(number, name, str(exc))
            bad.add(name)
    links = {}
    for name in m2m:
        raw = data.get(name, [])
        if not isinstance(raw, list) or not all(_is_id(v) for v in raw):
            checker.add(number, name, f"must be a list of ids, not {_json_kind(raw)}")
            bad.add(name)
        else:
            links[name] = raw

    if label in TRACKER_MODELS:
        # History rows record what was, under whatever rules held then (and simple-history
        # makes its columns nullable but not blank): they are checked for types only.
        _validate_model(checker, number, model, pk, values, bad)
    _note_unique(checker, number, label, model, pk, values)
    _note_references(checker, number, label, fields, m2m, values, links)
    _note_rules(checker, number, label, pk, values, links)


def _validate_model(checker, number, model, pk, values, bad) -> None:
    """The model's own validation, as ``full_clean`` runs it for the services.

    References are left out here (a row may name one that comes later in the file, and
    the cross-row check covers them); users are looked up at the write.
    """
    relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
    instance = model(pk=pk, **{f: v for f, v in values.items() if f not in relations})
    for name in relations:
        if name in values and name not in bad and not _is_user_fk(model._meta.get_field(name)):
            setattr(instance, model._meta.get_field(name).attname, values[name])
    # Not "adding": the uniqueness checks then leave out a row with the same id, which a
    # merge overwrites (and which an empty database does not have).
    instance._state.adding = False
    exclude = set(bad) | set(relations) | {f.name for f in model._meta.many_to_many}
    errors: dict = {}
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        instance.clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    # Constraints are checked on every column that holds a readable value, references
    # included; a column already reported as unreadable is left out, as full_clean does.
    check = (exclude - set(relations)) | (set(bad) & set(relations))
    try:
        if checker.merge:
            # Only a database with rows in it can hold a clash; an empty one has none, and
            # clashes inside the file are found by _note_unique.
            instance.validate_unique(exclude=check)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    for constraint in model._meta.constraints:
        try:
            _validate_constraint(constraint, model, instance, check, merge=checker.merge)
        except ValidationError as exc:
            errors.setdefault(NON_FIELD_ERRORS, []).extend(exc.messages)
    for name, messages in errors.items():
        for message in dict.fromkeys(messages):
            checker.add(number, "row" if name == NON_FIELD_ERRORS else name, message)


_LOOKUPS = {
    "exact": lambda value, other: value == other,
    "in": lambda value, other: value in other,
    "gt": lambda value, other: value is not None and value > other,
    "gte": lambda value, other: value is not None and value >= other,
    "lt": lambda value, other: value is not None and value < other,
    "lte": lambda value, other: value is not None and value <= other,
    "isnull": lambda value, other: (value is None) == other,
}


def _holds(condition, instance) -> bool | None:
    """Evaluate a constraint's ``Q`` on an unsaved row in Python; None when it cannot.

    Django checks a CheckConstraint with one query per row, which makes checking a dump
    of a million rows take hours; the conditions our models declare are simple lookups
    on the row's own columns, so they are evaluated here and only the rest go to the
    database (see _validate_constraint).
    """
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            result = _holds(child, instance)
        else:
            path, other = child
            name, _, lookup = path.partition("__")
            lookup = lookup or "exact"
            if lookup not in _LOOKUPS or "__" in lookup:
                return None
            try:
                field = instance._meta.get_field(name)
            except Exception:  # noqa: BLE001 - not a plain field: let the database decide
                return None
            value = getattr(instance, field.attname)
            if isinstance(other, models.F):
                other = instance.pk if other.name == "pk" else getattr(instance, other.name)
            elif hasattr(other, "resolve_expression"):
                return None
            result = _LOOKUPS[lookup](value, other)
        if result is None:
            return None
        results.append(result)
    held = all(results) if condition.connector == Q.AND else any(results)
    return not held if condition.negated else held


def _validate_constraint(constraint, model, instance, exclude: set, *, merge: bool) -> None:
    """Raise ValidationError when the row breaks ``constraint``, as Django's would."""
    if isinstance(constraint, models.CheckConstraint):
        if exclude & set(constraint.condition.referenced_base_fields):
            return
        held = _holds(constraint.condition, instance)
        if held is None:
            constraint.validate(model, instance, exclude=exclude)
        elif not held:
            raise ValidationError(constraint.get_violation_error_message())
    elif merge:
        constraint.validate(model, instance, exclude=exclude)


def _note_unique(checker, number, label, model, pk, values) -> None:
    """Two rows of the file that the database would refuse as duplicates."""
    for name, names, lower, message in _unique_keys(model):
        key = tuple(values.get(n) for n in names)
        if any(v is None or v == "" for v in key):
            continue
        if lower:
            key = tuple(str(v).lower() for v in key)
        first = checker.seen_keys.setdefault((label, names, key), (number, pk))
        if first[0] != number:
            shown = ", ".join(str(values.get(n)) for n in names)
            checker.add(
                number, name, f"{message} (“{shown}” is also {label} #{first[1]}, line {first[0]})"
            )


def _note_references(checker, number, label, fields, m2m, values, links) -> None:
    for name, field in fields.items():
        target = values.get(name)
        if not field.is_relation or target is None or _is_user_fk(field):
            continue
        if not getattr(field, "db_constraint", True):
            # History keeps ids of rows that may since have been deleted, on purpose.
            continue
        to = field.related_model._meta.label_lower
        checker.references.setdefault((to, target), []).append((number, name, label))
    for name, ids in links.items():
        to = m2m[name].related_model._meta.label_lower
        for target in ids:
            checker.references.setdefault((to, target), []).append((number, name, label))


def _note_rules(checker, number, label, pk, values, links) -> None:
    """Keep what the services' cross-row rules need (see ``_check_rules``)."""
    if label == "claims.attribution":
        checker.hop_claim[pk] = values.get("claim")
        checker.hop_facts[pk] = (
            number,
            links.get("cites", []),
            values.get("relation"),
            values.get("is_origin"),
        )
    elif label == "claims.dispute":
        checker.dispute_facts.append(
            (number, values.get("claim"), values.get("target"), values.get("resolution"))
        )
    elif label == "claims.claim":
        checker.claim_facts[pk] = (number, values.get("dispute_count"), values.get("is_disputed"))
    elif label == "sources.source":
        checker.affiliations[pk] = (number, values.get("affiliated_with"))


def _existing(label: str, pks) -> set:
    """Which of ``pks`` are rows of ``label`` in the database (in chunks: the list may be long)."""
    model = apps.get_model(label)
    pks, found = sorted(pks), set()
    for start in range(0, len(pks), CHUNK):
        found.update(
            model._default_manager.filter(pk__in=pks[start : start + CHUNK]).values_list(
                "pk", flat=True
            )
        )
    return found


def _check_references(checker: _Checker) -> None:
    """Every reference names a row in the file or, when merging, in the database."""
    wanted: dict[str, set] = {}
    for to, target in checker.references:
        if target not in checker.rows.get(to, {}):
            wanted.setdefault(to, set()).add(target)
    in_db = {label: _existing(label, pks) for label, pks in wanted.items()} if checker.merge else {}
    for (to, target), uses in checker.references.items():
        if target in checker.rows.get(to, {}) or target in in_db.get(to, ()):
            continue
        checker.dangling.add((to, target))
        what = apps.get_model(to)._meta.verbose_name
        where = "the file" if not checker.merge else "the file or the database"
        for number, name, _label in uses:
            checker.add(number, name, f"names {what} #{target}, which is not in {where}")


def _hop_claims(checker: _Checker, hop_ids) -> dict[int, int]:
    """hop id -> claim id, from the file, else (merging) from the database."""
    from claims.models import Attribution

    claims = {h: checker.hop_claim[h] for h in hop_ids if h in checker.hop_claim}
    missing = [h for h in hop_ids if h not in claims]
    if missing and checker.merge:
        for start in range(0, len(missing), CHUNK):
            claims.update(
                Attribution.objects.filter(pk__in=missing[start : start + CHUNK]).values_list(
                    "pk", "claim_id"
                )
            )
    return claims


def _check_rules(checker: _Checker) -> None:
    """The services' cross-row rules, over the file (and, merging, the rows it joins)."""
    from claims import provenance
    from claims.choices import Relation, Resolution
    from claims.models import Attribution

    # Hops: cite only hops of their own claim, never themselves, never in a loop; an
    # origin (citing nothing) asserts and a hop that cites quotes or paraphrases.
    cited_ids = {c for _, cites, _, _ in checker.hop_facts.values() for c in cites}
    claim_of = _hop_claims(checker, sorted(cited_ids | set(checker.hop_facts)))
    edges: dict[int, list[int]] = {}
    for hop, (number, cites, relation, is_origin) in checker.hop_facts.items():
        own = []
        for cited in cites:
            if cited == hop:
                checker.add(number, "cites", f"hop #{hop} cannot cite itself")
            elif ("claims.claim", checker.hop_claim[hop]) in checker.dangling or (
                "claims.claim",
                claim_of.get(cited),
            ) in checker.dangling:
                # Already reported: a hop of a claim that is not there.
                own.append(cited)
            elif cited in claim_of and claim_of[cited] != checker.hop_claim[hop]:
                checker.add(
                    number,
                    "cites",
                    f"hop #{cited} belongs to claim #{claim_of[cited]}; a hop may cite only "
                    f"hops of its own claim (#{checker.hop_claim[hop]})",
                )
            else:
                own.append(cited)
        edges[hop] = own
        if cites and relation == Relation.ASSERTS:
            checker.add(number, "relation", "a hop that cites others quotes or paraphrases them")
        if not cites and relation not in (None, Relation.ASSERTS):
            checker.add(number, "relation", "a hop that cites nothing is an origin and asserts")
        if is_origin is not None and is_origin != (not cites):
            checker.add(
                number,
                "is_origin",
                f"is {'true' if is_origin else 'false'} but the hop cites "
                f"{len(cites) or 'nothing'}; an origin is a hop that cites nothing",
            )
    if checker.merge and edges:
        # Hops already in the database and not in the file keep their citations.
        through = Attribution.cites.through
        claims = sorted({c for c in checker.hop_claim.values() if c is not None})
        for start in range(0, len(claims), CHUNK):
            rows = through.objects.filter(
                from_attribution__claim_id__in=claims[start : start + CHUNK]
            ).values_list("from_attribution_id", "to_attribution_id")
            for citing, cited in rows:
                if citing not in checker.hop_facts:
                    edges.setdefault(citing, []).append(cited)
    for hop, (number, cites, _, _) in checker.hop_facts.items():
        if edges.get(hop) and provenance.would_cycle(edges, hop, edges[hop]):
            checker.add(
                number,
                "cites",
                f"hop #{hop} cites {', '.join(f'#{c}' for c in cites)} and is cited back "
                "through them; provenance cannot go in circles",
            )

    # Disputes contest a hop of their own claim; a claim's dispute figures match its disputes.
    targets = _hop_claims(checker, sorted({t for _, _, t, _ in checker.dispute_facts if t}))
    per_claim: dict[int, list] = {}
    for number, claim, target, resolution in checker.dispute_facts:
        per_claim.setdefault(claim, []).append(resolution)
        if target in targets and claim is not None and targets[target] != claim:
            checker.add(
                number,
                "target",
                f"hop #{target} belongs to claim #{targets[target]}, not to claim #{claim}; "
                "a dispute can contest only a hop of its own claim",
            )
    if not checker.merge:
        # Merging, the database may hold more of a claim's disputes; refresh_derived fixes
        # figures there. Restoring into an empty database, the file is the whole truth.
        for claim, (number, count, disputed) in checker.claim_facts.items():
            resolutions = per_claim.get(claim, [])
            live = any(r != Resolution.REJECTED for r in resolutions)
            if count is not None and count != len(resolutions):
                checker.add(
                    number,
                    "dispute_count",
                    f"is {count} but the file holds "
                    f"{len(resolutions)} dispute(s) of claim #{claim}",
                )
            if disputed is not None and disputed != live:
                checker.add(
                    number,
                    "is_disputed",
                    f"is {'true' if disputed else 'false'} but claim "
                    f"#{claim} has {'a' if live else 'no'} dispute that is not rejected",
                )

    # Affiliations never loop.
    parents = {pk: parent for pk, (_, parent) in checker.affiliations.items()}
    if checker.merge:
        from sources.models import Source

        for pk, parent in Source.objects.exclude(pk__in=list(parents)).values_list(
            "pk", "affiliated_with_id"
        ):
            parents[pk] = parent
    for pk, (number, parent) in checker.affiliations.items():
        seen, current = {pk}, parent
        while current is not None and current not in seen:
            seen.add(current)
            current = parents.get(current)
        if current is not None and parent is not None:
            checker.add(
                number,
                "affiliated_with",
                f"source #{pk} is affiliated with #{parent}, which leads back to it; "
                "affiliations cannot loop",
            )


def _decoded_lines(handle) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, problem) for each line; bytes are decoded here so that invalid
    UTF-8 is a problem at its line, not an exception somewhere in the middle."""
    for number, raw in enumerate(handle, start=1):
        if isinstance(raw, str):
            yield number, raw, None
            continue
        try:
            yield number, raw.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            yield (
                number,
                None,
                (f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"),
            )


def _read_header(lines) -> dict:
    """The header line, or DumpInvalid: without a header nothing else can be read."""
    try:
        number, text, problem = next(lines)
    except StopIteration:
        raise DumpInvalid(
            [Problem(1, "file", "the file is empty; it is not a tracker dump")]
        ) from None
    if problem:
        raise DumpInvalid([Problem(number, "encoding", problem)])
    text = text.lstrip("\ufeff")
    try:
        header = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DumpInvalid(
            [Problem(1, "header", f"not JSON ({exc.msg}); this is not a tracker dump")]
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DumpInvalid(
            [Problem(1, "format", f"the first line does not say “{FORMAT}”; not a tracker dump")]
        )
    if header.get("version") != VERSION:
        raise DumpInvalid(
            [
                Problem(
                    1,
                    "version",
                    f"dump version {header.get('version')!r}; this tracker reads version {VERSION}",
                )
            ]
        )
    if not isinstance(header.get("counts", {}), dict):
        raise DumpInvalid([Problem(1, "counts", "must be an object of row counts per model")])
    return header


def _records(lines, checker: _Checker) -> Iterator[tuple[int, dict]]:
    """The rows of the dump after the header; unreadable lines become problems."""
    for number, text, problem in lines:
        checker.last_line = number
        if problem:
            checker.add(number, "encoding", problem)
            continue
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            checker.add(number, "json", f"not JSON: {exc.msg}: column {exc.colno}")
            continue
        if not isinstance(record, dict) or {"model", "pk", "fields"} - set(record):
            checker.add(number, "row", "a row needs “model”, “pk” and “fields”")
            continue
        yield number, record


def check(handle, *, merge: bool = False, progress=None, every: int = PROGRESS_EVERY) -> dict:
    """Read a whole dump and raise DumpInvalid listing every problem; return its header.

    Nothing is written. ``progress(rows)`` is called every ``every`` rows.
    """
    lines = _decoded_lines(handle)
    header = _read_header(lines)
    history = bool(header.get("history"))
    allowed = set(model_labels(history))
    checker = _Checker(merge=merge)
    count = 0
    for number, record in _records(lines, checker):
        _check_record(checker, number, record, allowed, history)
        count += 1
        if progress and count % every == 0:
            progress(count)
    _check_references(checker)
    _check_rules(checker)
    for label, promised in (header.get("counts") or {}).items():
        held = len(checker.rows.get(label, {}))
        if held != promised:
            checker.add(
                checker.last_line,
                "counts",
                f"the header promises {promised} rows of {label} but the file holds {held}; "
                "the file is truncated or edited",
            )
    if checker.problems:
        raise DumpInvalid(checker.problems)
    header["rows"] = count
    return header


def import_from(handle, *, merge: bool = False, progress=None, every: int = PROGRESS_EVERY) -> dict:
    """Check a dump, then restore it: all or nothing, and nothing at all if any row is wrong.

    ``handle`` is a file opened in binary mode that can be read twice (``seek(0)``). Refuses
    a database holding tracker rows unless ``merge``, which overwrites rows with the same id
    and keeps the others. Raises DumpInvalid (every problem, by line) or DumpError. Returns
    the row counts per model. ``progress(stage, rows, total)`` is called every
    ``every`` rows of each pass.
    """
    if not merge and not tracker_is_empty():
        raise DumpError(
            "This database already holds tracker data; restore into an empty database, or "
            "pass --force-merge to overwrite rows with the same ids and keep the others."
        )
    header = check(
        handle,
        merge=merge,
        progress=progress and (lambda n: progress("checked", n, None)),
        every=every,
    )
    handle.seek(0)
    total = header["rows"]
    try:
        with transaction.atomic():
            return _restore(
                handle, header, merge=merge, progress=progress, total=total, every=every
            )
    except DatabaseError as exc:
        # Last line of defence: the check above should leave the database nothing to refuse.
        raise DumpError(f"The database refused the restore: {exc}".strip()) from exc


def _restore(handle, header: dict, *, merge: bool, progress, total: int, every: int) -> dict:
    lines = _decoded_lines(handle)
    next(lines)  # the header, already read
    user_cache: dict[str, int] = {}
    counts: dict[str, int] = {}
    batch: list[dict] = []
    batch_label = None
    touched: list = []
    done = 0

    def flush():
        if batch:
            _write(apps.get_model(batch_label), batch, merge=merge, users=user_cache)
            counts[batch_label] = counts.get(batch_label, 0) + len(batch)
            batch.clear()

    for _number, text, _problem in lines:
        if not text or not text.strip():
            continue
        record = json.loads(text)
        label = record["model"]
        if label != batch_label or len(batch) >= CHUNK:
            flush()
            if label != batch_label:
                touched.append(apps.get_model(label))
            batch_label = label
        batch.append(record)
        done += 1
        if progress and done % every == 0:
            progress("written", done, total)
    flush()
    _reset_sequences(touched)
    # The stored projections are rebuilt from the restored graph, whatever the file held
    # (a dump from before the projection, or one edited by hand).
    from claims import projection
    from claims.models import Claim

    projection.refresh(Claim.objects.values_list("pk", flat=True), touch=False)
    return counts


def _user_id(username, cache: dict, created: list | None = None):
    if username is None:
        return None
    if username not in cache:
        user_model = _user_model()
        user = user_model._default_manager.filter(username=username).first()
        if user is None:
            # The reviewer does not exist here: keep the reference as an inactive account
            # that cannot log in, rather than lose who reviewed the claim.
            user = user_model(username=username, is_active=False)
            user.set_unusable_password()
            user.save()
        cache[username] = user.pk
    return cache[username]


@contextlib.contextmanager
def _keep_timestamps(model):
    """Switch off auto_now/auto_now_add while restoring: bulk_create still runs pre_save,
    which would stamp every restored row with the time of the restore."""
    switched = []
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            switched.append((field, field.auto_now, field.auto_now_add))
            field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _write(model, records: list[dict], *, merge: bool, users: dict) -> None:
    fields = {f.name: f for f in model._meta.concrete_fields if not f.primary_key}
    m2m = {f.name: f for f in model._meta.many_to_many}
    objects = []
    links: dict[str, list] = {name: [] for name in m2m}
    for record in records:
        data = record["fields"]
        values = {}
        for name, field in fields.items():
            if name not in data:
                continue
            # Checked by check() already: _convert cannot fail here.
            raw = _convert(field, data[name])
            if _is_user_fk(field):
                values[field.attname] = _user_id(raw, users)
            else:
                values[field.attname] = raw
        obj = model(pk=record["pk"], **values)
        objects.append(obj)
        for name in m2m:
            for other in data.get(name, []):
                links[name].append((record["pk"], other))
    if merge:
        existing = set(
            model._default_manager.filter(pk__in=[o.pk for o in objects]).values_list(
                "pk", flat=True
            )
        )
        fresh = [o for o in objects if o.pk not in existing]
        stale = [o for o in objects if o.pk in existing]
        if stale:
            names = [f.name for f in model._meta.concrete_fields if not f.primary_key]
            model._default_manager.bulk_update(stale, names, batch_size=500)
    else:
        fresh = objects
    with _keep_timestamps(model):
        model._default_manager.bulk_create(fresh, batch_size=500)
    for name, field in m2m.items():
        through = field.remote_field.through
        source = field.m2m_field_name()
        target = field.m2m_reverse_field_name()
        if merge:
            through._default_manager.filter(
                **{f"{source}_id__in": [o.pk for o in objects]}
            ).delete()
        through._default_manager.bulk_create(
            [
                through(**{f"{source}_id": left, f"{target}_id": right})
                for left, right in links[name]
            ],
            batch_size=500,
        )


def _reset_sequences(models_touched: list) -> None:
    """Move PostgreSQL's id sequences past the restored ids (SQLite needs nothing)."""
    if not models_touched:
        return
    statements = connection.ops.sequence_reset_sql(no_style(), models_touched)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
