"""JSON shapes of sources and documents. Translation only: every rule lives in the services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator, validate_unicode_slug
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from factcheck.moments import MomentField, MomentSerializerField
from sources import selectors, services
from sources.models import Document, Source

SOURCE_REFERENCE_HELP = (
    "A source, by its slug or its exact name, any case; answers name it by slug. "
    "An unknown one is a 400 that lists close matches."
)
NEW_SOURCE_HELP = (
    " A new source may be named with its kind in brackets, as in chain lines: "
    "“CENTCOM [military]”, “Kataib Hezbollah [armed_group, part of Popular Mobilization "
    "Forces]”; it is created in the same request."
)


@extend_schema_field(
    {"type": "string", "description": "Slug or name of a source (any case).", "example": "reuters"}
)
class SourceReferenceField(serializers.RelatedField):
    """A source named by slug or name (``sources.selectors.source_by_reference``); given back
    as its slug, the contract's name for a source.

    With ``allow_new`` a bracketed reference (``CENTCOM [military]``) creates the source; the
    creation happens in the service's transaction, after every other field has validated.
    """

    default_error_messages = {"unknown": "{message}", "blank": "Name a source (slug or name)."}

    def __init__(self, *, allow_new: bool = False, **kwargs):
        self.allow_new = allow_new
        kwargs.setdefault("queryset", Source.objects.all())
        kwargs.setdefault("style", {"base_template": "input.html"})  # a text box, not a <select>
        kwargs.setdefault(
            "help_text", SOURCE_REFERENCE_HELP + (NEW_SOURCE_HELP if allow_new else "")
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, Source):
            return data
        if not isinstance(data, str):
            self.fail("unknown", message="A source is named by a string: its slug or its name.")
        text = " ".join(data.split())
        if not text:
            self.fail("blank")
        source = selectors.source_by_reference(text)
        if source is not None:
            return source
        if self.allow_new and text.endswith("]"):
            plan = services.SourcePlan()
            try:
                return plan.reference(text)  # a NewSource; the service applies the plan
            except DjangoValidationError as exc:
                self.fail("unknown", message=" ".join(exc.messages))
        self.fail("unknown", message=selectors.unknown_source_message(text))

    def to_representation(self, value):
        return value.slug

    def get_choices(self, cutoff=None):
        # The browsable API would list every source in a <select>; a text box is enough.
        return {}


class WebAddressField(serializers.URLField):
    """A URL; one typed without its scheme (``aljazeera.com``) gets https, as in the admin."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = services.url_with_scheme(data)
            except DjangoValidationError:
                pass  # URLField's own validation says what is wrong with it
        return super().to_internal_value(data)


class ListedChoiceField(serializers.ChoiceField):
    """A choice whose error lists the allowed values, so a client can correct it at once."""

    default_error_messages = {
        "invalid_choice": "“{input}” is not a valid choice. Allowed values: {allowed}."
    }

    def fail(self, key, **kwargs):
        if key == "invalid_choice":
            kwargs["allowed"] = ", ".join(str(value) for value in self.choices)
        return super().fail(key, **kwargs)


class UnicodeSlugField(serializers.CharField):
    """A slug that may hold letters of any script (``قناة-الاختبار``), checked by Django's
    unicode slug validator. A plain string in the schema: OpenAPI patterns follow ECMA-262,
    whose ``\\w`` is ASCII only, so a ``[-\\w]+`` pattern would wrongly call such a slug
    invalid."""

    def __init__(self, *, allow_unicode: bool = True, **kwargs):
        super().__init__(**kwargs)
        # The model's RegexValidator would put that pattern in the schema; the same check runs
        # here as a plain function instead.
        self.validators = [v for v in self.validators if not isinstance(v, RegexValidator)]
        self.validators.append(slug_of_any_script)


def slug_of_any_script(value: str) -> None:
    """Letters of any script, digits, hyphens and underscores (Django's unicode slug rule)."""
    try:
        validate_unicode_slug(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


class StrictFieldsMixin:
    """Reject body fields the resource does not have, so a misspelt field is a 400, not a no-op.

    Read-only fields are accepted (and ignored) so that a GET body can be edited and PUT back.
    Also maps moment columns (``factcheck.moments``) to the field that takes a date or a
    date-time with an offset and gives back what is stored.
    Model URL fields accept an address without its scheme; choice errors list the values.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        MomentField: MomentSerializerField,
        models.URLField: WebAddressField,
        models.SlugField: UnicodeSlugField,
    }
    serializer_choice_field = ListedChoiceField

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
    """A source; ``affiliated_with`` names another source (slug or name)."""

    affiliated_with = SourceReferenceField(required=False, allow_null=True)

    class Meta:
        model = Source
        fields = ["id", *services.SOURCE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness (slug, case-insensitive name) is checked once, by the service.
        validators: list = []
        extra_kwargs = {"slug": {"validators": [], "required": False}}


class DocumentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A document; ``publisher`` names a source (slug or name)."""

    publisher = SourceReferenceField(required=False, allow_null=True)

    class Meta:
        model = Document
        fields = ["id", *services.DOCUMENT_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # URL uniqueness is checked once, by the service.
        validators: list = []
