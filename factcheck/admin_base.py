"""The admin base every tracker admin shares: saves and deletes through the services.

Kept here, beside the project's other shared pieces, so that the claims and sources admins
both build on it without one app's admin importing the other's.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from factcheck.errors import ReferencedError
from factcheck.moments import MomentField, MomentInput


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
