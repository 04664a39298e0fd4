"""Editors' admin for claims, hops, disputes and topics.

The claim page is the newsroom's entry desk: chain lines make a whole chain in one save,
hops and disputes are refined inline, and the provenance is drawn read-only as the
reports will show it. Every write goes through ``claims.services``; every rule a service
enforces comes back as a form error (see ``claims.forms``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join

from factcheck.admin_base import ServiceAdmin, adopt
from factcheck.moments import MomentListFilter
from sources import selectors as selectors_sources
from sources.choices import SourceKind
from sources.models import Source

from . import reviews, selectors, services
from .forms import (
    ClaimAdminForm,
    DisputeAdminForm,
    DisputeInlineForm,
    DisputeInlineFormSet,
    HopAdminForm,
    HopInlineForm,
    HopInlineFormSet,
)
from .models import Attribution, Claim, Dispute, Review, Topic
from .reports.entries import ClaimEntry, claim_entry
from .resources import ClaimResource, SpreadsheetAdminMixin

CLAIM_OWN_FIELDS = ["text", "occurred_at", "location", "verdict", "verdict_explanation"]


def report_url(claim_id: int) -> str:
    """The reader's report page for a claim (a plain path until the reports URLs land)."""
    try:
        return reverse("reports:claim", args=[claim_id])
    except NoReverseMatch:
        return f"/reports/claims/{claim_id}/"


