"""``reviews/``: fact-checkers' reviews of claims (many per claim), read and written via the
services in ``claims.reviews``. ``author`` and ``claimant`` are source slugs."""

from __future__ import annotations

from rest_framework import exceptions, serializers

from claims import reviews
from claims.choices import ReviewVerdict, VerdictBasis
from claims.filtersets import ReviewFilterSet
from claims.models import Claim, Review
from factcheck.viewsets import TrackerModelViewSet
from sources.api.serializers import SourceReferenceField, StrictFieldsMixin


class ReviewSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """One fact-checker's review of a claim, with its rating as published and its verdict."""

    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    author = SourceReferenceField(
        help_text="The fact-checker who published the review (slug or name)."
    )
    claimant = SourceReferenceField(
        required=False,
        allow_null=True,
        help_text="Who made the claim, as the review names them (slug or name).",
    )
    verdict = serializers.ChoiceField(choices=ReviewVerdict.choices, required=False)
    verdict_basis = serializers.ChoiceField(
        choices=VerdictBasis.choices,
        read_only=True,
        help_text="table, scale, or editor (any verdict set over this API).",
    )
    appearances = serializers.JSONField(
        required=False,
        help_text='URLs, or objects {"url", "publisher", "headline", "datePublished"}.',
    )
    claimant_same_as = serializers.JSONField(required=False, help_text="List of URLs.")

    class Meta:
        model = Review
        fields = [
            "id",
            "claim",
            *reviews.REVIEW_FIELDS,
            "imported_from",
            "imported_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "verdict_basis",
            "imported_from",
            "imported_at",
            "created_at",
            "updated_at",
        ]


def _written(fields: dict) -> dict:
    # Over the API a person states the verdict, so its basis is the editor's.
    if "verdict" in fields:
        fields["verdict_basis"] = VerdictBasis.EDITOR
    return fields


class ReviewViewSet(TrackerModelViewSet):
    """Reviews: what AFP, Lupa or the editors published about a claim. Writing one never
    changes the claim's own verdict."""

    csv_filename = "reviews"
    queryset = Review.objects.select_related("author", "claimant").order_by(
        "claim_id", "published_at", "id"
    )
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet

    def perform_create(self, serializer):
        data = _written(dict(serializer.validated_data))
        review = reviews.review_create(user=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=review.pk)

    def perform_update(self, serializer):
        review = serializer.instance
        data = _written(dict(serializer.validated_data))
        claim = data.pop("claim", None)
        if claim is not None and claim.pk != review.claim_id:
            raise exceptions.ValidationError(
                {
                    "claim": [
                        f"A review cannot move to another claim (it belongs to claim "
                        f"#{review.claim_id}); delete it and add a new one to claim #{claim.pk}."
                    ]
                }
            )
        reviews.review_update(review, user=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=review.pk)

    def perform_destroy(self, instance):
        reviews.review_delete(instance, user=self.request.user)
