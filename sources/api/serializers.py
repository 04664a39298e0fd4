"""JSON shapes of sources and documents. Translation only: every rule lives in the services."""

from rest_framework import serializers

from factcheck.moments import MomentField, MomentSerializerField
from sources import services
from sources.models import Document, Source


class StrictFieldsMixin:
    """Reject body fields the resource does not have, so a misspelt field is a 400, not a no-op.

    Read-only fields are accepted (and ignored) so that a GET body can be edited and PUT back.
    Also maps moment columns (``factcheck.moments``) to the field that takes a date or a
    date-time with an offset and gives back what is stored.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        MomentField: MomentSerializerField,
    }

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                known = ", ".join(name for name, f in self.fields.items() if not f.read_only)
                raise serializers.ValidationError(
                    {
                        name: [f"Unknown field “{name}”. Writable fields: {known}."]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class SourceSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A source; ``affiliated_with`` is the slug of another source."""

    affiliated_with = serializers.SlugRelatedField(
        slug_field="slug", queryset=Source.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Source
        fields = ["id", *services.SOURCE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness (slug, case-insensitive name) is checked once, by the service.
        validators: list = []
        extra_kwargs = {"slug": {"validators": [], "required": False}}


class DocumentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A document; ``publisher`` is the slug of a source."""

    publisher = serializers.SlugRelatedField(
        slug_field="slug", queryset=Source.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Document
        fields = ["id", *services.DOCUMENT_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # URL uniqueness is checked once, by the service.
        validators: list = []
