"""Claims, hops, disputes and topics over /api/v1/.

Thin viewsets: reads come from ``claims.selectors``, filters from ``claims.filtersets``,
and every write goes through ``claims.services`` so the API enforces exactly the rules the
admin does (same-claim cites, no cycles, origins assert, protected deletes).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import csv_export, exports, rows, selectors, services
from claims.filtersets import (
    AttributionFilterSet,
    ClaimFilterSet,
    DisputeFilterSet,
    TopicFilterSet,
)
from claims.models import Claim, Topic
from factcheck.moments import on_or_before
from factcheck.viewsets import TrackerModelViewSet

from .serializers import (
    AttributionSerializer,
    ClaimSerializer,
    DisputeSerializer,
    SimilarClaimSerializer,
    TopicSerializer,
)

AS_OF_PARAMETER = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description=(
        "Show the claim as known on this date (YYYY-MM-DD): hops and disputes stated by then, "
        "the verdict and credibility of that day; 404 when the claim was not reported yet."
    ),
)
LIKELY_DUPLICATES = 5


class ClaimWrittenSerializer(ClaimSerializer):
    """A claim as a create or update answers it: the claim plus its likely duplicates."""

    likely_duplicates = SimilarClaimSerializer(
        many=True,
        read_only=True,
        help_text="Up to 5 existing claims whose text is most like this one's: a warning only.",
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "likely_duplicates"]


def similar_rows(pairs) -> list[dict]:
    """``selectors.similar_claims`` pairs as ``[{"id", "text", "score"}]``, best first."""
    return [{"id": claim.pk, "text": claim.text, "score": score} for claim, score in pairs]


def refuse_move(obj, data: dict, what: str) -> None:
    """A hop or dispute belongs to one claim for good; naming another one is a 400."""
    claim = data.pop("claim", None)
    if claim is not None and claim.pk != obj.claim_id:
        raise exceptions.ValidationError(
            {
                "claim": [
                    f"A {what} cannot move to another claim (it belongs to claim "
                    f"#{obj.claim_id}); delete it and add a new one to claim #{claim.pk}."
                ]
            }
        )


@extend_schema_view(
    retrieve=extend_schema(parameters=[AS_OF_PARAMETER]),
    create=extend_schema(request=ClaimSerializer, responses={201: ClaimWrittenSerializer}),
    update=extend_schema(request=ClaimSerializer, responses={200: ClaimWrittenSerializer}),
    partial_update=extend_schema(request=ClaimSerializer, responses={200: ClaimWrittenSerializer}),
)
class ClaimViewSet(TrackerModelViewSet):
    """Claims with their hops, chains and disputes; every filter of the design."""

    csv_filename = "claims"
    queryset = selectors.claim_list()
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet

    def as_of_day(self):
        """The validated ``as_of`` date of a list or detail request, or None.

        Parsed by the list's own filter, so both read the parameter the same way; a bad date
        is a 400 naming it. A detail ignores the list's other filters, but not this one.
        """
        raw = self.request.query_params.get("as_of")
        if raw is None or self.action not in ("list", "retrieve"):
            return None
        filterset = ClaimFilterSet({"as_of": raw}, queryset=selectors.claim_list())
        if not filterset.is_valid():
            raise exceptions.ValidationError({"as_of": list(filterset.errors["as_of"])})
        return filterset.form.cleaned_data["as_of"]

    def get_object(self):
        obj = super().get_object()
        day = self.as_of_day()
        if day is not None and not on_or_before(obj.first_reported_at, day):
            # The same rule as the list's as_of filter: nobody had reported it by then.
            raise exceptions.NotFound(f"Claim #{obj.pk} had not been reported by {day}.")
        return obj

    def get_serializer(self, *args, **kwargs):
        day = self.as_of_day()
        if day is not None and args:
            # One query for the whole page: each claim's history row in force that day.
            claims = args[0] if kwargs.get("many") else [args[0]]
            context = self.get_serializer_context()
            context["as_of"] = day
            context["verdicts"] = selectors.verdicts_as_of([c.pk for c in claims], day)
            kwargs["context"] = context
        return super().get_serializer(*args, **kwargs)

    def list(self, request, *args, **kwargs):
        kept = self.cached_answer(request)
        if kept is not None:
            return kept
        day = self.as_of_day()
        if day is not None and self.wants_csv():
            raise exceptions.ValidationError(
                {"as_of": ["as_of is not available in CSV exports; ask for JSON."]}
            )
        if day is not None or self.wants_csv():
            return super().list(request, *args, **kwargs)
        # Plain rows, not model instances and serializer fields: the same JSON at a fraction
        # of the CPU (claims/rows.py, bench/RESULTS.md). as_of keeps the serializer path.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows.page_source(queryset))
        return self.get_paginated_response(rows.claims_data(page))

    def retrieve(self, request, *args, **kwargs):
        kept = self.cached_answer(request)
        if kept is not None:
            return kept
        if self.as_of_day() is not None or self.wants_csv():
            return super().retrieve(request, *args, **kwargs)
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            found = list(rows.page_source(Claim.objects.filter(pk=lookup)))
        except (TypeError, ValueError, DjangoValidationError):
            found = []
        if not found:
            raise Http404("No Claim matches the given query.")
        data = rows.claims_data(found)[0]
        response = Response(data)
        response["ETag"] = self.etag_of(data)
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", OpenApiTypes.INT, description="At most this many (1-50).")
        ],
        responses={200: SimilarClaimSerializer(many=True)},
        summary="Likely duplicates of a claim, best first",
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def similar(self, request, pk=None):
        """Claims whose text is most like this one's (trigram similarity 0-1, best first)."""
        claim = self.get_object()
        raw = request.query_params.get("limit", "10")
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            raise exceptions.ValidationError({"limit": [f"“{raw}” is not a whole number 1-50."]})
        return Response(similar_rows(selectors.similar_claims(claim, limit=int(raw))))

    def with_duplicates(self, response):
        """Add ``likely_duplicates`` (top 5, same shape as ``similar/``) to a write's answer:
        a warning for the editor, never a refusal."""
        if response.status_code in (200, 201) and isinstance(response.data, dict):
            claim = Claim(pk=response.data["id"], text=response.data["text"])
            pairs = selectors.similar_claims(claim, limit=LIKELY_DUPLICATES)
            response.data["likely_duplicates"] = similar_rows(pairs)
        return response

    def create(self, request, *args, **kwargs):
        return self.with_duplicates(super().create(request, *args, **kwargs))

    def update(self, request, *args, **kwargs):
        return self.with_duplicates(super().update(request, *args, **kwargs))

    def csv_header(self) -> list[str]:
        return exports.CLAIM_CSV_HEADER

    def csv_row(self, obj) -> list:
        return exports.claim_csv_row(obj)

    def csv_response(self, objects, filename: str):
        if isinstance(objects, QuerySet):
            # Every claim of the filters, written by PostgreSQL where it runs.
            return csv_export.claims_csv_download(objects, filename)
        return super().csv_response(objects, filename)

    def perform_create(self, serializer):
        # The service records the reviewer when a verdict comes with the claim.
        claim = services.claim_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=claim.pk)

    def perform_update(self, serializer):
        claim = serializer.instance
        data = dict(serializer.validated_data)
        chain_lines = data.pop("chain_lines", "")
        topics = data.pop("topics", None)
        with transaction.atomic():
            if data or topics is not None:
                # A changed verdict makes this user the reviewer (services.claim_update).
                claim = services.claim_update(claim, topics=topics, user=self.request.user, **data)
            if chain_lines.strip():
                services.chains_add(claim=claim, lines=services.chain_lines_parse(chain_lines))
        serializer.instance = self.get_queryset().get(pk=claim.pk)

    def perform_destroy(self, instance):
        services.claim_delete(instance)


