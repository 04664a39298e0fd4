"""Filter building blocks shared by every FilterSet: strict parameters, comma lists, slugs.

A misspelt filter must never silently return everything, so a FilterSet built on
``StrictFilterSet`` reports unknown parameters and bad values as errors keyed by the
parameter's name; the API turns them into a 400 and the reports show them on the page.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.forms.utils import ErrorDict, ErrorList
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from factcheck import limits

# Parameters that are not filters but every list understands.
PAGING_PARAMS = frozenset({"page", "page_size", "format", "bom"})


class CommaSeparatedMultipleWidget(forms.SelectMultiple):
    """Reads ``?v=a&v=b`` and ``?v=a,b`` alike."""

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        raw = getlist(name) if getlist else [data.get(name)] if name in data else []
        values = []
        for item in raw:
            if item is None:
                continue
            values += [part.strip() for part in str(item).split(",") if part.strip()]
        return values


def listed_choice_errors(choices) -> dict:
    """Form error messages for a choice filter that list the allowed values."""
    allowed = ", ".join(str(value) for value, _label in choices)
    return {"invalid_choice": f"“%(value)s” is not a valid choice. Allowed values: {allowed}."}


class ChoiceFilter(django_filters.ChoiceFilter):
    """One choice; an unknown value is an error listing the allowed ones."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", listed_choice_errors(kwargs["choices"]))
        super().__init__(*args, **kwargs)


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """Exact match on one of several choices; repeat the parameter or comma-separate."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", listed_choice_errors(kwargs["choices"]))
        kwargs.setdefault("widget", CommaSeparatedMultipleWidget)
        kwargs.setdefault("lookup_expr", "in")
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class StrictBooleanField(forms.Field):
    """``true``/``false`` (also 1/0, yes/no); anything else is an error, not 'no filter'."""

    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(
            f"“{value}” is not a boolean; use true or false.", code="invalid"
        )


@extend_schema_field(OpenApiTypes.BOOL)  # tells the OpenAPI schema what the field_class parses
class BooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField

    def filter(self, qs, value):
        if value is None:
            return qs
        if self.method:  # pragma: no cover - django-filter routes methods itself
            return qs
        return qs.filter(**{self.field_name: value})


class SlugChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "No %(model)s with the slug “%(value)s”."}

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if exc.code == "invalid_choice":
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": value, "model": self.queryset.model._meta.verbose_name},
                ) from exc
            raise


@extend_schema_field(OpenApiTypes.STR)  # a slug; never enumerate the table into the schema
class SlugFilter(django_filters.ModelChoiceFilter):
    """A filter whose value is a slug of an existing row; an unknown slug is an error."""

    field_class = SlugChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


class StrictOrderingItems:
    """Mixed into django-filter's ordering field: every comma-separated item must be one of
    the allowed values.

    django-filter passes empty items through (``?ordering=,`` became ``['', '']`` and a
    ``KeyError`` 500) and says only "Select a valid choice" for an unknown one. Here both
    are a 400 that lists what is allowed. A wholly empty ``?ordering=`` still means the
    default order, like any empty filter: the reports' forms submit every field.
    """

    def clean(self, value):
        if value is None:
            return None
        allowed = [choice for choice, _label in self.choices if choice]
        names = sorted(choice for choice in allowed if not choice.startswith("-"))
        hint = f"Allowed: {', '.join(names)} (prefix “-” for descending)."
        items = [str(item).strip() for item in value]
        problems = []
        if len(items) > 1 and "" in items:
            problems.append(f"Empty item in ordering “{','.join(value)}”. {hint}")
        for item in items:
            if item and item not in allowed:
                problems.append(f"Unknown ordering “{item}”. {hint}")
        if problems:
            raise forms.ValidationError(problems, code="invalid_choice")
        return [item for item in items if item]


class SourceReferenceFormField(forms.Field):
    """A source named by its slug or its name, any case (``sources.selectors``' resolver)."""

    def to_python(self, value):
        from sources import selectors  # factcheck is imported before the apps' models

        text = " ".join(str(value or "").split())
        if not text:
            return None
        source = selectors.source_by_reference(text)
        if source is None:
            raise forms.ValidationError(
                selectors.unknown_source_message(text), code="invalid_choice"
            )
        return source


@extend_schema_field(OpenApiTypes.STR)  # a slug or a name; never enumerate the table
class SourceFilter(django_filters.Filter):
    """A filter whose value names an existing source by slug or name; an unknown one is an
    error that lists close matches."""

    field_class = SourceReferenceFormField

    def __init__(self, *args, **kwargs):
        kwargs.pop("queryset", None)  # the resolver knows its table
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        if self.method:  # pragma: no cover - django-filter routes methods itself
            return qs
        return qs.filter(**{self.field_name: value})


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Ordering where empty values sort last on every database, with ``id`` as tiebreak.

    Only a nullable column gets ``NULLS LAST``: on a NOT NULL column (``id``,
    ``dispute_count``) PostgreSQL cannot tell that it means nothing, and an ``ORDER BY id
    DESC NULLS LAST`` cannot walk the primary key: at a million claims it sorted every
    match instead (700 ms where the index walk takes 1.4 ms). The nullable orderings have
    an index in each direction (claims migrations 0002 and 0017).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # django-filter builds the CSV choice field class in __init__; put the strict
        # item check in front of it.
        self.field_class = type("StrictOrderingField", (StrictOrderingItems, self.field_class), {})

    def get_ordering_value(self, param, model=None):
        descending = param.startswith("-")
        name = self.param_map[param[1:] if descending else param]
        nullable = True
        if model is not None:
            try:
                nullable = model._meta.get_field(name).null
            except FieldDoesNotExist:
                pass
        if not nullable:
            return F(name).desc() if descending else F(name).asc()
        return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(param, qs.model) for param in value]
        last = value[-1]
        tiebreak = "-id" if last.startswith("-") else "id"
        if last.lstrip("-") != "id":
            ordering.append(tiebreak)
        return qs.order_by(*ordering)


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that treats unknown query parameters as errors naming them."""

    extra_params: frozenset = PAGING_PARAMS

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # Only the filters the request names are copied, built into a form and run: the
        # claim filterset has some forty, and deep-copying all of them and their form fields
        # cost about 7 ms a request, a quarter of a list page (bench/RESULTS.md). A filter
        # that is not named applies nothing, so the result is the same.
        if data is not None and prefix is None:
            self.base_filters = {
                name: filter_ for name, filter_ in type(self).base_filters.items() if name in data
            }
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.__dict__.pop("base_filters", None)

    def known_params(self) -> set[str]:
        return set(type(self).base_filters) | set(self.extra_params)

    def unknown_params(self) -> list[str]:
        if not self.is_bound:
            return []
        known = self.known_params()
        return sorted(key for key in self.data.keys() if key not in known)

    def too_long_params(self) -> list[str]:
        """Parameters with a value over ``limits.QUERY_VALUE`` characters.

        Checked before any filter runs: a 100,000-character ``?search=`` became 50,000
        ``LIKE`` conditions, which SQLite refused as an ``OperationalError`` (a 503).
        """
        if not self.is_bound:
            return []
        getlist = getattr(self.data, "getlist", None)
        too_long = []
        for key in self.data.keys():
            values = getlist(key) if getlist else [self.data[key]]
            if any(len(str(value)) > limits.QUERY_VALUE for value in values if value):
                too_long.append(key)
        return sorted(too_long)

    def is_valid(self) -> bool:
        if self.too_long_params():
            return False
        return super().is_valid() and not self.unknown_params()

    @property
    def errors(self):
        too_long = self.too_long_params()
        if too_long:
            # The values are not handed to the filters at all, so their other errors
            # (which would quote the huge value back) are not worked out either.
            return ErrorDict(
                {
                    name: ErrorList(
                        [
                            f"“{name}” is longer than {limits.QUERY_VALUE} characters, "
                            "the most a query parameter may be."
                        ]
                    )
                    for name in too_long
                }
            )
        errors = ErrorDict(self.form.errors)
        unknown = self.unknown_params()
        if unknown:
            known = ", ".join(sorted(self.known_params()))
            for name in unknown:
                errors[name] = ErrorList(
                    [f"Unknown query parameter “{name}”. Known parameters: {known}."]
                )
        return errors
