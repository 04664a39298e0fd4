"""Editors' admin for sources and documents (on the shared base, ``factcheck.admin_base``).

Writes go through ``sources.services``; a delete that evidence still rests on is refused
with a message naming what rests on it, never a 500 or a silent loss.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims.resources import DocumentResource, SourceResource, SpreadsheetAdminMixin
from factcheck.admin_base import ServiceAdmin
from factcheck.moments import MomentListFilter

from . import services
from .models import Document, Source

# Enough to act on; the rest is counted, not listed, so a wire agency's page stays light.
RELATED_LIMIT = 50


def validated(form: forms.ModelForm, check) -> None:
    """Run a service's validation helper on the form's instance; its errors go on the form."""
    if form.errors:
        return
    try:
        check(form.instance)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)


def url_https(field, **kwargs):
    """Form fields for a model form, guessing https for a URL typed without a scheme."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class SourceAdminForm(forms.ModelForm):
    class Meta:
        model = Source
        formfield_callback = url_https
        fields = sorted(services.SOURCE_FIELDS)

    def _post_clean(self):
        super()._post_clean()
        validated(self, services.source_validate)


class DocumentAdminForm(forms.ModelForm):
    class Meta:
        model = Document
        formfield_callback = url_https
        fields = sorted(services.DOCUMENT_FIELDS)

    def _post_clean(self):
        super()._post_clean()
        validated(self, services.document_validate)


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


@admin.register(Source)
class SourceAdmin(SpreadsheetAdminMixin, ServiceAdmin):
    resource_classes = [SourceResource]  # CSV/XLSX import with preview, through the services
    form = SourceAdminForm
    list_display = [
        "name",
        "kind",
        "is_anonymous",
        "reliability",
        "country",
        "affiliation_display",
    ]
    list_filter = ["kind", "reliability", "is_anonymous", "country"]
    list_select_related = ["affiliated_with"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["affiliated_with"]
    readonly_fields = [
        "claims_originated",
        "claims_relayed",
        "disputes_raised_list",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "is_anonymous"]}),
        ("Affiliation", {"fields": ["affiliated_with", "affiliation"]}),
        ("Assessment", {"fields": ["reliability", "country", "url", "description"]}),
        (
            "Where it appears",
            {"fields": ["claims_originated", "claims_relayed", "disputes_raised_list"]},
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    history_list_display = ["kind", "reliability", "affiliated_with"]

    class Media:
        css = {"all": ["claims/admin/provenance.css"]}

    @admin.display(description="affiliation", ordering="affiliated_with__name")
    def affiliation_display(self, obj):
        if not obj.affiliated_with_id:
            return "—"
        return f"{obj.get_affiliation_display()} {obj.affiliated_with}"

    def _claim_links(self, obj, is_origin: bool):
        from claims.models import Attribution, Claim

        if obj is None or obj.pk is None:
            return "—"
        hops = Attribution.objects.filter(claim=OuterRef("pk"), source=obj, is_origin=is_origin)
        claims = Claim.objects.filter(Exists(hops))
        total = claims.count()
        if not total:
            return "none"
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            (
                (reverse("admin:claims_claim_change", args=[claim.pk]), str(claim))
                for claim in claims[:RELATED_LIMIT]
            ),
        )
        more = format_html("<li>… and {} more</li>", total - RELATED_LIMIT)
        return format_html(
            '<ul class="related-claims">{}{}</ul>', rows, more if total > RELATED_LIMIT else ""
        )

    @admin.display(description="claims it originated")
    def claims_originated(self, obj):
        return self._claim_links(obj, is_origin=True)

    @admin.display(description="claims it relayed")
    def claims_relayed(self, obj):
        return self._claim_links(obj, is_origin=False)

    @admin.display(description="disputes it raised")
    def disputes_raised_list(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        disputes = list(
            obj.disputes_raised.select_related("claim").order_by("-stated_at", "-id")[
                : RELATED_LIMIT + 1
            ]
        )
        if not disputes:
            return "none"
        return format_html(
            '<ul class="related-claims">{}</ul>',
            format_html_join(
                "",
                '<li>{} of <a href="{}">{}</a>{}</li>',
                (
                    (
                        d.get_kind_display(),
                        reverse("admin:claims_claim_change", args=[d.claim_id]),
                        str(d.claim),
                        f" · “{d.quote}”" if d.quote else "",
                    )
                    for d in disputes[:RELATED_LIMIT]
                ),
            ),
        )

    def service_create(self, request, obj, form):
        return services.source_create(**_fields(obj, services.SOURCE_FIELDS))

    def service_update(self, request, obj, form, changed):
        services.source_update(
            obj, **_fields(obj, set(changed).intersection(services.SOURCE_FIELDS))
        )

    def service_delete(self, obj):
        services.source_delete(obj)

    def references(self, obj):
        return services.source_references(obj)


@admin.register(Document)
class DocumentAdmin(SpreadsheetAdminMixin, ServiceAdmin):
    resource_classes = [DocumentResource]
    form = DocumentAdminForm
    list_display = ["title", "publisher", "kind", "published_at", "language"]
    # date_hierarchy and Django's date filter need a DateField; published_at is a moment.
    list_filter = ["kind", "language", MomentListFilter.on("published_at", "published")]
    list_select_related = ["publisher"]
    search_fields = ["title", "url", "author", "publisher__name"]
    autocomplete_fields = ["publisher"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["kind", "title", "publisher", "author", "published_at", "language"]}),
        ("Where to find it", {"fields": ["url", "archive_url", "retrieved_at"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    history_list_display = ["title", "publisher", "published_at"]

    def service_create(self, request, obj, form):
        return services.document_create(**_fields(obj, services.DOCUMENT_FIELDS))

    def service_update(self, request, obj, form, changed):
        services.document_update(
            obj, **_fields(obj, set(changed).intersection(services.DOCUMENT_FIELDS))
        )

    def service_delete(self, obj):
        services.document_delete(obj)

    def references(self, obj):
        return services.document_references(obj)
