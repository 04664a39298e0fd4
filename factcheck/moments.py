"""Moments: when a statement was made or published, to the day or to the second.

News moves within a day (Reuters reports at 09:00, the militia denies at 18:00), but most
sources give only a date. A moment is therefore either a day (``2024-04-22``) or a time
(``2024-04-22T18:00:00Z``), and keeps its precision (DESIGN.md "Times").

Stored form: one normalised ISO 8601 string, ``YYYY-MM-DD`` for a day and
``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds) for a time. Because every value has the same
fixed layout, string order is time order, and a day sorts before every time on that day
(its start, UTC), on PostgreSQL and SQLite alike, with plain B-tree indexes and no per-vendor
SQL. Readers get the stored string back, so a day stays a day and a time comes back in UTC.

This module is the one place that parses, normalises, formats and compares moments: the
model field (``MomentField``), the form field the admin uses, the DRF field, the
django-filter filter and the admin list filter all call ``parse_moment``, ``start_of`` and
``end_of`` below.
"""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

DAY = "day"
TIME = "time"

PLACEHOLDER = "2024-04-22 or 2024-04-22T18:00Z"
HELP_TEXT = (
    "A date (2024-04-22) or a date and time with its offset (2024-04-22T18:00:00Z, "
    "2024-04-22T21:00:00+03:00); times are kept in UTC."
)
# The longest stored form: "2024-04-22T18:00:00Z".
MAX_LENGTH = 20

_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# ISO 8601 extended format only (what every API and feed writes): a date, "T" or a space,
# hours and minutes, optional seconds and fraction, optional offset. A bare hour or the
# basic format (20240422T1800) is refused rather than guessed at.
_TIME_RE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<clock>\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)"
    r"\s*(?P<offset>Z|z|[+-]\d{2}(?::?\d{2})?)?"
)


class MomentError(ValueError):
    """A value that is not a date or an ISO 8601 date-time with an offset; says why."""


class Moment(str):
    """A normalised moment: the stored string, which also knows its precision.

    A ``str`` so that it compares, sorts, hashes and serialises (JSON, CSV, templates) as
    exactly what is stored; build one with ``parse_moment``, which normalises.
    """

    __slots__ = ()

    @property
    def precision(self) -> str:
        """``day`` for a date, ``time`` for a date and time."""
        return DAY if len(self) == 10 else TIME

    @property
    def is_day(self) -> bool:
        """True when only the day is known."""
        return len(self) == 10

    @property
    def date(self) -> datetime.date:
        """The calendar day (UTC for a time)."""
        return datetime.date.fromisoformat(self[:10])

    @property
    def start(self) -> datetime.datetime:
        """The earliest instant it can mean: the time itself, or 00:00 UTC of the day."""
        if self.is_day:
            return datetime.datetime.combine(self.date, datetime.time.min, tzinfo=datetime.UTC)
        return datetime.datetime.fromisoformat(self)

    @property
    def end(self) -> datetime.datetime:
        """The latest instant it can mean: the time itself, or the last microsecond of the day."""
        if self.is_day:
            return datetime.datetime.combine(self.date, datetime.time.max, tzinfo=datetime.UTC)
        return datetime.datetime.fromisoformat(self)

    @property
    def xsd_type(self) -> str:
        """The XML Schema datatype of its text: ``date`` or ``dateTime``."""
        return "date" if self.is_day else "dateTime"

    def isoformat(self) -> str:
        """The ISO 8601 text, as stored (so code written for ``date.isoformat()`` still works)."""
        return str(self)

    def display(self) -> str:
        """How a reader sees it: ``2024-04-22`` or ``2024-04-22 18:00 UTC``."""
        if self.is_day:
            return str(self)
        clock = self[11:16] if self.endswith(":00Z") else self[11:19]
        return f"{self[:10]} {clock} UTC"

    def __repr__(self) -> str:
        return f"Moment({str(self)!r})"


def _from_datetime(value: datetime.datetime, raw) -> Moment:
    if timezone.is_naive(value):
        raise MomentError(
            f"“{raw}” has no offset: give one, e.g. "
            f"{value:%Y-%m-%dT%H:%M}:00Z for UTC or {value:%Y-%m-%dT%H:%M}:00+03:00."
        )
    try:
        utc = value.astimezone(datetime.UTC)
    except OverflowError as exc:
        raise MomentError(f"“{raw}” is out of range once converted to UTC.") from exc
    # Whole seconds: sources never give fractions, and one fixed width keeps string order.
    # Built by hand: strftime("%Y") does not pad years before 1000 on every platform.
    return Moment(
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )


