"""The base viewset of /api/v1/ and the error responses its OpenAPI schema documents.

Kept apart from ``factcheck.api`` because that module is named in ``REST_FRAMEWORK``
settings, which ``rest_framework.views`` reads while it is being imported.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers, viewsets

from factcheck.api import ConditionalWriteMixin, CSVExportMixin, ListOnlyFilteringMixin


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 412: one message."""

    detail = serializers.CharField()


class ReferencedErrorSerializer(serializers.Serializer):
    """409: a delete refused, with what still rests on the object."""

    detail = serializers.CharField()
    references = serializers.ListField(child=serializers.CharField())


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
        # None: the 400 body, messages keyed by the field or query parameter at fault.
        errors: dict[str, object] = {"401": ErrorSerializer}
        if method in ("GET",) and not is_detail:
            errors["400"] = None
        if method in ("POST", "PUT", "PATCH"):
            errors["400"] = None
        if method not in ("GET", "HEAD", "OPTIONS"):
            errors["403"] = ErrorSerializer
        if is_detail:
            errors["404"] = ErrorSerializer
        if is_detail and method in ("PUT", "PATCH", "DELETE"):
            errors["412"] = ErrorSerializer
        if method == "DELETE":
            errors["409"] = ReferencedErrorSerializer
        for code, serializer in errors.items():
            if code in responses:
                continue
            if serializer is None:
                schema = {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                }
                responses[code] = {
                    "content": {"application/json": {"schema": schema}},
                    "description": "Bad input: messages keyed by the field or parameter at fault.",
                }
            else:
                responses[code] = self._get_response_for_code(
                    serializer, code, media_types=["application/json"]
                )
        return responses


class TrackerModelViewSet(
    ListOnlyFilteringMixin, CSVExportMixin, ConditionalWriteMixin, viewsets.ModelViewSet
):
    """The base of every /api/v1/ resource: strict list filters, CSV, If-Match, error schema.

    Subclasses stay declarative (queryset, serializer_class, filterset_class) and route
    writes to the services in ``perform_create``/``perform_update``/``perform_destroy``.
    """

    schema = TrackerAutoSchema()
