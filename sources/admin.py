"""Editors' admin for sources and documents, and the base every tracker admin shares.

Writes go through ``sources.services``; a delete that evidence still rests on is refused
with a message naming what rests on it, never a 500 or a silent loss.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims.resources import DocumentResource, SourceResource, SpreadsheetAdminMixin
from factcheck.errors import ReferencedError
from factcheck.moments import MomentField, MomentInput, MomentListFilter

from . import services
from .models import Document, Source

# Enough to act on; the rest is counted, not listed, so a wire agency's page stays light.
RELATED_LIMIT = 50


def adopt(obj, saved) -> None:
    """Make the admin's unsaved ``obj`` the row a service created as ``saved``.

    The admin keeps using the object it built from the form (for the log entry, the
    redirect and the inline formsets), so it must carry the saved row's id and values.
    """
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class ServiceAdmin(SimpleHistoryAdmin):
    """Admin whose saves and deletes go through the services, with history on every page.

    Subclasses implement ``service_create``, ``service_update`` and ``service_delete``, and
    ``references`` when a delete may be refused.
    """

    # Editors paste bare domains; https is the right guess today (and Django 6's default).
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        # The admin gives every CharField its plain text box; a moment shows what it takes.
        MomentField: {"widget": MomentInput},
    }

    # History is read-only: reverting from the history page would write the old row back
    # without the services' rules and derived columns.
    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("Old versions are read-only; edit the object instead.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    # ------------------------------------------------------------------ writes

    def service_create(self, request, obj, form):
        raise NotImplementedError

    def service_update(self, request, obj, form, changed: list[str]):
        raise NotImplementedError

    def service_delete(self, obj) -> None:
        raise NotImplementedError

    def references(self, obj) -> list[str]:
        """What still rests on ``obj``, in the services' words; empty when it may go."""
        return []

    def save_model(self, request, obj, form, change):
        """Create or update through the service instead of ``obj.save()``."""
        obj._history_user = request.user
        if change:
            self.service_update(request, obj, form, list(form.changed_data))
        else:
            adopt(obj, self.service_create(request, obj, form))

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields are passed to the services by save_model; form.save_m2m()
        # would write them behind the services' back.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.service_delete(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                self.service_delete(obj)
            except ReferencedError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        """Refuse, with the references named, before showing the confirmation page."""
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            refs = self.references(obj)
            if refs:
                return self._refuse_delete(request, obj, ReferencedError(obj, refs))
        try:
            return super().delete_view(request, object_id, extra_context)
        except ReferencedError as exc:  # a reference added between the check and the delete
            return self._refuse_delete(request, obj, exc)

    def _refuse_delete(self, request, obj, exc: ReferencedError):
        self.message_user(request, exc.message, messages.ERROR)
        opts = self.opts
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        return HttpResponseRedirect(url)

    def get_deleted_objects(self, objs, request):
        """On the bulk-delete page, list what rests on each object in the services' words."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        refs = [f"{obj}: {ref}" for obj in objs for ref in self.references(obj)]
        if refs:
            protected = refs
        return deleted, counts, perms_needed, protected


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
