"""Admin forms for claims, hops and disputes.

Every rule lives in ``claims.services``; these forms only call the services' validation
helpers on the unsaved objects so that a broken rule comes back as a form error beside the
field (never a 500), and add the rules that span several inline rows at once (a loop
among the submitted cites, deleting a hop something still rests on).
"""

from __future__ import annotations

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from factcheck.moments import MomentInput

from . import locking, provenance, services
from .choices import Relation
from .models import Attribution, Claim, Dispute

# The admin names inline formsets after the foreign key's related_name; the two inlines of
# the claim page read each other's submitted rows under these prefixes.
HOP_PREFIX = "attributions"
DISPUTE_PREFIX = "disputes"

CHAIN_LINES_HELP = (
    "One chain per line, origin first, using names or slugs of sources "
    "(case does not matter): "
    "<code>Telegram channel affiliated with Kataib Hezbollah → Reuters → Antiwar.com</code>. "
    "<code>-&gt;</code> works as well as <code>→</code>. Join several sources that one hop "
    "cites with <code>+</code>: "
    "<code>US officials + Iraqi officials → Reuters → Antiwar.com</code>. "
    "A new source: its kind in brackets, "
    "<code>Yahya Saree [official] → Al Jazeera [news_outlet]</code>; inside the brackets also "
    "<code>anonymous</code>, <code>affiliated with X</code>, <code>part of X</code> (X existing, "
    "earlier in the lines, or new with its own brackets: "
    "<code>[armed_group, part of Popular Mobilization Forces [armed_group]]</code>). "
    "You are shown what will be created and asked once to confirm. "
    "Saving creates the hops (the origin asserts, each next hop paraphrases the one before); "
    "hops already on the claim are reused. Refine them below (document, quote, date)."
)
# The hidden input that carries the fingerprint of the new sources the editor was shown.
CONFIRM_FIELD = "confirm_new_sources"

AUTO_RELATION = ("", "auto (asserts / paraphrases)")

# The hidden input of the claim page that carries the version the editor opened
# (templates/admin/claims/claim/change_form.html).
VERSION_FIELD = "claim_version"


