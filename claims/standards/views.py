"""API endpoints for the open standards: ClaimReview (one claim and the feed) and PROV.

Same authentication, permissions and throttling as the rest of /api/v1/ (the settings'
defaults). A claim without a verdict (``unrated``) has no ClaimReview: its endpoint answers
404 with a message saying so, the way a review not yet published does not exist; the feed
simply leaves such claims out.
"""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors
from claims.choices import Verdict
from claims.filtersets import ClaimFilterSet
from claims.models import Claim
from factcheck.api import StrictFilterBackend
from factcheck.viewsets import JSONErrorsMixin, StrictContentNegotiation, TrackerAutoSchema

from .claimreview import claim_review, is_reviewed
from .w3cprov import claim_prov, prov_json, prov_n, prov_turtle


class JSONLDRenderer(renderers.JSONRenderer):
    """JSON-LD is JSON; a client asking for ``application/ld+json`` gets it by that name."""

    media_type = "application/ld+json"
    format = "jsonld"


def base_url(request) -> str:
    """Scheme and host the request came in on, for absolute URLs in linked data."""
    return request.build_absolute_uri("/").rstrip("/")


class ClaimReviewView(JSONErrorsMixin, APIView):
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


class ClaimReviewSerializer(serializers.Serializer):
    """Read-only: a reviewed claim's stored document (JSON text) as its ClaimReview."""

    def to_representation(self, instance):
        return claim_review(json.loads(instance), base_url=base_url(self.context["request"]))


@extend_schema_view(get=extend_schema(summary="ClaimReview feed of every reviewed claim"))
class ClaimReviewFeedView(JSONErrorsMixin, generics.ListAPIView):
    """Paginated ClaimReview JSON-LD of every reviewed claim; takes the claims' filters."""

    schema = TrackerAutoSchema()
    content_negotiation_class = StrictContentNegotiation

    renderer_classes = [renderers.JSONRenderer, JSONLDRenderer]
    queryset = Claim.objects.exclude(verdict=Verdict.UNRATED)
    serializer_class = ClaimReviewSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = ClaimFilterSet
    action = "list"  # read by StrictFilterBackend, which rejects unknown parameters on lists

    def paginate_queryset(self, queryset):
        return super().paginate_queryset(selectors.document_texts(queryset))


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