def parse_moment(value) -> Moment | None:
    """``value`` (a date, an aware datetime or text) as a normalised ``Moment``; None if empty.

    Text is ``YYYY-MM-DD`` or an ISO 8601 date-time with an offset (``Z``, ``+03:00``); a
    date-time is converted to UTC. Raises ``MomentError`` saying what is wrong, e.g. for a
    date-time without an offset, which would be a guess about which day it was.
    """
    if value is None:
        return None
    if isinstance(value, Moment):
        return value
    if isinstance(value, datetime.datetime):
        return _from_datetime(value, value.isoformat())
    if isinstance(value, datetime.date):
        return Moment(value.isoformat())
    if not isinstance(value, str):
        raise MomentError(
            f"Give a date (2024-04-22) or a date-time with an offset (2024-04-22T18:00:00Z), "
            f"not {type(value).__name__}."
        )
    text = value.strip()
    if not text:
        return None
    if _DAY_RE.fullmatch(text):
        try:
            return Moment(datetime.date.fromisoformat(text).isoformat())
        except ValueError as exc:
            raise MomentError(f"Enter a valid date: “{text}” is not a real date ({exc}).") from exc
    match = _TIME_RE.fullmatch(text)
    if match is None:
        raise MomentError(
            f"Enter a valid date or date-time: “{text[:40]}” is neither a date (2024-04-22) "
            "nor an ISO 8601 date-time with an offset (2024-04-22T18:00:00Z, "
            "2024-04-22T21:00:00+03:00)."
        )
    offset = match["offset"] or ""
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif offset and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:] or '00'}"
    clock = match["clock"].replace(",", ".")
    try:
        moment = datetime.datetime.fromisoformat(f"{match['date']}T{clock}{offset}")
    except ValueError as exc:
        raise MomentError(
            f"Enter a valid date-time: “{text}” is not a real date and time ({exc})."
        ) from exc
    return _from_datetime(moment, text)


def start_of(value) -> Moment | None:
    """The lower bound a filter compares with: a day is its start, so ``>= day`` takes the day."""
    return parse_moment(value)


def end_of(value) -> Moment | None:
    """The upper bound a filter compares with: a day means its whole day (its last second),
    so ``<= end_of("2024-04-22")`` includes 18:00 that day; a time is itself."""
    moment = parse_moment(value)
    if moment is None or not moment.is_day:
        return moment
    return Moment(f"{moment}T23:59:59Z")


def on_or_before(moment, bound) -> bool:
    """True when ``moment`` is no later than ``bound`` (a day bound meaning its whole day);
    False when there is no moment (nothing says it had happened by then)."""
    moment = parse_moment(moment)
    return moment is not None and moment <= end_of(bound)


def from_datetime(value: datetime.datetime | None) -> Moment | None:
    """An aware datetime (e.g. a row's ``created_at``) as a time-precision moment."""
    return None if value is None else _from_datetime(value, value.isoformat())


# ---------------------------------------------------------------------------- model field


class MomentField(models.CharField):
    """A date or an instant, stored as its normalised ISO 8601 string (see module docstring)."""

    description = "A date, or a date and time (UTC)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("help_text", HELP_TEXT)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        """Leave the defaults out of migrations."""
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == MAX_LENGTH:
            del kwargs["max_length"]
        if kwargs.get("help_text") == HELP_TEXT:
            del kwargs["help_text"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        """Stored text back as a ``Moment`` (it was normalised on the way in)."""
        return None if value is None else Moment(value)

    def to_python(self, value):
        """Any accepted input as a ``Moment``; a ``ValidationError`` that says what is wrong."""
        try:
            return parse_moment(value)
        except MomentError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def get_prep_value(self, value):
        """The normalised string the database stores and compares."""
        moment = self.to_python(value)
        return None if moment is None else str(moment)

    def formfield(self, **kwargs):
        """The admin's text input that takes either form."""
        return super().formfield(**{"form_class": MomentFormField, **kwargs})


# ---------------------------------------------------------------------------- forms