def add_service_errors(form: forms.BaseForm, exc: ValidationError, skip=()) -> None:
    """Put a service's ValidationError on the form, each message on its own field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        if field in skip:
            continue
        target = field if field in form.fields else None
        if target is None and field != "__all__":
            messages = [f"{field}: {message}" for message in messages]
        form.add_error(target, messages)


def submitted_rows(data, prefix: str) -> list[dict]:
    """The rows a sibling inline formset submitted, read from the raw POST data.

    Used where a rule on one inline depends on what the other inline is about to do (a hop
    may be deleted in the same save that retargets the dispute contesting it).
    """
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        return []
    rows = []
    for index in range(min(total, 1000)):
        row_id = data.get(f"{prefix}-{index}-id") or ""
        rows.append(
            {
                "id": int(row_id) if row_id.isdigit() else None,
                "target": data.get(f"{prefix}-{index}-target") or "",
                "deleted": bool(data.get(f"{prefix}-{index}-DELETE")),
            }
        )
    return rows


def submitted_dispute_names(data) -> list[str]:
    """The "disputed by (name)" texts of the dispute rows being added, in row order."""
    try:
        total = int(data.get(f"{DISPUTE_PREFIX}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        return []
    names = []
    for index in range(min(total, 1000)):
        name = (data.get(f"{DISPUTE_PREFIX}-{index}-disputed_by_name") or "").strip()
        if name and not data.get(f"{DISPUTE_PREFIX}-{index}-DELETE"):
            names.append(name)
    return names


def submission_plan(data, chain_lines: str, *, strict: bool) -> services.ChainPlan:
    """The chain plan of a claim page's submission: its chain lines, then the new sources its
    dispute rows name. ``strict`` raises the chain lines' errors; otherwise a broken chain
    gives an empty plan (the claim form reports it) and the rows still resolve what exists.
    """
    sources = services.SourcePlan()
    try:
        plan = services.chain_lines_parse(chain_lines or "", sources=sources)
    except ValidationError:
        if strict:
            raise
        plan = services.ChainPlan(sources=sources)
    for name in submitted_dispute_names(data):
        try:
            sources.reference(name)
        except ValidationError:
            pass  # the dispute row shows this error beside its field
    return plan


def _relation_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[AUTO_RELATION, *Relation.choices],
        required=False,
        help_text="An origin asserts; a hop that cites others quotes or paraphrases. "
        "Auto picks the right one.",
    )


def _auto_relation(cleaned_data: dict) -> None:
    if not cleaned_data.get("relation"):
        cites = cleaned_data.get("cites") or []
        cleaned_data["relation"] = Relation.PARAPHRASES if cites else Relation.ASSERTS


class ClaimAdminForm(forms.ModelForm):
    """The claim's own fields plus the chain lines that create its hops in one save."""

    chain_lines = forms.CharField(
        required=False,
        label="Chain lines",
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "vLargeTextField chain-lines",
                # Written as an example, and styled as one (provenance.css), so that an empty
                # box never reads as a chain already entered.
                "placeholder": "e.g. US officials + Iraqi officials → Reuters → Antiwar.com",
            }
        ),
        help_text=CHAIN_LINES_HELP,
    )
    confirm_new_sources = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Claim
        fields = [
            "text",
            "occurred_at",
            "location",
            "topics",
            "verdict",
            "verdict_explanation",
            "credibility",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
            "verdict_explanation": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
        }

    @property
    def claim_version(self) -> str:
        """The version this page stands for, sent back with the save (a hidden input).

        On a fresh page: the claim's current version. After a refused save: the version that
        refused it, so that saving again (having read the message) overwrites on purpose.
        """
        if getattr(self, "_current_version", None):
            return self._current_version
        if self.is_bound and self.data.get(self.add_prefix(VERSION_FIELD)):
            return self.data[self.add_prefix(VERSION_FIELD)]
        return locking.claim_version(self.instance.pk) if self.instance.pk else ""

    def clean(self):
        cleaned = super().clean()
        self._refuse_lost_edit()
        self._confirm_new_sources()
        return cleaned

    def _confirm_new_sources(self) -> None:
        """Ask once before creating sources: the first save lists them, the second creates.

        The hidden field carries a fingerprint of the list the editor was shown; a save whose
        lines would create anything else (a name retyped, a kind changed) asks again.
        """
        plan = getattr(self, "parsed_chains", None)
        if not plan or not plan.sources.new:
            return
        signature = plan.sources.signature()
        if self.data.get(self.add_prefix(CONFIRM_FIELD)) == signature:
            return
        data = self.data.copy()  # a QueryDict from the request is immutable
        data[self.add_prefix(CONFIRM_FIELD)] = signature
        self.data = data
        listed = plan.new_sources()
        self.add_error(
            "chain_lines",
            ValidationError(
                [
                    f"Saving will create {len(listed)} new source"
                    f"{'s' if len(listed) != 1 else ''}: check the names and kinds, then save "
                    "again to create them with the claim.",
                    *(f"New: {line}" for line in listed),
                ],
                code="confirm_new_sources",
            ),
        )

    def _refuse_lost_edit(self) -> None:
        """Refuse to save over a change someone else made after this page was opened.

        The claim's row stays locked until the admin's transaction ends, so of two editors
        saving at once the second sees the first one's change. A save without a version
        (a script posting the form) is not checked.
        """
        opened = self.data.get(self.add_prefix(VERSION_FIELD)) if self.is_bound else None
        if not opened or not self.instance.pk:
            return
        current = locking.claim_version(self.instance.pk, lock=True)
        if current == opened:
            return
        self._current_version = current
        change = locking.last_change(self.instance.pk)
        who = (
            f"{change.user} at {timezone.localtime(change.at):%Y-%m-%d %H:%M:%S %Z}"
            if change
            else "someone"
        )
        self.add_error(
            None,
            ValidationError(
                "This claim was changed by %(who)s, after you opened it, so nothing was "
                "saved. Your input is kept below: compare it with the claim's history, then "
                "save again to replace their version with yours.",
                code="stale",
                params={"who": who},
            ),
        )

    def clean_chain_lines(self) -> str:
        """Parse the chain lines now: an unknown name is a form error before anything is saved.

        New sources named on the dispute rows join the same plan, so the confirmation lists
        everything the save will create (the rows report their own mistakes).
        """
        text = self.cleaned_data.get("chain_lines") or ""
        try:
            self.parsed_chains = submission_plan(self.data, text, strict=True)
        except ValidationError as exc:
            self.parsed_chains = None
            raise ValidationError(exc.message_dict.get("chain_lines", exc.messages)) from exc
        return text


class HopInlineForm(forms.ModelForm):
    """One hop row on the claim page; the relation may be left to the service's default."""

    relation = _relation_field()

    class Meta:
        model = Attribution
        fields = [
            "source",
            "document",
            "cites",
            "relation",
            "quote",
            "quote_language",
            "quote_translation",
            "stated_at",
            "note",
        ]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "quote_translation": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "note": forms.Textarea(attrs={"rows": 1, "cols": 60}),
            "quote_language": forms.TextInput(attrs={"size": 5}),
            # A date or a time with offset; the admin would otherwise give a bare text box.
            "stated_at": MomentInput(),
        }

    def clean(self):
        cleaned = super().clean()
        _auto_relation(cleaned)
        return cleaned