def short(text: str, length: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


# ---------------------------------------------------------------------------- list filters


class DisputedFilter(admin.SimpleListFilter):
    """Claims with a dispute that is not rejected (the stored ``is_disputed``)."""

    title = "disputed"
    parameter_name = "disputed"

    def lookups(self, request, model_admin):
        return [("yes", "disputed"), ("no", "not disputed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_disputed=True)
        if self.value() == "no":
            return queryset.filter(is_disputed=False)
        return queryset


class OriginKindFilter(admin.SimpleListFilter):
    """Claims with an origin hop by a source of this kind (the API's own filter)."""

    title = "origin kind"
    parameter_name = "origin_kind"

    def lookups(self, request, model_admin):
        return SourceKind.choices

    def queryset(self, request, queryset):
        if self.value() not in SourceKind.values:
            return queryset
        return selectors.with_origin_kind(queryset, self.value())


class OriginAnonymousFilter(admin.SimpleListFilter):
    title = "anonymous origin"
    parameter_name = "origin_anonymous"

    def lookups(self, request, model_admin):
        return [("yes", "rests on an anonymous source")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return selectors.with_origin_anonymous(queryset)


class IndependentOriginsFilter(admin.SimpleListFilter):
    """Claims by how many independent origins (distinct source families) they rest on."""

    title = "independent origins"
    parameter_name = "independent_origins"

    def lookups(self, request, model_admin):
        return [("2", "at least 2"), ("1", "exactly 1"), ("0", "none yet")]

    def queryset(self, request, queryset):
        if self.value() == "2":
            return queryset.filter(independent_origin_count__gte=2)
        if self.value() in ("0", "1"):
            return queryset.filter(independent_origin_count=int(self.value()))
        return queryset


def duplicate_links(pairs) -> str:
    """Likely duplicates as admin links with their score, best first ("" when none)."""
    return format_html_join(
        "",
        '<li><a href="{}">#{} {}</a> <span class="dup-score">similarity {}</span></li>',
        (
            (
                reverse("admin:claims_claim_change", args=[other.pk]),
                other.pk,
                short(other.text),
                score,
            )
            for other, score in pairs
        ),
    )


# ---------------------------------------------------------------------------- inlines


class HopInline(admin.StackedInline):
    # Stacked, not tabular: nine columns of autocompletes and quotes do not fit a laptop.
    model = Attribution
    fk_name = "claim"
    form = HopInlineForm
    formset = HopInlineFormSet
    extra = 1
    verbose_name = "hop"
    verbose_name_plural = "hops (who said it, citing whom)"
    fieldsets = [
        (None, {"fields": [("source", "relation", "cites")]}),
        (None, {"fields": [("document", "stated_at")]}),
        (None, {"fields": [("quote", "quote_language", "quote_translation")]}),
        (None, {"fields": ["note"]}),
    ]
    autocomplete_fields = ["source", "document", "cites"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "document")


class DisputeInline(admin.StackedInline):
    model = Dispute
    form = DisputeInlineForm
    formset = DisputeInlineFormSet
    extra = 0
    verbose_name_plural = "disputes (who contests it)"
    fieldsets = [
        (None, {"fields": [("disputed_by", "kind", "target", "resolution")]}),
        # Typed names, for a claim being added (no saved sources or hops to choose yet).
        (None, {"fields": [("disputed_by_name", "target_source")]}),
        (None, {"fields": [("statement", "quote", "quote_language", "quote_translation")]}),
        (None, {"fields": [("stated_at", "document", "resolution_note")]}),
    ]
    autocomplete_fields = ["disputed_by", "target", "document"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("disputed_by", "document", "target")


# ---------------------------------------------------------------------------- claims


@admin.register(Claim)
class ClaimAdmin(SpreadsheetAdminMixin, ServiceAdmin):
    resource_classes = [ClaimResource]  # claims with a "chain" column of chain lines
    form = ClaimAdminForm
    inlines = [HopInline, DisputeInline]
    # Six columns that fit 1280 px beside the nav sidebar and the filters: the credibility
    # grade rides under the verdict it qualifies rather than taking a column of its own.
    list_display = [
        "short_text",
        "first_reported",
        "origins_display",
        "disputes",
        "verdict_and_credibility",
        "independent_origins",
    ]
    list_display_links = ["short_text"]
    list_filter = [
        "verdict",
        DisputedFilter,
        IndependentOriginsFilter,
        "single_origin_echo",
        "authorship_contested",
        "circular_reporting",
        OriginKindFilter,
        OriginAnonymousFilter,
        "topics",
        "credibility",
        # Django's date filters and date_hierarchy need a DateField; first_reported_at is a
        # moment (a day or a time), filtered by its stored, sortable text.
        MomentListFilter.on("first_reported_at", "first reported"),
    ]
    search_fields = ["text", "attributions__quote", "location"]
    list_per_page = 50
    # Sources searched per term: enough for "Saree" or "Reuters", bounded for the EXISTS.
    SEARCH_SOURCE_LIMIT = 200
    readonly_fields = [
        "provenance_panel",
        "credibility_comparison",
        "likely_duplicates",
        "reviewed_by",
        "reviewed_at",
        "first_reported_at",
        "is_disputed",
        "dispute_count",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["topics"]
    history_list_display = ["verdict", "credibility", "reviewer"]
    object_history_template = "admin/claims/claim/object_history.html"
    save_on_top = True
    actions = ["merge_into_oldest"]

    class Media:
        # The provenance panel: the reports' own markup (claims/reports/render.py) and styles.
        css = {"all": ["factcheck/reports.css", "claims/admin/provenance.css"]}

    def get_fieldsets(self, request, obj=None):
        claim = [
            (None, {"fields": ["text", "likely_duplicates", ("occurred_at", "location"), "topics"]})
        ]
        chain = [
            (
                "Chain lines: enter a whole chain in one save",
                {
                    "fields": ["chain_lines", "confirm_new_sources"],
                    "classes": ["chain-lines-fieldset"],
                },
            )
        ]
        verdict = [
            (
                "Verdict",
                {
                    "fields": [
                        ("verdict", "credibility"),
                        "verdict_explanation",
                        ("reviewed_by", "reviewed_at"),
                    ]
                },
            )
        ]
        if obj is None:
            return claim + chain + verdict
        verdict[0][1]["fields"].insert(1, "credibility_comparison")
        picture = [("Provenance, as the report will show it", {"fields": ["provenance_panel"]})]
        derived = [
            (
                "Derived (kept by the services)",
                {
                    "fields": [
                        ("first_reported_at", "is_disputed", "dispute_count"),
                        ("created_at", "updated_at"),
                    ],
                    "classes": ["collapse"],
                },
            )
        ]
        return claim + picture + chain + verdict + derived

    def get_queryset(self, request):
        # Origins for the list column come from one prefetch: a constant number of
        # queries per page whatever its size.
        origin_hops = Attribution.objects.filter(is_origin=True).select_related("source")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("attributions", queryset=origin_hops.order_by("id"), to_attr="origin_hops")
            )
        )

    def get_search_results(self, request, queryset, search_term):
        """Also find claims with a hop by a source whose name or slug contains the term
        (``Saree`` finds the claims Yahya Saree said or relayed)."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = " ".join(search_term.split())
        if term:
            sources = selectors_sources.sources_matching(term)[: self.SEARCH_SOURCE_LIMIT]
            by_source = Exists(Attribution.objects.filter(claim=OuterRef("pk"), source__in=sources))
            results = results | queryset.filter(by_source)
        return results, duplicates

    # ------------------------------------------------------------------ history

    def reviewer(self, record):
        """The reviewer on a historical version (a column of the history page)."""
        return record.reviewed_by or "—"

    def history_view(self, request, object_id, extra_context=None):
        """The claim's history, followed by the history of its hops and disputes."""
        rows, truncated = part_history(object_id)
        context = {"part_history": rows, "part_history_truncated": truncated}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    # ------------------------------------------------------------------ columns

    @admin.display(description="claim", ordering="text")
    def short_text(self, claim):
        return short(claim.text)

    @admin.display(description="first reported", ordering="first_reported_at")
    def first_reported(self, claim):
        return claim.first_reported_at.isoformat() if claim.first_reported_at else "—"

    @admin.display(description="disputes", ordering="dispute_count")
    def disputes(self, claim):
        if not claim.dispute_count:
            return "0"
        # Red when a dispute is live, as in the reports.
        css = "disputed-live" if claim.is_disputed else "disputed-closed"
        return format_html('<span class="{}">{}</span>', css, claim.dispute_count)

    @admin.display(description="verdict", ordering="verdict")
    def verdict_and_credibility(self, claim):
        """The verdict, with the editor's credibility grade under it (its label as a tooltip)."""
        return format_html(
            '<span class="list-verdict">{}</span>'
            '<span class="list-credibility" title="{}">credibility {}</span>',
            claim.get_verdict_display(),
            claim.get_credibility_display(),
            claim.credibility,
        )

    @admin.display(description="origins")
    def origins_display(self, claim):
        seen: dict = {}
        for hop in getattr(claim, "origin_hops", []):
            seen.setdefault(hop.source_id, hop.source)
        if not seen:
            return "—"
        return format_html_join(
            ", ",
            '<span title="{}">{}</span>',
            ((f"{s.get_kind_display()} · {s.slug}", s.name) for s in seen.values()),
        )

    @admin.display(description="indep. origins", ordering="independent_origin_count")
    def independent_origins(self, claim):
        if claim.single_origin_echo:
            return format_html(
                '<span class="echo" title="relayed by {} sources, one origin">{} · echo</span>',
                claim.relay_count,
                claim.independent_origin_count,
            )
        return claim.independent_origin_count

    # ------------------------------------------------------------------ issue 5 panels

    def _entry(self, claim) -> ClaimEntry:
        """The claim laid out from its stored document, read once per page view and shared by
        the panels (the same layout, from the same markup, as the reader's report)."""
        cached = getattr(claim, "_admin_entry", None)
        if cached is None:
            cached = claim_entry(json.loads(selectors.stored_document(claim.pk) or "{}"))
            claim._admin_entry = cached
        return cached

    @admin.display(description="credibility: editor’s vs suggested")
    def credibility_comparison(self, claim):
        if claim is None or claim.pk is None:
            return "Save the claim to see the suggested credibility."
        facts = self._entry(claim).facts
        return format_html(
            '<div class="cred-compare">'
            '<p class="cred-editor"><strong>Editor’s:</strong> {}</p>'
            '<p class="cred-suggested"><strong>Suggested:</strong> {}</p>'
            '<p class="cred-reason">Reason: {}</p></div>',
            # The labels carry their number ("6: truth cannot be judged"): no "6 — 6: …".
            claim.get_credibility_display(),
            dict(Claim._meta.get_field("credibility").choices).get(facts.suggested_credibility),
            facts.suggested_credibility_reason,
        )

    @admin.display(description="likely duplicates")
    def likely_duplicates(self, claim):
        # On the add form the instance carries the entered text after a submit attempt:
        # the panel then warns, without refusing the save.
        text = getattr(claim, "text", "") or ""
        if not text.strip():
            return "Enter the claim’s text and save: likely duplicates will be listed here."
        pairs = (
            selectors.similar_claims(claim, limit=5)
            if claim.pk
            else selectors.similar_to_text(text, limit=5)
        )
        if not pairs:
            return "None found."
        return format_html(
            '<ul class="likely-duplicates">{}</ul><p class="help">A warning, not a refusal: '
            "if one is the same claim, select both in the claim list and use “Merge selected "
            "claims into the oldest”.</p>",
            duplicate_links(pairs),
        )

    # ------------------------------------------------------------------ merging

    @admin.action(description="Merge selected claims into the oldest", permissions=["delete"])
    def merge_into_oldest(self, request, queryset):
        """Fold every selected claim into the oldest one: hops, disputes, topics move."""
        claims = list(queryset.order_by("created_at", "pk"))
        if len(claims) < 2:
            self.message_user(request, "Select at least two claims to merge.", messages.WARNING)
            return
        keep, duplicates = claims[0], claims[1:]
        names = ", ".join(f"#{d.pk}" for d in duplicates)  # before the merge clears their pks
        try:
            with transaction.atomic():
                for duplicate in duplicates:
                    keep = services.claim_merge(keep=keep, duplicate=duplicate, user=request.user)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                'Merged {} into <a href="{}">claim #{}</a>: every hop, dispute and topic '
                "moved; the history records the merge.",
                names,
                reverse("admin:claims_claim_change", args=[keep.pk]),
                keep.pk,
            ),
            messages.SUCCESS,
        )

    def _warn_duplicates(self, request, obj) -> None:
        pairs = selectors.similar_claims(obj, limit=5)
        if pairs:
            self.message_user(
                request,
                format_html(
                    "Likely duplicates of claim #{}: <ul>{}</ul>", obj.pk, duplicate_links(pairs)
                ),
                messages.WARNING,
            )

    def response_add(self, request, obj, post_url_continue=None):
        self._warn_duplicates(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "text" in getattr(request, "_claim_changed", ()):
            self._warn_duplicates(request, obj)
        return super().response_change(request, obj)

    # ------------------------------------------------------------------ the picture

    @admin.display(description="")
    def provenance_panel(self, claim):
        if claim is None or claim.pk is None:
            return "Save the claim to see its provenance."
        entry = self._entry(claim)
        return render_to_string(
            "admin/claims/claim/provenance_panel.html",
            {"entry": entry, "report_url": report_url(claim.pk), "full": True},
        )

    # ------------------------------------------------------------------ writes

    def service_create(self, request, obj, form):
        data = {name: form.cleaned_data[name] for name in CLAIM_OWN_FIELDS}
        data["credibility"] = form.cleaned_data["credibility"]
        # A claim entered with a verdict is reviewed by its editor: the service records it.
        return services.claim_create(
            topics=form.cleaned_data.get("topics") or [], user=request.user, **data
        )

    def service_update(self, request, obj, form, changed):
        request._claim_changed = set(changed)  # response_change warns of duplicates on new text
        # ``obj`` already carries the form's values (ModelForm built it); the services
        # check the rules and save them.
        topics = form.cleaned_data.get("topics") if "topics" in changed else None
        own = {name: getattr(obj, name) for name in CLAIM_OWN_FIELDS + ["credibility"]}
        if set(changed) & set(own) or topics is not None:
            # A changed verdict makes this editor the reviewer (services.claim_update).
            services.claim_update(obj, topics=topics, user=request.user, **own)

    def service_delete(self, obj):
        services.claim_delete(obj)

    def save_related(self, request, form, formsets, change):
        """Changed and deleted disputes first (one may let go of a hop), then hops, then the
        chain lines with their new sources, then new disputes (which may name those)."""
        lines = getattr(form, "parsed_chains", None)
        if lines:
            # Every new source first (the confirmed plan), so any row may name one.
            lines.sources.apply()
        ordered = sorted(formsets, key=lambda fs: 0 if fs.model is Dispute else 1)
        for formset in ordered:
            self.save_formset(request, form, formset, change=change)
        if lines:
            services.chains_add(claim=form.instance, lines=lines)
        for formset in formsets:
            if formset.model is Dispute:
                save_new_disputes(formset)

    def save_formset(self, request, form, formset, change):
        if formset.model is Attribution:
            save_hop_formset(formset)
        elif formset.model is Dispute:
            save_dispute_formset(formset)
        else:  # the review inline: ReviewInlineFormSet saves through claims.reviews
            super().save_formset(request, form, formset, change)


PART_HISTORY_LIMIT = 200
ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}


def part_history(claim_id) -> tuple[list[dict], bool]:
    """Recent history rows of a claim's hops and disputes, newest first (two queries)."""
    try:
        claim_id = int(claim_id)
    except (TypeError, ValueError):
        return [], False
    hops = list(
        Attribution.history.filter(claim_id=claim_id)
        .select_related("history_user", "source")
        .order_by("-history_date")[: PART_HISTORY_LIMIT + 1]
    )
    disputes = list(
        Dispute.history.filter(claim_id=claim_id)
        .select_related("history_user", "disputed_by")
        .order_by("-history_date")[: PART_HISTORY_LIMIT + 1]
    )
    truncated = len(hops) > PART_HISTORY_LIMIT or len(disputes) > PART_HISTORY_LIMIT
    rows = []
    for record in hops:
        alive = record.history_type != "-"
        rows.append(
            {
                "when": record.history_date,
                "user": record.history_user,
                "action": ACTIONS.get(record.history_type, record.history_type),
                "what": f"hop #{record.id} · {record.source}",
                "url": reverse("admin:claims_attribution_change", args=[record.id])
                if alive
                else "",
                "summary": "; ".join(
                    part
                    for part in [
                        record.get_relation_display(),
                        f"stated {record.stated_at.display()}" if record.stated_at else "",
                        f"“{short(record.quote, 60)}”" if record.quote else "",
                    ]
                    if part
                ),
            }
        )
    for record in disputes:
        alive = record.history_type != "-"
        rows.append(
            {
                "when": record.history_date,
                "user": record.history_user,
                "action": ACTIONS.get(record.history_type, record.history_type),
                "what": f"dispute #{record.id} · {record.get_kind_display()} by "
                f"{record.disputed_by}",
                "url": reverse("admin:claims_dispute_change", args=[record.id]) if alive else "",
                "summary": "; ".join(
                    part
                    for part in [
                        record.get_resolution_display(),
                        f"against hop #{record.target_id}" if record.target_id else "",
                        f"“{short(record.quote, 60)}”" if record.quote else "",
                    ]
                    if part
                ),
            }
        )
    rows.sort(key=lambda row: row["when"], reverse=True)
    return rows[:PART_HISTORY_LIMIT], truncated


def _rows(formset):
    """Split a validated inline formset into (new, changed, deleted) forms."""
    new, changed, deleted = [], [], []
    for form in formset.forms:
        if not getattr(form, "cleaned_data", None):
            continue
        if formset.can_delete and formset._should_delete_form(form):
            if form.instance.pk:
                deleted.append(form)
        elif form.instance.pk is None:
            if form.has_changed():
                new.append(form)
        elif form.has_changed():
            changed.append(form)
    return new, changed, deleted


def save_hop_formset(formset) -> None:
    """Write the hop rows through the services in an order that never forms a passing loop.

    Changed hops go cited-before-citing in the graph as it will be (already checked to be
    loop-free), so no intermediate state can close a loop; new hops cite only saved ones;
    deletions come last, citing hops before the hops they cite.
    """
    claim = formset.instance
    new, changed, deleted = _rows(formset)
    fields = sorted(services.HOP_FIELDS)

    final = {form.instance.pk: [c.pk for c in form.cleaned_data["cites"]] for form in changed}
    order: list[int] = []
    seen: set[int] = set()

    def visit(pk):
        if pk in seen:
            return
        seen.add(pk)
        for cited in final.get(pk, ()):
            visit(cited)
        order.append(pk)

    for pk in final:
        visit(pk)
    by_pk = {form.instance.pk: form for form in changed}
    formset.changed_objects = []
    for pk in order:
        form = by_pk.get(pk)
        if form is None:
            continue
        hop = services.attribution_update(
            form.instance,
            cites=list(form.cleaned_data["cites"]),
            **{name: form.cleaned_data[name] for name in fields},
        )
        formset.changed_objects.append((hop, form.changed_data))

    formset.new_objects = [
        services.attribution_add(
            claim=claim,
            cites=list(form.cleaned_data["cites"]),
            **{name: form.cleaned_data[name] for name in fields},
        )
        for form in new
    ]

    formset.deleted_objects = []
    remaining = {form.instance.pk: form.instance for form in deleted}
    through = Attribution.cites.through
    while remaining:
        cited_by_remaining = set(
            through.objects.filter(
                from_attribution_id__in=list(remaining), to_attribution_id__in=list(remaining)
            ).values_list("to_attribution_id", flat=True)
        )
        ready = [pk for pk in remaining if pk not in cited_by_remaining] or list(remaining)
        for pk in ready:
            hop = remaining.pop(pk)
            services.attribution_delete(hop)
            formset.deleted_objects.append(hop)


def save_dispute_formset(formset) -> None:
    """Write the changed and deleted dispute rows through the services (new ones come after
    the chain lines: ``save_new_disputes``)."""
    new, changed, deleted = _rows(formset)
    fields = sorted(services.DISPUTE_FIELDS)
    formset.deleted_objects = []
    for form in deleted:
        formset.deleted_objects.append(form.instance)
        services.dispute_delete(form.instance)
    formset.changed_objects = [
        (
            services.dispute_update(form.instance, **dispute_row_data(form, fields)),
            form.changed_data,
        )
        for form in changed
    ]


def save_new_disputes(formset) -> None:
    """Record the new dispute rows, resolving typed names now that the chain lines' sources
    and hops exist (the claim form's plan created every new source they name)."""
    claim = formset.instance
    new, _changed, _deleted = _rows(formset)
    fields = sorted(services.DISPUTE_FIELDS)
    formset.new_objects = []
    for form in new:
        data = dispute_row_data(form, fields)
        formset.new_objects.append(services.dispute_record(claim=claim, **data))


def dispute_row_data(form, fields) -> dict:
    """A dispute row's values, with the names typed on it resolved to saved rows."""
    data = {name: form.cleaned_data[name] for name in fields}
    planned = getattr(form, "planned", {})
    if "disputed_by" in planned:
        data["disputed_by"] = resolved_source(planned["disputed_by"])
    if "target_source" in planned:
        source = resolved_source(planned["target_source"])
        # The origin hop of that source first: that is what a denial of authorship contests.
        # form.instance.claim is the claim saved just now (its pk set after the row was built).
        hops = Attribution.objects.filter(claim=form.instance.claim)
        data["target"] = hops.filter(source=source).order_by("-is_origin", "id").first()
    return data


def resolved_source(ref):
    """The saved source a typed name stands for, after the claim form's plan was applied."""
    if isinstance(ref, Source):
        return ref
    return selectors_sources.source_by_reference(ref.name) or services.planned_source(ref)


# ---------------------------------------------------------------------------- hops


CHANGE_PAGE_RE = re.compile(r"/claims/(claim|attribution|dispute)/(\d+)/change/")


def referring_claim_id(request) -> int | None:
    """The claim whose page asked for hop suggestions, read from the Referer.

    The admin's autocomplete sends only the field it fills, so the page it was opened
    from is the one hint of which claim the hop belongs to. ``0`` means a new claim
    (no hops to offer yet); None means unknown (offer everything; the services still
    refuse a cross-claim choice on save).
    """
    if request.GET.get("app_label") != "claims" or request.GET.get("field_name") not in (
        "cites",
        "target",
    ):
        return None
    path = urlsplit(request.headers.get("referer", "")).path
    if path.endswith("/claims/claim/add/"):
        return 0
    match = CHANGE_PAGE_RE.search(path)
    if not match:
        return None
    kind, pk = match.group(1), int(match.group(2))
    if kind == "claim":
        return pk
    model = Attribution if kind == "attribution" else Dispute
    return model.objects.filter(pk=pk).values_list("claim_id", flat=True).first()


@admin.register(Attribution)
class AttributionAdmin(ServiceAdmin):
    form = HopAdminForm
    list_display = [
        "hop",
        "claim_short",
        "source",
        "relation",
        "is_origin",
        "stated_at",
        "document",
    ]
    list_select_related = ["claim", "source", "document"]
    list_filter = ["relation", "is_origin", "source__kind"]
    search_fields = ["source__name", "source__slug", "quote", "claim__text"]
    autocomplete_fields = ["claim", "source", "document", "cites"]
    readonly_fields = ["is_origin", "created_at", "updated_at"]
    history_list_display = ["source", "relation", "stated_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A hop belongs to its claim for good; move it by adding a hop to the other claim.
        return fields + ["claim"] if obj is not None else fields

    @admin.display(description="hop", ordering="id")
    def hop(self, obj):
        return f"#{obj.pk}"

    @admin.display(description="claim", ordering="claim__text")
    def claim_short(self, obj):
        return short(obj.claim.text, 60)

    def get_search_results(self, request, queryset, search_term):
        """Hop suggestions: by source, quote, claim text or hop number, same claim only."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        number = search_term.strip().lstrip("#")
        if number.isdigit():
            results = results | queryset.filter(pk=int(number))
        claim_id = referring_claim_id(request)
        if claim_id is not None:
            results = results.filter(claim_id=claim_id)
        return results, duplicates

    def service_create(self, request, obj, form):
        data = form.cleaned_data
        return services.attribution_add(
            claim=data["claim"],
            cites=list(data["cites"]),
            **{name: data[name] for name in services.HOP_FIELDS},
        )

    def service_update(self, request, obj, form, changed):
        data = form.cleaned_data
        services.attribution_update(
            obj,
            cites=list(data["cites"]),
            **{name: data[name] for name in services.HOP_FIELDS},
        )

    def service_delete(self, obj):
        services.attribution_delete(obj)

    def references(self, obj):
        return services.attribution_references(obj)


# ---------------------------------------------------------------------------- disputes


@admin.register(Dispute)
class DisputeAdmin(ServiceAdmin):
    form = DisputeAdminForm
    list_display = ["__str__", "claim_short", "disputed_by", "kind", "resolution", "stated_at"]
    list_select_related = ["claim", "disputed_by"]
    list_filter = ["kind", "resolution", "disputed_by__kind"]
    search_fields = ["disputed_by__name", "quote", "statement", "claim__text"]
    autocomplete_fields = ["claim", "disputed_by", "target", "document"]
    readonly_fields = ["created_at", "updated_at"]
    history_list_display = ["kind", "resolution", "target"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["claim"] if obj is not None else fields

    @admin.display(description="claim", ordering="claim__text")
    def claim_short(self, obj):
        return short(obj.claim.text, 60)

    def service_create(self, request, obj, form):
        data = form.cleaned_data
        return services.dispute_record(
            claim=data["claim"], **{name: data[name] for name in services.DISPUTE_FIELDS}
        )

    def service_update(self, request, obj, form, changed):
        services.dispute_update(
            obj,
            **{
                name: getattr(obj, name)
                for name in set(changed).intersection(services.DISPUTE_FIELDS)
            },
        )

    def service_delete(self, obj):
        services.dispute_delete(obj)


# ---------------------------------------------------------------------------- topics


@admin.register(Topic)
class TopicAdmin(ServiceAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    fields = ["name", "slug"]
    history_list_display = ["name"]

    def service_create(self, request, obj, form):
        return services.topic_create(name=obj.name, slug=obj.slug)

    def service_update(self, request, obj, form, changed):
        services.topic_update(obj, name=obj.name, slug=obj.slug)

    def service_delete(self, obj):
        services.topic_delete(obj)


# ---------------------------------------------------------------------------- reviews


class ReviewInlineFormSet(BaseInlineFormSet):
    """The claim page's reviews, saved through ``claims.reviews`` like every other surface."""

    def save_new(self, form, commit=True):
        data = {name: form.cleaned_data.get(name) for name in REVIEW_INLINE_FIELDS}
        data = {name: value for name, value in data.items() if value is not None}
        return reviews.review_create(claim=self.instance, **data)

    def save_existing(self, form, obj, commit=True):
        # ``obj`` already carries the form's values; the service compares with the stored row.
        stored = Review.objects.get(pk=obj.pk)
        changed = {name: form.cleaned_data.get(name) for name in form.changed_data}
        return reviews.review_update(stored, **changed)

    def delete_existing(self, obj, commit=True):
        if commit:
            reviews.review_delete(obj)


REVIEW_INLINE_FIELDS = ["author", "verdict", "rating_text", "url", "published_at", "headline"]


class ReviewInline(admin.StackedInline):
    """Fact-checkers' reviews of the claim, beside (never instead of) the editors' verdict."""

    model = Review
    fk_name = "claim"
    formset = ReviewInlineFormSet
    extra = 0
    verbose_name_plural = "reviews by fact-checkers (the claim's verdict above stays yours)"
    fieldsets = [
        (None, {"fields": [("author", "verdict", "verdict_basis", "rating_text")]}),
        (None, {"fields": [("url", "published_at", "headline", "imported_from")]}),
    ]
    readonly_fields = ["verdict_basis", "imported_from"]
    autocomplete_fields = ["author"]
    show_change_link = True
    # As on every ServiceAdmin page: editors paste bare domains, https is the right guess.
    formfield_overrides = ServiceAdmin.formfield_overrides

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


ClaimAdmin.inlines = [*ClaimAdmin.inlines, ReviewInline]


class ClaimReviewImportForm(forms.Form):
    """One ClaimReview JSON file (any shape the command reads) to import."""

    file = forms.FileField(
        help_text="ClaimReview JSON-LD, a feed, or a Google Fact Check Tools API answer."
    )
    skip_invalid = forms.BooleanField(
        required=False, help_text="Import the good records and list the bad ones."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CLAIMREVIEW_UPLOAD_MAX:
            raise ValidationError(
                f"The file is {upload.size // 1024} KiB; the most accepted is "
                f"{CLAIMREVIEW_UPLOAD_MAX // (1024 * 1024)} MiB. Split it, or use "
                "manage.py import_claimreview."
            )
        try:
            self.cleaned_data["data"] = json.loads(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text.") from None
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"The file is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from None
        return upload


CLAIMREVIEW_UPLOAD_MAX = 20 * 1024 * 1024


@admin.register(Review)
class ReviewAdmin(ServiceAdmin):
    list_display = [
        "__str__",
        "claim_short",
        "author",
        "rating_text_short",
        "verdict",
        "verdict_basis",
        "language",
        "published_at",
    ]
    list_select_related = ["claim", "author"]
    list_filter = [
        "verdict",
        "verdict_basis",
        "language",
        ("author", admin.RelatedOnlyFieldListFilter),
        ("imported_from", admin.EmptyFieldListFilter),
        "published_at",
    ]
    search_fields = ["claim__text", "claim_reviewed", "author__name", "rating_text", "url"]
    autocomplete_fields = ["claim", "author", "claimant"]
    readonly_fields = ["verdict_basis", "imported_from", "imported_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["claim", ("author", "url"), ("published_at", "language"), "headline"]}),
        (
            "Rating as published",
            {
                "fields": [
                    ("rating_text", "rating_language"),
                    ("rating_value", "best_rating", "worst_rating"),
                    "rating_explanation",
                    ("verdict", "verdict_basis"),
                    "body",
                ]
            },
        ),
        (
            "The claim as the review states it",
            {
                "fields": [
                    "claim_reviewed",
                    ("claimant", "claimant_placeholder"),
                    "claimant_same_as",
                    "claim_date",
                    "appearances",
                ]
            },
        ),
        (
            "Where the record came from",
            {"fields": [("imported_from", "imported_at"), ("created_at", "updated_at")]},
        ),
    ]
    history_list_display = ["verdict", "verdict_basis", "rating_text"]
    change_list_template = "admin/claims/review/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["claim"] if obj is not None else fields

    @admin.display(description="claim", ordering="claim__text")
    def claim_short(self, obj):
        return short(obj.claim.text, 60)

    @admin.display(description="rating as published", ordering="rating_text")
    def rating_text_short(self, obj):
        return short(obj.rating_text, 50)

    def service_create(self, request, obj, form):
        data = {name: form.cleaned_data.get(name) for name in reviews.REVIEW_FIELDS}
        data = {name: value for name, value in data.items() if name in form.cleaned_data}
        return reviews.review_create(claim=form.cleaned_data["claim"], user=request.user, **data)

    def service_update(self, request, obj, form, changed):
        stored = Review.objects.get(pk=obj.pk)
        fields = {name: form.cleaned_data[name] for name in changed if name in form.cleaned_data}
        adopt(obj, reviews.review_update(stored, user=request.user, **fields))

    def service_delete(self, obj):
        reviews.review_delete(obj)

    # ------------------------------------------------------------------ import

    def get_urls(self):
        custom = [
            path(
                "import-claimreview/",
                self.admin_site.admin_view(self.import_claimreview_view),
                name="claims_review_import_claimreview",
            )
        ]
        return custom + super().get_urls()

    def import_claimreview_view(self, request):
        """Upload a ClaimReview file: the same check and import as ``import_claimreview``."""
        from claims.standards import claimreview_import as cri

        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ClaimReviewImportForm(request.POST or None, request.FILES or None)
        problems, summary = [], None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = cri.import_data(
                    [(upload.name, form.cleaned_data["data"])],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                )
            except cri.FileError as exc:
                form.add_error("file", f"{exc} Nothing was written.")
            except cri.ImportFailed as exc:
                problems = sorted(exc.summary.problems, key=lambda p: p.index)
            else:
                problems = sorted(summary.problems, key=lambda p: p.index)
                for line in summary.lines():
                    self.message_user(request, line, messages.SUCCESS)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import fact-checkers' reviews (ClaimReview)",
            "form": form,
            "problems": problems,
            "written": summary is not None,
        }
        return TemplateResponse(request, "admin/claims/review/import_claimreview.html", context)