class MomentInput(forms.TextInput):
    """A text input with the two accepted forms as its placeholder."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(
            {
                "placeholder": PLACEHOLDER,
                "size": 22,
                "autocomplete": "off",
                "spellcheck": "false",
                **(attrs or {}),
            }
        )

    def format_value(self, value):
        """Show what is stored, so saving the form unchanged changes nothing."""
        return None if value in (None, "") else str(value)


class MomentFormField(forms.CharField):
    """A form field taking a date or a date-time with an offset; cleans to a ``Moment``."""

    widget = MomentInput

    def __init__(self, *, max_length=None, empty_value=None, **kwargs):
        # The model field's max_length is the stored width, not a limit on what people type
        # ("2024-04-22T21:00:00+03:00" is longer and valid); bound the input generously.
        kwargs.setdefault("help_text", HELP_TEXT)
        super().__init__(max_length=64, empty_value=None, **kwargs)

    def to_python(self, value):
        """The typed text as a ``Moment`` or None."""
        value = super().to_python(value)
        try:
            return parse_moment(value)
        except MomentError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


# ---------------------------------------------------------------------------- API field

# What the API accepts, for the OpenAPI schema: a date, or a date-time with an offset.
MOMENT_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?))?$"
)
MOMENT_SCHEMA = {
    "type": "string",
    "pattern": MOMENT_PATTERN,
    "example": "2024-04-22T18:00:00Z",
    "description": (
        "A date (2024-04-22) or an ISO 8601 date-time with an offset (2024-04-22T18:00:00Z); "
        "given back as a date, or as a UTC date-time ending in Z."
    ),
}


@extend_schema_field(MOMENT_SCHEMA)
class MomentSerializerField(serializers.Field):
    """DRF field: input a date or a date-time with an offset; output the stored form."""

    default_error_messages = {"invalid": "{message}"}

    def __init__(self, **kwargs):
        # ModelSerializer passes the stored width as max_length; input may be longer
        # ("2024-04-22T21:00:00+03:00") and is bounded by parse_moment's pattern instead.
        kwargs.pop("max_length", None)
        kwargs.pop("min_length", None)
        kwargs.pop("allow_blank", None)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        """A ``Moment``, or None for "" when the field may be empty; a 400 naming the field
        otherwise (DRF keys the errors by field name)."""
        try:
            moment = parse_moment(data)
        except MomentError as exc:
            self.fail("invalid", message=str(exc))
        if moment is None and not self.allow_null:
            self.fail("null")
        return moment

    def to_representation(self, value):
        """``2024-04-22`` for a day, ``2024-04-22T18:00:00Z`` for a time."""
        moment = parse_moment(value)
        return None if moment is None else str(moment)


# ---------------------------------------------------------------------------- filters


# A filter parameter's schema: the parameter's own description says what the bound means.
MOMENT_FILTER_SCHEMA = {"type": "string", "pattern": MOMENT_PATTERN, "example": "2024-04-22"}


@extend_schema_field(MOMENT_FILTER_SCHEMA)
class MomentFilter(django_filters.Filter):
    """A filter bound taking a date or a date-time with an offset.

    ``lookup_expr="gte"`` is an "after" bound (a date means from the start of that day),
    ``"lte"`` a "before" bound (a date means to the end of that day, so
    ``reported_before=2024-04-22`` includes 18:00 that day).
    """

    field_class = MomentFormField

    def filter(self, qs, value):
        """Compare with the day's start or end according to the bound."""
        if value in (None, ""):
            return qs
        if self.method is not None:  # a method filter decides what the bound means
            return super().filter(qs, value)
        if self.lookup_expr in ("lte", "lt"):
            value = end_of(value)
        elif self.lookup_expr in ("gte", "gt"):
            value = start_of(value)
        return super().filter(qs, str(value))