class HopInlineFormSet(BaseInlineFormSet):
    """The claim's hops: each row checked by the service, then the rules across rows."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        claim = self.instance
        saved_claim = claim.pk is not None
        live: list[tuple[forms.Form, list[Attribution]]] = []
        deleting: dict[int, forms.Form] = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if self.can_delete and self._should_delete_form(form):
                if form.instance.pk:
                    deleting[form.instance.pk] = form
                continue
            cites = list(form.cleaned_data.get("cites") or [])
            if not saved_claim and cites:
                form.add_error(
                    "cites",
                    "A new claim has no hops to cite yet: hop "
                    + ", ".join(f"#{c.pk}" for c in cites)
                    + " belongs to another claim. Enter the chain with chain lines, save, "
                    "then refine the hops here.",
                )
                continue
            # The service's own loop check reads the citations stored now; rows submitted
            # together can legitimately reorder them (A stops citing B while B starts citing
            # A), so each row is checked without it and loops are found below on the graph
            # as it will be after the save.
            candidate = copy.copy(form.instance)
            candidate.pk = None
            try:
                services.attribution_validate(candidate, cites)
            except ValidationError as exc:
                add_service_errors(form, exc, skip=() if saved_claim else ("claim",))
                continue
            live.append((form, cites))
        if any(self.errors) or not saved_claim:
            return
        self._check_graph(claim, live, deleting)

    def _check_graph(self, claim, live, deleting) -> None:
        through = Attribution.cites.through
        edges: dict[int, list[int]] = {}
        for citing, cited in through.objects.filter(from_attribution__claim=claim).values_list(
            "from_attribution_id", "to_attribution_id"
        ):
            edges.setdefault(citing, []).append(cited)
        for form, cites in live:
            if form.instance.pk:
                edges[form.instance.pk] = [c.pk for c in cites]
        for pk in deleting:
            edges.pop(pk, None)

        for form, cites in live:
            gone = [c.pk for c in cites if c.pk in deleting]
            if gone:
                form.add_error(
                    "cites",
                    "Cites hop " + ", ".join(f"#{pk}" for pk in gone) + ", which is being deleted.",
                )
        looped = set(provenance.find_cycle(edges))
        if looped:
            names = ", ".join(f"#{pk}" for pk in sorted(looped))
            message = (
                f"These cites make a loop among hops {names}: provenance cannot go in circles. "
                "One of them has to be the origin."
            )
            flagged = False
            for form, _cites in live:
                if form.instance.pk in looped and "cites" in form.changed_data:
                    form.add_error("cites", message)
                    flagged = True
            if not flagged:
                raise ValidationError(message)

        if deleting:
            self._check_deleted_hops(deleting)

    def _check_deleted_hops(self, deleting: dict) -> None:
        # A dispute that contests a hop must be deleted or retargeted in the same save.
        dispute_rows = {row["id"]: row for row in submitted_rows(self.data, DISPUTE_PREFIX)}
        contested = Dispute.objects.filter(target_id__in=list(deleting)).values_list(
            "pk", "target_id"
        )
        for dispute_id, hop_id in contested:
            row = dispute_rows.get(dispute_id)
            if row and (row["deleted"] or row["target"] != str(hop_id)):
                continue
            deleting[hop_id].add_error(
                None,
                f"Hop #{hop_id} is contested by dispute #{dispute_id}; delete that dispute or "
                "change its target in the same save before deleting the hop.",
            )


class DisputeInlineForm(forms.ModelForm):
    """One dispute row on the claim page.

    On a claim being added there are no hops or saved sources to choose from yet, so a row
    may name who disputes it (``disputed_by_name``, a new one with its kind in brackets) and
    the hop contested (``target_source``: the source of that hop in the chain lines); both
    are resolved after the chain lines have made the sources and hops, in the same save.
    """

    disputed_by_name = forms.CharField(
        required=False,
        label="or disputed by (name)",
        max_length=400,
        help_text="A source's name or slug; a new one with its kind in brackets, "
        "e.g. <code>CENTCOM [military]</code>.",
    )
    target_source = forms.CharField(
        required=False,
        label="or target: the hop by",
        max_length=400,
        help_text="The source of the contested hop, as written in the chain lines, "
        "e.g. <code>Telegram channel affiliated with Kataib Hezbollah</code>.",
    )

    class Meta:
        model = Dispute
        fields = list(services.DISPUTE_FIELDS)
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 2, "cols": 26}),
            "quote": forms.Textarea(attrs={"rows": 2, "cols": 22}),
            "quote_translation": forms.Textarea(attrs={"rows": 2, "cols": 20}),
            "resolution_note": forms.Textarea(attrs={"rows": 2, "cols": 20}),
            "quote_language": forms.TextInput(attrs={"size": 4}),
            "stated_at": MomentInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Either the autocomplete or the name; the formset checks that one of them is given.
        self.fields["disputed_by"].required = False

    def clean(self):
        cleaned = super().clean()
        chosen, named = cleaned.get("disputed_by"), cleaned.get("disputed_by_name")
        if chosen and named:
            self.add_error(
                "disputed_by_name",
                "Choose who disputes it or type a name, not both.",
            )
        elif not chosen and not named and not self.errors:
            self.add_error("disputed_by", "Choose who disputes it, or type a name.")
        if cleaned.get("target") and cleaned.get("target_source"):
            self.add_error("target_source", "Choose the hop or name its source, not both.")
        return cleaned


def _hop_sources(plan: services.ChainPlan) -> list:
    """Every source (saved or planned) that has a hop in the chain lines."""
    return [ref for steps in plan.lines for step in steps for ref in step]


def _same_source(a, b) -> bool:
    if a is b:
        return True
    return getattr(a, "pk", None) is not None and getattr(a, "pk", None) == getattr(b, "pk", None)


class DisputeInlineFormSet(BaseInlineFormSet):
    """The claim's disputes, each checked by ``services.dispute_validate``.

    Names typed on a row are resolved against the same plan as the chain lines
    (``submission_plan``); ``form.planned`` keeps what each row will be saved with.
    """

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        saved_claim = self.instance.pk is not None
        deleted_hops = {
            row["id"] for row in submitted_rows(self.data, HOP_PREFIX) if row["deleted"]
        }
        plan = submission_plan(self.data, self.data.get("chain_lines", ""), strict=False)
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            dispute = form.instance
            form.planned = {}
            skip = {"claim"} if not saved_claim else set()
            if not self._resolve_names(form, plan, saved_claim):
                continue
            new_disputant = isinstance(form.planned.get("disputed_by"), services.NewSource)
            if new_disputant:
                skip.add("disputed_by")
            if dispute.target_id and not saved_claim:
                form.add_error(
                    "target",
                    f"Hop #{dispute.target_id} belongs to claim #{dispute.target.claim_id}; a new "
                    "claim has no hops yet. Name the contested hop's source in “or target: the "
                    "hop by” instead.",
                )
                continue
            if dispute.target_id and dispute.target_id in deleted_hops:
                form.add_error("target", f"Hop #{dispute.target_id} is being deleted.")
                continue
            try:
                if new_disputant:
                    dispute.full_clean(exclude=["disputed_by", *skip])
                else:
                    services.dispute_validate(dispute)
            except ValidationError as exc:
                add_service_errors(form, exc, skip=tuple(skip))

    def _resolve_names(self, form, plan: services.ChainPlan, saved_claim: bool) -> bool:
        """Resolve a row's typed names into ``form.planned``; False (with errors) if not."""
        named = form.cleaned_data.get("disputed_by_name")
        if named:
            try:
                ref = plan.sources.reference(named)
            except ValidationError as exc:
                form.add_error("disputed_by_name", exc.messages)
                return False
            form.planned["disputed_by"] = ref
            if not isinstance(ref, services.NewSource):
                form.instance.disputed_by = ref
        target_name = form.cleaned_data.get("target_source")
        if target_name:
            try:
                ref = plan.sources.reference(target_name)
            except ValidationError as exc:
                form.add_error("target_source", exc.messages)
                return False
            in_lines = any(_same_source(ref, other) for other in _hop_sources(plan))
            on_claim = (
                saved_claim
                and not isinstance(ref, services.NewSource)
                and self.instance.attributions.filter(source=ref).exists()
            )
            if not in_lines and not on_claim:
                form.add_error(
                    "target_source",
                    f"“{ref.name}” has no hop in this claim's chain lines"
                    + (" or hops" if saved_claim else "")
                    + "; name the source of the hop contested.",
                )
                return False
            form.planned["target_source"] = ref
        return True


class HopAdminForm(forms.ModelForm):
    """A hop edited on its own page; same rules as on the claim page."""

    relation = _relation_field()

    class Meta:
        model = Attribution
        fields = [
            "claim",
            "source",
            "document",
            "cites",
            "relation",
            "quote",
            "quote_language",
            "quote_translation",
            "stated_at",
            "note",
        ]
        widgets = {"stated_at": MomentInput()}

    def clean(self):
        cleaned = super().clean()
        _auto_relation(cleaned)
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        cites = list(self.cleaned_data.get("cites") or [])
        try:
            services.attribution_validate(self.instance, cites)
        except ValidationError as exc:
            add_service_errors(self, exc)


class DisputeAdminForm(forms.ModelForm):
    """A dispute edited on its own page; same rules as on the claim page."""

    class Meta:
        model = Dispute
        fields = ["claim", *DisputeInlineForm.Meta.fields]
        widgets = {"stated_at": MomentInput()}

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            services.dispute_validate(self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)
