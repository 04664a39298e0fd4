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
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction

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


def export_to(path_or_file, *, with_history: bool = False) -> dict:
    """Write the dump to a path (or open text file); return the row counts per model."""
    counts: dict[str, int] = {}
    if hasattr(path_or_file, "write"):
        handle, close = path_or_file, False
    else:
        handle, close = open(path_or_file, "w", encoding="utf-8", newline="\n"), True
    try:
        for number, line in enumerate(export_lines(with_history=with_history)):
            if number == 0:
                counts = json.loads(line)["counts"]
            handle.write(line)
    finally:
        if close:
            handle.close()
    return counts


def tracker_is_empty() -> bool:
    """No row of any tracker model (the data migrations make groups, never tracker rows)."""
    return not any(apps.get_model(label)._default_manager.exists() for label in TRACKER_MODELS)


def _parse(lines: Iterable[str]) -> tuple[dict, Iterator[tuple[int, dict]]]:
    iterator = iter(enumerate(lines, start=1))
    try:
        _, first = next(iterator)
    except StopIteration:
        raise DumpError("The file is empty; it is not a tracker dump.") from None
    try:
        header = json.loads(first)
    except json.JSONDecodeError as exc:
        raise DumpError(f"Line 1 is not JSON ({exc.msg}); it is not a tracker dump.") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DumpError(f"Line 1 does not say format “{FORMAT}”; it is not a tracker dump.")
    if header.get("version") != VERSION:
        raise DumpError(f"Dump version {header.get('version')!r}; this tracker reads {VERSION}.")

    def records():
        for number, text in iterator:
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                raise DumpError(f"Line {number} is not JSON: {exc.msg}.") from None
            if not isinstance(record, dict) or {"model", "pk", "fields"} - set(record):
                raise DumpError(f"Line {number} lacks model, pk or fields.")
            yield number, record

    return header, records()


@transaction.atomic
def import_from(lines: Iterable[str], *, merge: bool = False, stderr=None) -> dict:
    """Restore a dump; refuse a database holding tracker rows unless ``merge``.

    With ``merge`` a row whose primary key exists is overwritten by the file's row and the
    others are added. All or nothing. Returns the row counts per model.
    """
    if not merge and not tracker_is_empty():
        raise DumpError(
            "This database already holds tracker data; restore into an empty database, or "
            "pass --force-merge to overwrite rows with the same ids and keep the others."
        )
    header, records = _parse(lines)
    allowed = set(model_labels(bool(header.get("history"))))
    user_cache: dict[str, int] = {}
    counts: dict[str, int] = {}
    batch: list[dict] = []
    batch_label = None
    touched: list = []

    def flush():
        if batch:
            _write(apps.get_model(batch_label), batch, merge=merge, users=user_cache)
            counts[batch_label] = counts.get(batch_label, 0) + len(batch)
            batch.clear()

    for number, record in records:
        label = record["model"]
        if label not in allowed:
            raise DumpError(f"Line {number}: model “{label}” is not one this dump may hold.")
        if label != batch_label or len(batch) >= CHUNK:
            flush()
            if label != batch_label:
                touched.append(apps.get_model(label))
            batch_label = label
        batch.append(record)
    flush()
    expected = header.get("counts") or {}
    for label, count in expected.items():
        if counts.get(label, 0) != count:
            raise DumpError(
                f"The header promises {count} rows of {label} but the file holds "
                f"{counts.get(label, 0)}; the file is truncated or edited."
            )
    _reset_sequences(touched)
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
        unknown = set(data) - set(fields) - set(m2m)
        if unknown:
            raise DumpError(f"{model._meta.label_lower} #{record['pk']}: unknown {sorted(unknown)}")
        values = {}
        for name, field in fields.items():
            if name not in data:
                continue
            raw = data[name]
            if _is_user_fk(field):
                values[field.attname] = _user_id(raw, users)
            elif raw is not None and isinstance(field, models.DateTimeField):
                values[field.attname] = datetime.datetime.fromisoformat(raw)
            elif raw is not None and isinstance(field, models.DateField):
                values[field.attname] = datetime.date.fromisoformat(raw)
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