class MomentListFilter(admin.SimpleListFilter):
    """Admin sidebar filter on a moment column: the past week, month or year, or no date.

    Django's own date filters need a DateField; this one compares stored strings, which the
    column's index serves.
    """

    field_name = ""
    # Whole days (a day-only moment has no hour to compare), counted back from today, UTC.
    periods = (
        ("7", "Past 7 days"),
        ("31", "Past 31 days"),
        ("365", "Past year"),
        ("none", "No date"),
    )

    def lookups(self, request, model_admin):
        """The periods offered."""
        return self.periods

    def queryset(self, request, queryset):
        """Rows whose moment falls in the chosen period (days counted from today, UTC)."""
        value = self.value()
        if not value:
            return queryset
        if value not in dict(self.periods):
            # The admin answers this with its "?e=1" page instead of a server error.
            raise IncorrectLookupParameters(f"Unknown period “{value}”.")
        if value == "none":
            return queryset.filter(**{f"{self.field_name}__isnull": True})
        since = timezone.now() - datetime.timedelta(days=int(value))
        # A day-precision moment on the first day counts: compare with that day's start.
        return queryset.filter(**{f"{self.field_name}__gte": since.date().isoformat()})

    @classmethod
    def on(cls, field_name: str, title: str) -> type[MomentListFilter]:
        """A filter class for ``field_name``, titled ``title``."""
        return type(
            f"{field_name.title().replace('_', '')}MomentFilter",
            (cls,),
            {"field_name": field_name, "parameter_name": field_name, "title": title},
        )


# ---------------------------------------------------------------------------- migrations


def moment_column_operation(model_name: str, field_name: str, field, *, was_datetime: bool):
    """A migration operation turning a DateField (or DateTimeField) column into ``field``, a
    ``MomentField``, keeping every value: a date becomes ``YYYY-MM-DD`` (day precision), a
    datetime ``YYYY-MM-DDTHH:MM:SSZ`` (UTC).

    Written per database rather than as a bare ``AlterField``: PostgreSQL's default cast
    depends on the session's DateStyle and would cut a timestamp to the column width, and
    SQLite keeps datetimes as ``2024-04-22 18:00:00``. Reversible (a time keeps its day).
    """
    from django.db import migrations

    def column(apps, schema_editor):
        model = apps.get_model(*model_name.split("."))
        return model, model._meta.get_field(field_name)

    def forward(apps, schema_editor):
        model, old = column(apps, schema_editor)
        table, name = model._meta.db_table, old.column
        qn = schema_editor.quote_name
        if schema_editor.connection.vendor == "postgresql":
            text = (
                f"to_char({qn(name)} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                if was_datetime
                else f"to_char({qn(name)}, 'YYYY-MM-DD')"
            )
            schema_editor.execute(
                f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(name)} "
                f"TYPE varchar({MAX_LENGTH}) USING {text}"
            )
            return
        new = field.clone()
        new.set_attributes_from_name(field_name)
        schema_editor.alter_field(model, old, new)
        if was_datetime:
            # SQLite stores an aware datetime as naive UTC text, "2024-04-22 18:00:00[.ffffff]".
            schema_editor.execute(
                f"UPDATE {qn(table)} SET {qn(name)} = strftime('%Y-%m-%dT%H:%M:%SZ', {qn(name)}) "
                f"WHERE {qn(name)} IS NOT NULL"
            )

    def backward(apps, schema_editor):
        model, new = column(apps, schema_editor)
        table, name = model._meta.db_table, new.column
        qn = schema_editor.quote_name
        if schema_editor.connection.vendor == "postgresql":
            text = (
                f"(CASE WHEN length({qn(name)}) = 10 THEN {qn(name)} || 'T00:00:00Z' "
                f"ELSE {qn(name)} END)::timestamptz"
                if was_datetime
                else f"left({qn(name)}, 10)::date"
            )
            kind = "timestamp with time zone" if was_datetime else "date"
            schema_editor.execute(
                f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(name)} TYPE {kind} USING {text}"
            )
            return
        old = (models.DateTimeField if was_datetime else models.DateField)(null=True, blank=True)
        old.set_attributes_from_name(field_name)
        expression = (
            f"CASE WHEN length({qn(name)}) = 10 THEN {qn(name)} || ' 00:00:00' "
            f"ELSE replace(substr({qn(name)}, 1, 19), 'T', ' ') END"
            if was_datetime
            else f"substr({qn(name)}, 1, 10)"
        )
        schema_editor.execute(
            f"UPDATE {qn(table)} SET {qn(name)} = {expression} WHERE {qn(name)} IS NOT NULL"
        )
        schema_editor.alter_field(model, new, old)

    app_label, model = model_name.split(".")
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model, name=field_name, field=field)],
        database_operations=[migrations.RunPython(forward, backward)],
    )
