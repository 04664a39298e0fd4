"""API endpoints for the open standards: ClaimReview (a claim's verdict, one review, the feed)
and PROV.

Same authentication, permissions and throttling as the rest of /api/v1/ (the settings'
defaults). A claim without a verdict (``unrated``) has no ClaimReview of the editors: its
endpoint answers 404 with a message saying so, the way a review not yet published does not
exist. Each fact-checker's review has its own (``reviews/{id}/claimreview/``), under its own
author. The feed publishes both: per claim, the editors' verdict when there is one, then
every review, so a claim with reviews and no verdict of ours is in it too.
"""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors
from claims.filtersets import ClaimFilterSet
from claims.models import Claim, Review
from factcheck.api import StrictFilterBackend
from factcheck.viewsets import (
    ALWAYS_ALLOWED_PARAMS,
    JSONErrorsMixin,
    StrictContentNegotiation,
    TrackerAutoSchema,
    refuse_unknown_params,
)

from .claimreview import claim_review, claim_reviews, is_reviewed, review_claim_review
from .w3cprov import claim_prov, prov_json, prov_n, prov_turtle


class JSONLDRenderer(renderers.JSONRenderer):
    """JSON-LD is JSON; a client asking for ``application/ld+json`` gets it by that name."""

    media_type = "application/ld+json"
    format = "jsonld"


def base_url(request) -> str:
    """Scheme and host the request came in on, for absolute URLs in linked data."""
    return request.build_absolute_uri("/").rstrip("/")


class StrictParamsMixin:
    """A one-object endpoint takes no query parameters but ``format``: ``?fromat=jsonld`` is
    a 400 naming it, as on every other detail route, not an answer as if it were absent."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_unknown_params(request, ALWAYS_ALLOWED_PARAMS)


class ClaimReviewView(StrictParamsMixin, JSONErrorsMixin, APIView):
    """schema.org ClaimReview JSON-LD of one reviewed claim, from its stored document."""

    # The API's error responses (400, 401, 404) documented, and ?format= checked, as on
    # every other endpoint.
    schema = TrackerAutoSchema()
    content_negotiation_class = StrictContentNegotiation

    renderer_classes = [renderers.JSONRenderer, JSONLDRenderer]
    queryset = Claim.objects.all()

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="ClaimReview of one claim")
    def get(self, request, pk: int):
        text = selectors.stored_document(pk)
        if text is None:
            raise exceptions.NotFound(f"No claim #{pk}.")
        claim = json.loads(text)
        if not is_reviewed(claim):
            raise exceptions.NotFound(
                f"Claim #{pk} has no verdict yet (unrated), so it has no ClaimReview; "
                "set a verdict first."
            )
        return Response(claim_review(claim, base_url=base_url(request)))


class ReviewClaimReviewView(StrictParamsMixin, JSONErrorsMixin, APIView):
    """schema.org ClaimReview JSON-LD of one fact-checker's review, under its own author,
    from its claim's stored document."""

    schema = TrackerAutoSchema()
    content_negotiation_class = StrictContentNegotiation

    renderer_classes = [renderers.JSONRenderer, JSONLDRenderer]
    queryset = Review.objects.all()  # read by the model permissions: view a review

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary="ClaimReview of one review",
        description=(
            "The review as its fact-checker published it: `author` is the fact-checker "
            "(never this tracker), `url` the review's own page, `reviewRating` the rating "
            "in the publisher's words and scale, `itemReviewed` the claim as the review "
            "states it (claimant with `sameAs`, claim date, appearances)."
        ),
    )
    def get(self, request, pk: int):
        # One query: the stored document of the claim this review belongs to.
        texts = selectors.served_texts(
            selectors.document_rows(Claim.objects.filter(reviews__pk=pk))[:1]
        )
        text = texts[0] if texts else None
        review = None
        if text is not None:
            claim = json.loads(text)
            review = next((r for r in claim["reviews"] if r["id"] == pk), None)
        if review is None:
            raise exceptions.NotFound(f"No review #{pk}.")
        return Response(review_claim_review(claim, review))


