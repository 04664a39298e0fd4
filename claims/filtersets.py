"""Claim, hop and dispute filters, shared by the API, the reports and the CSV export.

Every filter on related rows is an ``EXISTS`` subquery over indexed columns: no join that
multiplies claims, no ``DISTINCT`` (DESIGN.md, "Performance by design").
"""

import django_filters
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from factcheck.filters import (
    BooleanFilter,
    ChoiceFilter,
    MultipleChoiceFilter,
    NullsLastOrderingFilter,
    SlugFilter,
    SourceFilter,
    StrictFilterSet,
)
from factcheck.moments import MomentFilter, end_of
from sources.choices import SourceKind

from . import selectors
from .choices import (
    Credibility,
    DisputeKind,
    Relation,
    Resolution,
    ReviewVerdict,
    Verdict,
    VerdictBasis,
)
from .models import Attribution, Claim, Dispute, Review, Topic

SOURCE_HELP = "Slug or name of a source, any case."


def hop_exists(*args, **conditions) -> Exists:
    return Exists(Attribution.objects.filter(*args, claim=OuterRef("pk"), **conditions))


class ClaimFilterSet(StrictFilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        help_text=(
            "Words in the claim text, hop quotes and dispute quotes (full-text on PostgreSQL)."
        ),
    )
    source = SourceFilter(
        method="filter_source",
        help_text="Any hop by this source (slug or name).",
    )
    origin = SourceFilter(
        method="filter_origin",
        help_text="An origin hop by this source (slug or name).",
    )
    origin_kind = ChoiceFilter(
        choices=SourceKind.choices,
        method="filter_origin_kind",
        help_text="An origin hop by a source of this kind.",
    )
    origin_anonymous = BooleanFilter(
        method="filter_origin_anonymous", help_text="true: an origin hop by an anonymous source."
    )
    reported_by = SourceFilter(
        method="filter_reported_by",
        help_text="A non-origin hop by this source (slug or name).",
    )
    source_family = SourceFilter(
        method="filter_source_family",
        help_text=(
            "Any hop by this source or a source affiliated with it, transitively (slug or name)."
        ),
    )
    disputed = BooleanFilter(
        method="filter_disputed", help_text="Has a dispute that is not rejected."
    )
    disputed_by = SourceFilter(
        method="filter_dispute",
        help_text="A dispute raised by this source (slug or name).",
    )
    dispute_kind = MultipleChoiceFilter(
        choices=DisputeKind.choices,
        method="filter_dispute",
        help_text="A dispute of this kind; several allowed.",
    )
    dispute_resolution = MultipleChoiceFilter(
        choices=Resolution.choices,
        method="filter_dispute",
        help_text="A dispute with this resolution.",
    )
    verdict = MultipleChoiceFilter(
        choices=Verdict.choices, help_text="Verdict(s); repeat or comma-separate."
    )
    credibility = MultipleChoiceFilter(
        choices=[(str(value), label) for value, label in Credibility.choices],
        help_text="Admiralty credibility 1-6; repeat or comma-separate.",
    )
    reviewed_by = SourceFilter(
        method="filter_review",
        help_text="A review published by this fact-checker (source slug or name).",
    )
    review_verdict = MultipleChoiceFilter(
        choices=ReviewVerdict.choices,
        method="filter_review",
        help_text="A review with this verdict (unmapped included); several allowed.",
    )
    has_review = BooleanFilter(
        method="filter_has_review", help_text="true: reviewed by at least one fact-checker."
    )
    topic = SlugFilter(queryset=Topic.objects.all(), method="filter_topic", help_text="Topic slug.")
    occurred_after = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="gte", help_text="Inclusive."
    )
    occurred_before = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="lte", help_text="Inclusive."
    )
    reported_after = MomentFilter(
        field_name="first_reported_at",
        lookup_expr="gte",
        help_text="Inclusive, on first_reported_at: a date (from the start of that day) or a "
        "date-time with offset (2024-04-22T09:00:00Z).",
    )
    reported_before = MomentFilter(
        field_name="first_reported_at",
        lookup_expr="lte",
        help_text="Inclusive, on first_reported_at: a date (to the end of that day) or a "
        "date-time with offset (2024-04-22T12:00:00Z).",
    )
    min_independent_origins = django_filters.NumberFilter(
        field_name="independent_origin_count",
        lookup_expr="gte",
        min_value=0,
        help_text="At least this many independent origins (distinct source families).",
    )
    single_origin_echo = BooleanFilter(
        field_name="single_origin_echo",
        help_text="true: relayed by 3+ sources but resting on one independent origin.",
    )
    circular_reporting = BooleanFilter(
        field_name="circular_reporting",
        help_text="true: a chain passes through the same source family twice.",
    )
    authorship_contested = BooleanFilter(
        field_name="authorship_contested",
        help_text="true: an open or upheld authorship denial contests one of its hops.",
    )
    refreshing = BooleanFilter(
        method="filter_refreshing",
        help_text="true: claims a change is still being applied to by a background job.",
    )
    as_of = MomentFilter(
        method="filter_as_of",
        help_text=(
            "Show the tracker as known at this moment: a date (the end of that day) or a "
            "date-time with offset (2024-04-22T12:00:00Z). Claims first reported by then, "
            "with the hops, disputes and verdict of that moment."
        ),
    )
    ordering = NullsLastOrderingFilter(
        fields=(
            "first_reported_at",
            "occurred_at",
            "dispute_count",
            "updated_at",
            "id",
            "independent_origin_count",
        ),
        help_text=(
            "first_reported_at, occurred_at, dispute_count, updated_at or id; '-' for descending."
        ),
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_refreshing(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(pending_refresh__isnull=not value)

    # The three dispute filters describe one dispute: ?disputed_by=x&dispute_kind=denial means
    # "x issued a denial", not "x disputed it somehow and someone denied it".
    DISPUTE_FILTERS = {
        "disputed_by": "disputed_by",
        "dispute_kind": "kind__in",
        "dispute_resolution": "resolution__in",
    }

    # Likewise ?reviewed_by=afp&review_verdict=false means "AFP rated it false".
    REVIEW_FILTERS = {"reviewed_by": "author", "review_verdict": "verdict__in"}

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        for model, filters in ((Dispute, self.DISPUTE_FILTERS), (Review, self.REVIEW_FILTERS)):
            conditions = {}
            for name, lookup in filters.items():
                value = self.form.cleaned_data.get(name)
                if value:
                    conditions[lookup] = value
            if conditions:
                queryset = queryset.filter(
                    Exists(model.objects.filter(claim=OuterRef("pk"), **conditions))
                )
        return queryset

    def filter_review(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_has_review(self, queryset, name, value):
        reviewed = Exists(Review.objects.filter(claim=OuterRef("pk")))
        return queryset.filter(reviewed if value else ~reviewed)

    def filter_as_of(self, queryset, name, value):
        # What the hops and disputes looked like that day is drawn by the consumer from
        # provenance.as_of; the filter keeps the claims that were known by then.
        return queryset.filter(first_reported_at__lte=end_of(value))

    def filter_dispute(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchVector

            # Matches the expression of the GIN index made in migration 0002.
            vector = SearchVector("search_document", config="english")
            query = SearchQuery(value, config="english", search_type="websearch")
            return queryset.annotate(search_vector=vector).filter(search_vector=query)
        for word in value.split():
            queryset = queryset.filter(search_document__icontains=word)
        return queryset

    def filter_source(self, queryset, name, value):
        return queryset.filter(hop_exists(source=value))

    def filter_origin(self, queryset, name, value):
        return queryset.filter(hop_exists(source=value, is_origin=True))

    def filter_disputed(self, queryset, name, value):
        return selectors.with_disputed(queryset, value)

    def filter_origin_kind(self, queryset, name, value):
        return selectors.with_origin_kind(queryset, value)

    def filter_origin_anonymous(self, queryset, name, value):
        return selectors.with_origin_anonymous(queryset, value)

    def filter_reported_by(self, queryset, name, value):
        return queryset.filter(hop_exists(source=value, is_origin=False))

    def filter_source_family(self, queryset, name, value):
        return selectors.in_source_family(queryset, value)

    def filter_topic(self, queryset, name, value):
        through = Claim.topics.through
        return queryset.filter(Exists(through.objects.filter(claim_id=OuterRef("pk"), topic=value)))


class AttributionFilterSet(StrictFilterSet):
    claim = django_filters.NumberFilter(field_name="claim_id", help_text="Claim id.")
    source = SourceFilter(field_name="source", help_text=SOURCE_HELP)
    document = django_filters.NumberFilter(field_name="document_id", help_text="Document id.")
    relation = MultipleChoiceFilter(choices=Relation.choices)
    is_origin = BooleanFilter(field_name="is_origin", help_text="true: hops that cite nothing.")
    ordering = NullsLastOrderingFilter(fields=("stated_at", "id"))

    class Meta:
        model = Attribution
        fields: list[str] = []


class DisputeFilterSet(StrictFilterSet):
    claim = django_filters.NumberFilter(field_name="claim_id", help_text="Claim id.")
    disputed_by = SourceFilter(field_name="disputed_by", help_text=SOURCE_HELP)
    kind = MultipleChoiceFilter(choices=DisputeKind.choices)
    resolution = MultipleChoiceFilter(choices=Resolution.choices)
    ordering = NullsLastOrderingFilter(fields=("stated_at", "id"))

    class Meta:
        model = Dispute
        fields: list[str] = []


class TopicFilterSet(StrictFilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Topic
        fields: list[str] = []


class ReviewFilterSet(StrictFilterSet):
    claim = django_filters.NumberFilter(field_name="claim_id", help_text="Claim id.")
    author = SourceFilter(field_name="author", help_text="Fact-checker (slug or name).")
    verdict = MultipleChoiceFilter(
        choices=ReviewVerdict.choices, help_text="Verdict(s); repeat or comma-separate."
    )
    verdict_basis = MultipleChoiceFilter(
        choices=VerdictBasis.choices, help_text="table, scale or editor."
    )
    language = django_filters.CharFilter(
        method="filter_language",
        help_text="BCP 47 language of the review; 'pt' matches pt-BR too.",
    )
    ordering = NullsLastOrderingFilter(fields=("published_at", "id"))

    class Meta:
        model = Review
        fields: list[str] = []

    def filter_language(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # A primary tag asks for its regional variants too; a full tag asks for itself.
        return queryset.filter(Q(language__iexact=value) | Q(language__istartswith=value + "-"))
