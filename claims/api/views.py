"""Claims, hops, disputes and topics over /api/v1/.

Thin viewsets: reads come from ``claims.selectors``, filters from ``claims.filtersets``,
and every write goes through ``claims.services`` so the API enforces exactly the rules the
admin does (same-claim cites, no cycles, origins assert, protected deletes).
"""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import selectors, services
from claims.filtersets import (
    AttributionFilterSet,
    ClaimFilterSet,
    DisputeFilterSet,
    TopicFilterSet,
)
from claims.models import Claim, Topic
from factcheck.api import wants_bom
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
CSV_RESPONSE = OpenApiResponse(
    OpenApiTypes.STR, description="CSV: a header line, then one line a claim (?format=csv)."
)


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
    list=extend_schema(responses={200: ClaimSerializer(many=True)}),
    retrieve=extend_schema(parameters=[AS_OF_PARAMETER], responses={200: ClaimSerializer}),
)
class ClaimViewSet(TrackerModelViewSet):
    """Claims with their hops, chains and disputes; every filter of the design.

    Reads are the claims' stored documents (``claims.projection``): a page is the stored
    JSON of its claims joined, a detail is one, a write answers with the document the write
    stored. Only ``as_of`` builds documents afresh, from the graph as it stood that day.
    """

    csv_filename = "claims"
    queryset = Claim.objects.all()
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
        filterset = ClaimFilterSet({"as_of": raw}, queryset=Claim.objects.none())
        if not filterset.is_valid():
            raise exceptions.ValidationError({"as_of": list(filterset.errors["as_of"])})
        return filterset.form.cleaned_data["as_of"]

    def json_answer(self, body: str, *, status: int = 200, etag: bool = False):
        """A stored document (or a page of them) as the answer: the JSON text itself, or,
        for the browsable API, the data it holds."""
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format != "json":
            response = Response(json.loads(body), status=status)
        else:
            response = HttpResponse(body, status=status, content_type="application/json")
        if etag:
            response["ETag"] = selectors.document_etag(body)
        return response

    def document_answer(self, pk: int, *, status: int = 200):
        body = selectors.stored_document(pk)
        if body is None:
            raise Http404(f"No claim #{pk}.")
        return self.json_answer(body, status=status, etag=True)

    def list(self, request, *args, **kwargs):
        day = self.as_of_day()
        if self.wants_csv():
            if day is not None:
                raise exceptions.ValidationError(
                    {"as_of": ["as_of is not available in CSV exports; ask for JSON."]}
                )
            queryset = self.filter_queryset(self.get_queryset())
            return selectors.claims_csv_download(queryset, "claims.csv", bom=wants_bom(request))
        queryset = self.filter_queryset(self.get_queryset())
        if day is not None:
            page = self.paginate_queryset(queryset.values_list("pk", flat=True))
            return self.get_paginated_response(selectors.documents_as_of(page, day))
        page = selectors.served_texts(self.paginate_queryset(selectors.document_rows(queryset)))
        head = json.dumps(self.paginator.page_head(), ensure_ascii=False)
        return self.json_answer(head[:-1] + ',"results":[' + ",".join(page) + "]}")

    def retrieve(self, request, *args, **kwargs):
        pk = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if not str(pk).isdigit() or int(pk) > 2**63 - 1:
            raise Http404("No Claim matches the given query.")
        pk = int(pk)
        if self.wants_csv():
            row = list(selectors.stored_csv_rows(Claim.objects.filter(pk=pk)))
            if not row:
                raise Http404(f"No claim #{pk}.")
            lines = selectors.csv_lines(row)
            return selectors.csv_download_of(lines, f"claims-{pk}.csv", bom=wants_bom(request))
        day = self.as_of_day()
        if day is not None:
            [document] = selectors.documents_as_of([pk], day, missing_ok=True) or [None]
            if document is None:
                raise exceptions.NotFound(f"Claim #{pk} had not been reported by {day}.")
            return Response(document)
        return self.document_answer(pk)

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

    # ------------------------------------------------------------------ writes

    def lock_for_write(self, obj) -> None:
        services.claim_lock(obj.pk)

    def current_etag(self, obj) -> str:
        return selectors.document_etag(selectors.stored_document(obj.pk) or "")

    def create(self, request, *args, **kwargs):
        return self._write(self._create, request, *args, **kwargs)

    def _create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The service records the reviewer when a verdict comes with the claim.
        claim = services.claim_create(user=request.user, **serializer.validated_data)
        return self.document_answer(claim.pk, status=201)

    def update(self, request, *args, **kwargs):
        return self._write(self._update, request, *args, **kwargs)

    def _update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        claim = self.get_object()  # locked, If-Match checked under the lock
        serializer = self.get_serializer(claim, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        chain_lines = data.pop("chain_lines", "")
        topics = data.pop("topics", None)
        if data or topics is not None:
            # A changed verdict makes this user the reviewer (services.claim_update).
            claim = services.claim_update(claim, topics=topics, user=request.user, **data)
        if chain_lines.strip():
            services.chains_add(claim=claim, lines=services.chain_lines_parse(chain_lines))
        return self.document_answer(claim.pk)

    def perform_destroy(self, instance):
        services.claim_delete(instance)


class AttributionViewSet(TrackerModelViewSet):
    """Hops: who said a claim, where, citing which other hops."""

    csv_filename = "attributions"
    queryset = selectors.hop_queryset()
    serializer_class = AttributionSerializer
    filterset_class = AttributionFilterSet

    def lock_for_write(self, obj) -> None:
        services.claim_lock(obj.claim_id)  # a hop's rules are its claim's

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

    def lock_for_write(self, obj) -> None:
        services.claim_lock(obj.claim_id)

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