class ClaimReviewSerializer(serializers.Serializer):
    """Read-only: one ClaimReview of the feed (JSON-LD object)."""

    def to_representation(self, instance):
        return instance


@extend_schema_view(
    get=extend_schema(
        summary="ClaimReview feed: the editors' verdicts and every published review",
        description=(
            "A page of claims (`count` counts claims), each giving its ClaimReviews in "
            "`results`: the editors' verdict under this tracker's name when the claim has one, "
            "then each fact-checker's review under its own author. Claims with reviews but "
            "no verdict of ours are included. Takes the claims' filters."
        ),
    )
)
class ClaimReviewFeedView(JSONErrorsMixin, generics.ListAPIView):
    """Paginated ClaimReview JSON-LD of every claim with a verdict or a review; takes the
    claims' filters. A page is the stored documents of a page of claims (two queries with
    the count), flattened: no query per claim or per review."""

    schema = TrackerAutoSchema()
    content_negotiation_class = StrictContentNegotiation

    renderer_classes = [renderers.JSONRenderer, JSONLDRenderer]
    queryset = selectors.claims_with_claimreviews()
    serializer_class = ClaimReviewSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = ClaimFilterSet
    action = "list"  # read by StrictFilterBackend, which rejects unknown parameters on lists

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = selectors.served_texts(self.paginate_queryset(selectors.document_rows(queryset)))
        root = base_url(request)
        items = [item for text in page for item in claim_reviews(json.loads(text), base_url=root)]
        return self.get_paginated_response(self.get_serializer(items, many=True).data)


class ProvJSONRenderer(renderers.BaseRenderer):
    """PROV-JSON (W3C member submission); JSON for error bodies."""

    media_type = "application/json"
    format = "json"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode()
        return renderers.JSONRenderer().render(data)


class TurtleRenderer(ProvJSONRenderer):
    """PROV-O as Turtle (``?format=ttl`` or ``Accept: text/turtle``)."""

    media_type = "text/turtle"
    format = "ttl"


class ProvNRenderer(ProvJSONRenderer):
    """PROV-N, the W3C's notation for people (``?format=provn`` or
    ``Accept: text/provenance-notation``)."""

    media_type = "text/provenance-notation"
    format = "provn"


# Each format of the PROV endpoint: how its text is written, and its content type.
PROV_FORMATS = {
    "json": (prov_json, "application/json"),
    "ttl": (prov_turtle, "text/turtle; charset=utf-8"),
    "provn": (prov_n, "text/provenance-notation; charset=utf-8"),
}


class ClaimProvView(APIView):
    """The claim's provenance as a W3C PROV document, from its stored document: PROV-JSON,
    Turtle with ``?format=ttl``, PROV-N with ``?format=provn``."""

    renderer_classes = [ProvJSONRenderer, TurtleRenderer, ProvNRenderer]
    schema = TrackerAutoSchema()
    content_negotiation_class = StrictContentNegotiation
    queryset = Claim.objects.all()

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/turtle"): OpenApiTypes.STR,
            (200, "text/provenance-notation"): OpenApiTypes.STR,
        },
        summary="PROV of one claim",
        description=(
            "The claim's W3C PROV document: PROV-JSON, PROV-O Turtle (`?format=ttl`) or "
            "PROV-N (`?format=provn`). Its `factcheck:` terms are in the namespace "
            "`<FACTCHECK_PUBLISHER_URL>/ns#` (the tracker's own address when that is unset)."
        ),
    )
    def get(self, request, pk: int):
        text = selectors.stored_document(pk)
        if text is None:
            raise exceptions.NotFound(f"No claim #{pk}.")
        base = base_url(request)
        document = claim_prov(json.loads(text), base_url=base)
        write, content_type = PROV_FORMATS[request.accepted_renderer.format]
        return Response(write(document), content_type=content_type)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON whatever format was asked for, as everywhere in the API.
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)
