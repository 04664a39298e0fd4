"""The base viewset of /api/v1/ and the error responses its OpenAPI schema documents.

Kept apart from ``factcheck.api`` because that module is named in ``REST_FRAMEWORK``
settings, which ``rest_framework.views`` reads while it is being imported.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import (
    exceptions,
    negotiation,
    parsers,
    renderers,
    serializers,
    status,
    viewsets,
)

from factcheck.api import (
    ConditionalWriteMixin,
    CSVExportMixin,
    ListOnlyFilteringMixin,
    LockedWritesMixin,
)


class StrictContentNegotiation(negotiation.DefaultContentNegotiation):
    """``?format=`` names one of the view's formats, or the request is a 400 that lists them.

    DRF answers an unknown format with a bare 404, which reads as "no such object" and is
    not what the schema documents. An empty ``?format=`` means the default, as an empty
    filter does.
    """

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            known = ", ".join(
                sorted({r.format for r in renderers if r.format and r.format != "api"})
            )
            raise exceptions.ValidationError(
                {"format": [f"Unknown format “{format}”; use one of: {known}."]}
            )
        return matching


class SafeJSONParser(parsers.JSONParser):
    """JSON whose nesting is too deep for the decoder is a 400, not a RecursionError (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply."
            ) from None


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class JSONErrorsMixin:
    """Error bodies are JSON whatever format was asked for (a CSV client still gets a message).

    The exception handler switches most errors to JSON already; this also covers the
    responses it builds itself (409 for a refused delete), and turns a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` into a 413 with a message (Django's own answer is a bare
    HTML 400).
    """

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            exc = RequestTooLarge(
                f"The request body is larger than {limit} bytes ({limit // 1024} KiB), "
                "the most this API accepts."
            )
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and renderer.format != "json":
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


#: Query parameters every request may carry (content negotiation), whatever its action.
ALWAYS_ALLOWED_PARAMS = frozenset({"format"})

#: (viewset class, action) → the query parameters that action documents; they never change
#: while the process runs, so each is worked out once.
_documented_params: dict[tuple[type, str], frozenset[str]] = {}


def documented_query_params(view) -> frozenset[str]:
    """The query parameters the view's current action declares in its OpenAPI schema.

    The schema is the contract (``@extend_schema(parameters=[...])``, e.g. ``as_of`` on a
    claim's detail, ``limit`` on ``similar/``), so what it documents is exactly what the
    action accepts: one declaration, no second list to keep in step.
    """
    key = (type(view), view.action)
    if key not in _documented_params:
        method = getattr(type(view), view.action, None)
        schema_class = getattr(method, "kwargs", {}).get("schema")
        names = set()
        if schema_class is not None:  # an undecorated action documents no parameters
            schema = schema_class()
            schema.view = view
            for parameter in schema.get_override_parameters():
                if (
                    isinstance(parameter, OpenApiParameter)
                    and parameter.location == OpenApiParameter.QUERY
                ):
                    names.add(parameter.name)
        _documented_params[key] = frozenset(names)
    return _documented_params[key]


def refuse_unknown_params(request, known) -> None:
    """A 400 naming every query parameter of ``request`` that is not in ``known``."""
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        listed = ", ".join(sorted(known))
        raise exceptions.ValidationError(
            {
                name: [f"Unknown query parameter “{name}”. Known parameters: {listed}."]
                for name in unknown
            }
        )


class StrictQueryParamsMixin:
    """Detail routes, writes and actions reject unknown query parameters with a 400, as lists
    do (there the FilterSet names them): ``/claims/10/?foo=1`` or ``/similar/?limt=3`` must
    not silently answer as if the parameter were not there.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        action = getattr(self, "action", None)
        if action is None or action == "list":
            return  # lists: StrictFilterBackend checks against the filterset
        refuse_unknown_params(request, ALWAYS_ALLOWED_PARAMS | documented_query_params(self))


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 412: one message."""

    detail = serializers.CharField()


#: The 400 body: messages keyed by the field or query parameter at fault. A parse error
#: (malformed JSON) comes as {"detail": "..."}; a list or nested field's errors are keyed
#: by index, so a value may be a message, a list of messages or an object of them.
BAD_INPUT_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
        ]
    },
}


class ReferencedErrorSerializer(serializers.Serializer):
    """409: a delete refused, with what still rests on the object."""

    detail = serializers.CharField()
    references = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="What still rests on the object (a refused delete).",
    )


class TrackerAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the error responses every endpoint can give."""

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        filters = filterset_class.base_filters if filterset_class else {}
        for parameter in parameters:
            # A filter class with a schema override (BooleanFilter, SlugFilter) loses the
            # filter's own help text in drf-spectacular; put it back.
            help_text = getattr(filters.get(parameter["name"]), "extra", {}).get("help_text")
            if help_text and not parameter.get("description"):
                parameter["description"] = str(help_text)
            schema = parameter.get("schema", {})
            target = schema.get("items", schema)
            # Integer choices (credibility) are declared as strings for the form field;
            # the schema should list them as the integers they are.
            enum = target.get("enum")
            if (
                target.get("type") == "integer"
                and enum
                and all(isinstance(value, str) and value.isdigit() for value in enum)
            ):
                target["enum"] = [int(value) for value in enum]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        method = self.method.upper()
        is_detail = "{" in self.path
        # None: the 400 body (BAD_INPUT_SCHEMA). Every operation can answer 400: an unknown
        # ?format= is one, whatever else the operation takes.
        errors: dict[str, object] = {"400": None, "401": ErrorSerializer}
        if method not in ("GET", "HEAD", "OPTIONS"):
            errors["403"] = ErrorSerializer
        # A detail's object may not exist; a list's page may not (?page=999 → "Invalid page.").
        if is_detail or method == "GET":
            errors["404"] = ErrorSerializer
        if is_detail and method in ("PUT", "PATCH", "DELETE"):
            errors["412"] = ErrorSerializer
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            errors["409"] = ReferencedErrorSerializer
        if method == "DELETE":
            errors["409"] = ReferencedErrorSerializer
        if method in ("POST", "PUT", "PATCH"):
            errors["413"] = ErrorSerializer
        for code, serializer in errors.items():
            if code in responses:
                continue
            if serializer is None:
                responses[code] = {
                    "content": {"application/json": {"schema": BAD_INPUT_SCHEMA}},
                    "description": "Bad input: messages keyed by the field or parameter at fault.",
                }
            else:
                responses[code] = self._get_response_for_code(
                    serializer, code, media_types=["application/json"]
                )
        return responses


class TrackerModelViewSet(
    JSONErrorsMixin,
    LockedWritesMixin,
    StrictQueryParamsMixin,
    ListOnlyFilteringMixin,
    CSVExportMixin,
    ConditionalWriteMixin,
    viewsets.ModelViewSet,
):
    """The base of every /api/v1/ resource: strict list filters, strict query parameters on
    every other action, CSV, If-Match checked under the row lock, writes in one retried
    transaction, error schema.

    Subclasses stay declarative (queryset, serializer_class, filterset_class) and route
    writes to the services in ``perform_create``/``perform_update``/``perform_destroy``.
    """

    schema = TrackerAutoSchema()
    content_negotiation_class = StrictContentNegotiation
    parser_classes = [SafeJSONParser, parsers.FormParser, parsers.MultiPartParser]
