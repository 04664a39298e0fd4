"""Sources and documents over /api/v1/: thin viewsets whose writes go through the services."""

from factcheck.viewsets import TrackerModelViewSet
from sources import services
from sources.filtersets import DocumentFilterSet, SourceFilterSet
from sources.models import Document, Source

from .serializers import DocumentSerializer, SourceSerializer


class SourceViewSet(TrackerModelViewSet):
    """Parties that state or relay claims, looked up by slug."""

    csv_filename = "sources"
    queryset = Source.objects.select_related("affiliated_with").order_by("name", "id")
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def perform_create(self, serializer):
        serializer.instance = services.source_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.source_update(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.source_delete(instance)


class DocumentViewSet(TrackerModelViewSet):
    """Places where statements appear: articles, posts, statements."""

    csv_filename = "documents"
    queryset = Document.objects.select_related("publisher")
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet

    def perform_create(self, serializer):
        serializer.instance = services.document_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.document_update(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.document_delete(instance)
