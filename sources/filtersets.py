"""Filters for sources and documents, shared by the API and the reports."""

import django_filters
from django.db.models import Q

from factcheck.filters import (
    BooleanFilter,
    MultipleChoiceFilter,
    NullsLastOrderingFilter,
    SourceFilter,
    StrictFilterSet,
)
from factcheck.moments import MomentFilter

from .choices import DocumentKind, Reliability, SourceKind
from .models import Document, Source

SOURCE_HELP = "Slug or name of a source, any case."


class SourceFilterSet(StrictFilterSet):
    kind = MultipleChoiceFilter(
        choices=SourceKind.choices, help_text="Source kind; several allowed."
    )
    reliability = MultipleChoiceFilter(
        choices=Reliability.choices, help_text="Admiralty reliability letter(s)."
    )
    country = django_filters.CharFilter(
        field_name="country", lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 code."
    )
    is_anonymous = BooleanFilter(field_name="is_anonymous", help_text="true or false.")
    affiliated_with = SourceFilter(field_name="affiliated_with", help_text=SOURCE_HELP)
    search = django_filters.CharFilter(
        method="filter_search", help_text="Words in name or description."
    )
    ordering = NullsLastOrderingFilter(fields=("name", "kind", "reliability", "updated_at", "id"))

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(name__icontains=word) | Q(description__icontains=word))
        return queryset


class DocumentFilterSet(StrictFilterSet):
    publisher = SourceFilter(field_name="publisher", help_text=SOURCE_HELP)
    kind = MultipleChoiceFilter(
        choices=DocumentKind.choices, help_text="Document kind; several allowed."
    )
    published_after = MomentFilter(
        field_name="published_at",
        lookup_expr="gte",
        help_text="Inclusive: a date (YYYY-MM-DD, from the start of that day) or a date-time "
        "with offset (2024-04-22T09:00:00Z).",
    )
    published_before = MomentFilter(
        field_name="published_at",
        lookup_expr="lte",
        help_text="Inclusive: a date (YYYY-MM-DD, to the end of that day) or a date-time "
        "with offset (2024-04-22T12:00:00Z).",
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="Words in title, author or URL."
    )
    ordering = NullsLastOrderingFilter(fields=("published_at", "title", "id"))

    class Meta:
        model = Document
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(author__icontains=word) | Q(url__icontains=word)
            )
        return queryset