class AttributionViewSet(TrackerModelViewSet):
    """Hops: who said a claim, where, citing which other hops."""

    csv_filename = "attributions"
    queryset = selectors.hop_queryset()
    serializer_class = AttributionSerializer
    filterset_class = AttributionFilterSet

    def perform_create(self, serializer):
        hop = services.attribution_add(**serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=hop.pk)

    def perform_update(self, serializer):
        hop = serializer.instance
        data = dict(serializer.validated_data)
        refuse_move(hop, data, "hop")
        cites = data.pop("cites", None)
        services.attribution_update(hop, cites=cites, **data)
        serializer.instance = self.get_queryset().get(pk=hop.pk)

    def perform_destroy(self, instance):
        services.attribution_delete(instance)


class DisputeViewSet(TrackerModelViewSet):
    """Disputes: a party contests a claim or one hop of it."""

    csv_filename = "disputes"
    queryset = selectors.dispute_queryset()
    serializer_class = DisputeSerializer
    filterset_class = DisputeFilterSet

    def perform_create(self, serializer):
        dispute = services.dispute_record(**serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=dispute.pk)

    def perform_update(self, serializer):
        dispute = serializer.instance
        data = dict(serializer.validated_data)
        refuse_move(dispute, data, "dispute")
        services.dispute_update(dispute, **data)
        serializer.instance = self.get_queryset().get(pk=dispute.pk)

    def perform_destroy(self, instance):
        services.dispute_delete(instance)


class TopicViewSet(TrackerModelViewSet):
    """Topics, looked up by slug (an id works too)."""

    csv_filename = "topics"
    queryset = Topic.objects.order_by("name", "id")
    serializer_class = TopicSerializer
    filterset_class = TopicFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_object(self):
        try:
            return super().get_object()
        except (Http404, exceptions.NotFound):
            value = self.kwargs[self.lookup_field]
            if not value.isdigit():
                raise
            # Topics are named by slug everywhere, but a client holding only the id from a
            # create response should still reach the topic.
            self.kwargs = {**self.kwargs, self.lookup_field: self._slug_of(int(value))}
            return super().get_object()

    def _slug_of(self, pk: int) -> str:
        slug = Topic.objects.filter(pk=pk).values_list("slug", flat=True).first()
        if slug is None:
            raise exceptions.NotFound()
        return slug

    def perform_create(self, serializer):
        serializer.instance = services.topic_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.topic_update(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.topic_delete(instance)
