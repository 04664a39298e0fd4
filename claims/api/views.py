"""Claims, hops, disputes and topics over /api/v1/.

Thin viewsets: reads come from ``claims.selectors``, filters from ``claims.filtersets``,
and every write goes through ``claims.services`` so the API enforces exactly the rules the
admin does (same-claim cites, no cycles, origins assert, protected deletes).
"""

from django.db import transaction
from django.http import Http404
from rest_framework import exceptions

from claims import exports, selectors, services
from claims.filtersets import (
    AttributionFilterSet,
    ClaimFilterSet,
    DisputeFilterSet,
    TopicFilterSet,
)
from claims.models import Topic
from factcheck.viewsets import TrackerModelViewSet

from .serializers import (
    AttributionSerializer,
    ClaimSerializer,
    DisputeSerializer,
    TopicSerializer,
)


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


class ClaimViewSet(TrackerModelViewSet):
    """Claims with their hops, chains and disputes; every filter of the design."""

    csv_filename = "claims"
    queryset = selectors.claim_list()
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet

    def csv_header(self) -> list[str]:
        return exports.CLAIM_CSV_HEADER

    def csv_row(self, obj) -> list:
        return exports.claim_csv_row(obj)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        verdict = data.pop("verdict", None)
        explanation = data.pop("verdict_explanation", "")
        with transaction.atomic():
            claim = services.claim_create(**data)
            if (verdict and verdict != claim.verdict) or explanation:
                # Setting a verdict records who reviewed the claim and when.
                services.verdict_set(
                    claim=claim,
                    verdict=verdict or claim.verdict,
                    explanation=explanation,
                    user=self.request.user,
                )
        serializer.instance = self.get_queryset().get(pk=claim.pk)

    def perform_update(self, serializer):
        claim = serializer.instance
        data = dict(serializer.validated_data)
        chain_lines = data.pop("chain_lines", "")
        topics = data.pop("topics", None)
        verdict = data.pop("verdict", claim.verdict)
        explanation = data.pop("verdict_explanation", claim.verdict_explanation)
        with transaction.atomic():
            if data or topics is not None:
                claim = services.claim_update(claim, topics=topics, **data)
            if verdict != claim.verdict or explanation != claim.verdict_explanation:
                services.verdict_set(
                    claim=claim, verdict=verdict, explanation=explanation, user=self.request.user
                )
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
