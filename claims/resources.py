"""Spreadsheet import/export (CSV, XLSX) of sources, documents and claims with their hops.

django-import-export resources. Its import runs every row inside a transaction first and
shows a preview with row-level errors; only a confirmed import is kept. Rows are written
through the services (``save_instance`` below), never by ``Model.save()``, so a spreadsheet
obeys the same rules as the admin and the API (unique names, affiliations without loops,
chains of known sources, derived columns refreshed).

A claim row's ``chain`` column holds chain lines, one per line (``US officials + Iraqi
officials → Reuters → Antiwar.com``), fed to ``services.chain_lines_parse``/``chains_add``;
exported claims carry their chains in the same syntax, so an export imports back.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, ValidationError
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from claims import provenance, selectors, services
from claims.models import Claim, Topic
from sources import services as source_services
from sources.models import Document, Source


class SlugWidget(widgets.ForeignKeyWidget):
    """A source named by its slug; an unknown slug is a row error that says which."""

    def __init__(self):
        super().__init__(Source, field="slug")

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        try:
            return super().clean(value, row, **kwargs)
        except Source.DoesNotExist:
            raise ValueError(f"No source has the slug “{value}”.") from None


def with_allowed_values(error: ValidationError, model) -> ValidationError:
    """``error`` with each invalid-choice message followed by the values its field allows.

    A spreadsheet row with ``kind = broadcaster`` should say what to write instead, not only
    that the value is wrong.
    """
    if not hasattr(error, "error_dict"):
        return error
    fixed = {}
    for name, errors in error.error_dict.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        allowed = [str(value) for value, _ in field.flatchoices] if field and field.choices else []
        fixed[name] = [
            ValidationError(f"{item.messages[0]} Allowed values: {', '.join(allowed)}.")
            if allowed and item.code == "invalid_choice"
            else item
            for item in errors
        ]
    return ValidationError(fixed)


class ServiceResource(resources.ModelResource):
    """A ModelResource whose writes go through a create and an update service."""

    service_fields: set[str] = set()

    def service_data(self, instance) -> dict:
        """The instance's importable fields as keyword arguments for the services."""
        return {name: getattr(instance, name) for name in self.service_fields}

    def create(self, data: dict):  # pragma: no cover - overridden
        raise NotImplementedError

    def update(self, instance, data: dict):  # pragma: no cover - overridden
        raise NotImplementedError

    def save_instance(self, instance, is_create, row, **kwargs):
        """Write through the services; their ValidationError becomes the row's error."""
        data = self.service_data(instance)
        try:
            if is_create:
                saved = self.create(data)
            else:
                saved = self.update(instance, data)
        except ValidationError as exc:
            raise with_allowed_values(exc, self._meta.model) from None
        instance.pk = saved.pk
        for name in ("slug",):
            if hasattr(saved, name):
                setattr(instance, name, getattr(saved, name))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The services run full_clean with every cross-row rule; running it here as well
        # would report the same error twice.
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def delete_instance(self, instance, row, **kwargs):
        raise ValidationError("Deleting through a spreadsheet is not supported.")


class SourceResource(ServiceResource):
    """Sources, keyed by slug; ``affiliated_with`` is the slug of the parent source."""

    affiliated_with = fields.Field(
        attribute="affiliated_with",
        column_name="affiliated_with",
        widget=SlugWidget(),
    )
    service_fields = set(source_services.SOURCE_FIELDS)

    class Meta:
        model = Source
        import_id_fields = ["slug"]
        fields = list(source_services.SOURCE_FIELDS)
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Source.objects.select_related("affiliated_with").order_by("name", "id")

    def create(self, data):
        return source_services.source_create(**data)

    def update(self, instance, data):
        return source_services.source_update(instance, **data)


class DocumentResource(ServiceResource):
    """Documents, keyed by id (blank to add); ``publisher`` is a source slug."""

    publisher = fields.Field(
        attribute="publisher",
        column_name="publisher",
        widget=SlugWidget(),
    )
    service_fields = set(source_services.DOCUMENT_FIELDS)

    class Meta:
        model = Document
        fields = ["id", *source_services.DOCUMENT_FIELDS]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Document.objects.select_related("publisher").order_by("id")

    def create(self, data):
        return source_services.document_create(**data)

    def update(self, instance, data):
        return source_services.document_update(instance, **data)


class ChainWidget(widgets.Widget):
    """A claim's chains as chain lines, one per line (export); raw text kept for import."""

    def clean(self, value, row=None, **kwargs):
        return (value or "").strip()

    def render(self, value, obj=None, **kwargs):
        if obj is None or obj.pk is None:
            return ""
        return "\n".join(
            " → ".join(" + ".join(s.name for s in step) for step in chain_steps(c))
            for c in provenance.chains(obj.attributions.all())
        )


def chain_steps(chain) -> list[list[Source]]:
    """A chain as steps of one source each (chains are single paths)."""
    return [[hop.source] for hop in chain.hops]


class ClaimResource(ServiceResource):
    """Claims with topics (slugs) and a ``chain`` column of chain lines creating the hops.

    Derived columns (first reported, disputes, origins) are exported read-only.
    """

    topics = fields.Field(
        attribute="topics",
        column_name="topics",
        widget=widgets.ManyToManyWidget(Topic, field="slug", separator=","),
    )
    chain = fields.Field(attribute="chain_text", column_name="chain", widget=ChainWidget())
    first_reported_at = fields.Field(
        attribute="first_reported_at", column_name="first_reported_at", readonly=True
    )
    dispute_count = fields.Field(
        attribute="dispute_count", column_name="dispute_count", readonly=True
    )
    origins = fields.Field(column_name="origins", readonly=True)
    service_fields = {"text", "occurred_at", "location", "verdict", "verdict_explanation"}

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "occurred_at",
            "location",
            "topics",
            "verdict",
            "verdict_explanation",
            "credibility",
            "chain",
            "first_reported_at",
            "dispute_count",
            "origins",
        ]
        export_order = fields
        skip_unchanged = False

    def get_queryset(self):
        return selectors.claim_list().order_by("id")

    def dehydrate_origins(self, claim):
        return ", ".join(s.slug for s in provenance.origin_sources(claim.attributions.all()))

    def dehydrate_chain(self, claim):
        return self.fields["chain"].widget.render(None, obj=claim)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # Topics and chain lines are applied by the services after the claim is saved.
        if field.column_name in ("topics", "chain"):
            if field.column_name in row:
                value = field.clean(row, **kwargs)
                setattr(instance, f"_import_{field.column_name}", value)
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if "topics" in row:
            # Many-to-many columns are skipped by import_instance; read the slugs here.
            instance._import_topics = self.fields["topics"].clean(row, **kwargs)
        chain = getattr(instance, "_import_chain", "")
        # Check the chain lines before anything is written: an unknown source is a row error.
        instance._import_lines = services.chain_lines_parse(chain) if chain else []

    def save_m2m(self, instance, row, **kwargs):
        pass  # the services set topics in save_instance

    def save_instance(self, instance, is_create, row, **kwargs):
        data = {name: getattr(instance, name) for name in self.service_fields}
        data["credibility"] = instance.credibility
        topics = getattr(instance, "_import_topics", None)
        topic_list = list(topics) if topics is not None else None
        if is_create:
            claim = services.claim_create(topics=topic_list or (), **data)
        else:
            claim = services.claim_update(instance, topics=topic_list, **data)
        if instance._import_lines:
            services.chains_add(claim=claim, lines=instance._import_lines)
        instance.pk = claim.pk


class SpreadsheetAdminMixin(ImportExportMixin):
    """Import/Export buttons for an admin: CSV and XLSX only (what newsrooms use; no YAML
    or HTML parsing of uploads). Set ``resource_classes`` on the admin."""

    formats = [CSV, XLSX]
