"""Writes for sources and documents. Every surface (admin, API, commands) calls these."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import slugify

from claims import projection
from factcheck.errors import ReferencedError

from .choices import Affiliation, SourceKind
from .models import Document, Source
from .selectors import (
    family_ids_sql,
    reference_problem,
    source_by_reference,
    sources_by_reference,
    unknown_source_message,
)

# The fields a caller may set, in the order every surface shows them (API, spreadsheets).
SOURCE_FIELDS = (
    "slug",
    "name",
    "kind",
    "is_anonymous",
    "affiliated_with",
    "affiliation",
    "reliability",
    "country",
    "url",
    "description",
)
DOCUMENT_FIELDS = (
    "kind",
    "title",
    "url",
    "publisher",
    "author",
    "published_at",
    "retrieved_at",
    "archive_url",
    "language",
)


# What a claim's document shows of a source or a document: a change to one of these
# re-projects the claims that name it.
SHOWN_FIELDS = (
    "slug",
    "name",
    "kind",
    "is_anonymous",
    "affiliated_with",
    "affiliation",
    "reliability",
    "url",
)
DOCUMENT_SHOWN_FIELDS = (
    "kind",
    "title",
    "url",
    "publisher",
    "author",
    "published_at",
    "language",
)


def unique_slug(
    model, text: str, *, instance=None, field: str = "slug", max_length: int = 200
) -> str:
    """A lower-case slug made from ``text`` that no other row of ``model`` uses (``-2``, ``-3``
    on clashes). Letters of any script are kept: "أنصار الله" becomes ``أنصار-الله``.

    Keeping the letters (Django's ``allow_unicode``) rather than transliterating: Arabic has
    several romanisations in newsroom use (Ansar Allah, Ansarullah, Ansar Alla), so any one
    scheme gives a slug nobody would type, while the original letters are what an editor
    pastes and what a search finds. Percent-encoded, such slugs work in URLs too.
    """
    base = slugify(text, allow_unicode=True)[:max_length].strip("-_") or model._meta.model_name
    candidate, n = base, 2
    others = model._default_manager.all()
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    while others.filter(**{field: candidate}).exists():
        suffix = f"-{n}"
        candidate = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return candidate


def url_with_scheme(value: str) -> str:
    """``aljazeera.com`` → ``https://aljazeera.com``: a web address typed without its scheme.

    The one normaliser of typed URLs, used by the admin's forms and the API alike, so both
    accept what an editor pastes from a browser's address bar.
    """
    value = (value or "").strip()
    if not value:
        return value
    # Django's own form field knows what "no scheme" looks like (mailto:, ftp://, //host).
    try:
        return forms.URLField(assume_scheme="https").to_python(value)
    except ValidationError:
        return value  # the model field's validation names the field and what is wrong


def _check_affiliation_loop(source: Source) -> None:
    seen = {source.pk} if source.pk else set()
    parent = source.affiliated_with
    hops = 0
    while parent is not None:
        if parent.pk in seen:
            raise ValidationError(
                {
                    "affiliated_with": f"“{source.affiliated_with}” is already affiliated with "
                    f"“{source.name}”, directly or through others; affiliations cannot loop."
                }
            )
        seen.add(parent.pk)
        parent = parent.affiliated_with
        hops += 1
        if hops > 1000:  # a loop written behind the services' back
            break


def source_validate(source: Source) -> None:
    """Run every rule on an unsaved or changed source; raises ValidationError naming the field."""
    source.name = (source.name or "").strip()
    # Slugs are stored lower-case, so that a reference in any case is one index lookup.
    source.slug = (source.slug or "").strip().lower()
    if not source.slug:
        source.slug = unique_slug(Source, source.name, instance=source)
    source.country = (source.country or "").upper()
    source.url = url_with_scheme(source.url)
    source.full_clean()
    _check_affiliation_loop(source)


def family_members(source: Source) -> list[int]:
    """Ids of ``source`` and every source affiliated with it, transitively (one query)."""
    return list(Source.objects.filter(pk__in=family_ids_sql(source)).values_list("pk", flat=True))


def _family_root(source: Source) -> int:
    root, seen = source, set()
    while root.affiliated_with_id and root.pk not in seen:
        seen.add(root.pk)
        root = root.affiliated_with
    return root.pk


def family_refresh(source: Source) -> list[int]:
    """Store the family (root of the affiliation tree) on ``source`` and everything under it.

    Returns the ids of the sources whose family changed, so their claims can be refreshed.
    """
    root = _family_root(source)
    members = family_members(source)
    changed = list(
        Source.objects.filter(pk__in=members).exclude(family=root).values_list("pk", flat=True)
    )
    if changed:
        Source.objects.filter(pk__in=changed).update(family=root)
    source.family = root
    return changed


@transaction.atomic
def source_create(**data) -> Source:
    """Create a source; the slug is made from the name when not given."""
    unknown = set(data).difference(SOURCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown source fields: {sorted(unknown)}")
    source = Source(**data)
    source_validate(source)
    source.save()
    family_refresh(source)
    return source


@transaction.atomic
def source_update(source: Source, **data) -> Source:
    """Change fields of a source after checking every rule.

    A new affiliation moves the source (and all under it) to another family, which changes
    how many independent origins their claims have; those claims are refreshed here too.
    """
    for name in data:
        if name not in SOURCE_FIELDS:
            raise TypeError(f"unknown source field: {name}")
    before = {name: getattr(source, name) for name in SHOWN_FIELDS}
    for name, value in data.items():
        setattr(source, name, value)
    source_validate(source)
    source.save()
    moved = family_refresh(source)
    shown = any(getattr(source, name) != before[name] for name in SHOWN_FIELDS)
    if shown or moved:
        # Every claim that names this source (or a moved one) shows its name, kind,
        # reliability or family: their stored documents are rebuilt in this transaction.
        projection.refresh_for_sources({source.pk, *moved} if shown else set(moved))
    return source


def source_references(source: Source) -> list[str]:
    """What still rests on ``source``, in words an editor can act on."""
    refs = []
    hops = source.attributions.select_related("claim").order_by("claim_id")[:20]
    refs += [f"hop #{hop.pk} of claim #{hop.claim_id}" for hop in hops]
    refs += [f"dispute #{d.pk} of claim #{d.claim_id}" for d in source.disputes_raised.all()[:20]]
    refs += [f"document “{doc}”" for doc in source.documents.all()[:20]]
    refs += [f"affiliated source “{aff}”" for aff in source.affiliates.all()[:20]]
    return refs


@transaction.atomic
def source_delete(source: Source) -> None:
    """Delete a source nothing rests on; otherwise raise ReferencedError listing what does."""
    # The row lock first, then the check: a hop being added for this source holds the row
    # FOR KEY SHARE (claims.services.sources_hold), so either it commits first and is found
    # here, or it waits and then finds the source gone. Never a half-made reference.
    list(Source.objects.select_for_update().filter(pk=source.pk).values_list("pk", flat=True))
    refs = source_references(source)
    if refs:
        raise ReferencedError(source, refs)
    try:
        source.delete()
    except (ProtectedError, RestrictedError) as exc:  # a reference added concurrently
        raise ReferencedError(source, [str(obj) for obj in exc.protected_objects]) from exc


def document_validate(document: Document) -> None:
    """Run every rule on an unsaved or changed document; raises ValidationError naming the field."""
    document.title = (document.title or "").strip()
    document.url = url_with_scheme(document.url)
    document.archive_url = url_with_scheme(document.archive_url)
    document.full_clean()


@transaction.atomic
def document_create(**data) -> Document:
    """Create a document after checking every rule (unique URL when set)."""
    unknown = set(data).difference(DOCUMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown document fields: {sorted(unknown)}")
    document = Document(**data)
    document_validate(document)
    document.save()
    return document


@transaction.atomic
def document_update(document: Document, **data) -> Document:
    for name in data:
        if name not in DOCUMENT_FIELDS:
            raise TypeError(f"unknown document field: {name}")
    before = {name: getattr(document, name) for name in DOCUMENT_SHOWN_FIELDS}
    for name, value in data.items():
        setattr(document, name, value)
    document_validate(document)
    document.save()
    if any(getattr(document, name) != before[name] for name in DOCUMENT_SHOWN_FIELDS):
        projection.refresh_for_documents([document.pk])
    return document


def document_references(document: Document) -> list[str]:
    refs = [f"hop #{hop.pk} of claim #{hop.claim_id}" for hop in document.attributions.all()[:20]]
    refs += [f"dispute #{d.pk} of claim #{d.claim_id}" for d in document.disputes.all()[:20]]
    return refs


@transaction.atomic
def document_delete(document: Document) -> None:
    """Delete a document no hop or dispute rests on; otherwise raise ReferencedError."""
    refs = document_references(document)
    if refs:
        raise ReferencedError(document, refs)
    try:
        document.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ReferencedError(document, [str(obj) for obj in exc.protected_objects]) from exc


# ---------------------------------------------------------------------------- new sources
# Editors under deadline name a new source where they first need it, with its kind in
# brackets: ``Yahya Saree [official, part of Houthis (Ansar Allah) [armed_group]]``. Parsing
# makes a plan (what will be created, in order); nothing is written until it is applied,
# inside the caller's transaction, so a later error leaves no source behind.

_AFFILIATION_WORDS = [
    ("allegedly affiliated with ", Affiliation.ALLEGED),
    ("affiliated with ", Affiliation.AFFILIATED),
    ("part of ", Affiliation.PART_OF),
    ("operated by ", Affiliation.OPERATED_BY),
]


def _kind_from_word(word: str) -> str | None:
    key = " ".join(word.replace("_", " ").split()).lower()
    for value, label in SourceKind.choices:
        if key in (value.replace("_", " "), str(label).lower()):
            return value
    return None


def split_top_level(text: str, separator: str) -> list[str]:
    """Split ``text`` on ``separator`` outside square brackets (a bracket may hold a comma)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i + len(separator)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


# "Telegram channel [.., affiliated with Kataib Hezbollah [.., part of PMF [..]]]" is three.
MAX_BRACKET_DEPTH = 5


@dataclass
class NewSource:
    """A source a plan will create: what the brackets said about it."""

    name: str
    kind: str
    is_anonymous: bool = False
    affiliated_with: Source | NewSource | None = None
    affiliation: str = ""
    created: Source | None = None

    def describe(self) -> str:
        """``Yahya Saree (official, part of Houthis)``, as the confirmation lists it."""
        parts = [SourceKind(self.kind).label]
        if self.is_anonymous:
            parts.append("anonymous")
        if self.affiliated_with is not None:
            parts.append(f"{Affiliation(self.affiliation).label} {self.affiliated_with.name}")
        return f"{self.name} ({', '.join(parts)})"


@dataclass
class SourcePlan:
    """Sources to create, in an order where each one's affiliation exists before it."""

    new: list[NewSource] = field(default_factory=list)
    # Saved sources already looked up (``prefetch``): reference text -> source or None.
    known: dict[str, Source | None] = field(default_factory=dict, repr=False, compare=False)

    def prefetch(self, texts) -> None:
        """Look up every one of ``texts`` (and, for ``Name [kind]``, the name) in one query,
        so that resolving them one by one afterwards reads the database no more."""
        names = []
        for text in texts:
            text = " ".join((text or "").split())
            names.append(text)
            if text.endswith("]") and "[" in text:
                cut = _bracket_start(text)
                if cut is not None:
                    names.append(text[:cut].strip())
        self.known.update(sources_by_reference(names))

    def lookup(self, text: str) -> Source | None:
        """The saved source ``text`` names (``source_by_reference``), prefetched or not."""
        text = " ".join((text or "").split())
        if text in self.known:
            return self.known[text]
        return source_by_reference(text)

    def planned(self, name: str) -> NewSource | None:
        """The source this plan will create under ``name`` (any case), if any."""
        key = " ".join(name.split()).lower()
        return next((spec for spec in self.new if spec.name.lower() == key), None)

    def reference(self, text: str) -> Source | NewSource:
        """Resolve ``Name`` or ``Name [kind, …]`` to an existing source or a planned one.

        Raises ValidationError (one message) for an unknown plain name, a bracket that
        disagrees with the source of that name, or a bracket that cannot be read.
        """
        text = " ".join((text or "").split())
        problem = reference_problem(text)
        if problem:
            raise ValidationError(problem)
        if text.count("[") > MAX_BRACKET_DEPTH:
            raise ValidationError(
                f"“{text[:60]}…” nests too many brackets; name at most "
                f"{MAX_BRACKET_DEPTH} sources inside one another."
            )
        name, bracket = text, None
        if text.endswith("]") and "[" in text:
            cut = _bracket_start(text)
            if cut is not None:
                name, bracket = text[:cut].strip(), text[cut + 1 : -1].strip()
        if not name:
            raise ValidationError(f"“{text}” names no source before its brackets.")
        existing = self.planned(name) or self.lookup(name)
        if bracket is None:
            if existing is None:
                raise ValidationError(
                    unknown_source_message(name)
                    + f" To create it, give its kind in brackets: “{name} [official]”."
                )
            return existing
        wanted = self._read_bracket(name, bracket)
        if existing is not None:
            self._check_agrees(existing, wanted)
            return existing
        self.new.append(wanted)
        return wanted

    def _read_bracket(self, name: str, bracket: str) -> NewSource:
        spec = NewSource(name=name, kind="")
        for item in split_top_level(bracket, ","):
            item = item.strip()
            lowered = item.lower()
            if not item:
                continue
            if lowered == "anonymous":
                spec.is_anonymous = True
                continue
            for words, affiliation in _AFFILIATION_WORDS:
                if lowered.startswith(words):
                    spec.affiliated_with = self.reference(item[len(words) :])
                    spec.affiliation = affiliation
                    break
            else:
                kind = _kind_from_word(item)
                if kind is None:
                    raise ValidationError(
                        f"“{item}” in the brackets of “{name}” is not a source kind, "
                        "“anonymous”, “affiliated with …” or “part of …”. Kinds: "
                        + ", ".join(SourceKind.values)
                        + "."
                    )
                spec.kind = kind
        if not spec.kind:
            raise ValidationError(
                f"Give the kind of “{name}” in its brackets, e.g. “{name} [official]”. Kinds: "
                + ", ".join(SourceKind.values)
                + "."
            )
        return spec

    @staticmethod
    def _check_agrees(existing: Source | NewSource, wanted: NewSource) -> None:
        problems = []
        if existing.kind != wanted.kind:
            problems.append(f"its kind is {SourceKind(existing.kind).label}, not {wanted.kind}")
        if wanted.is_anonymous and not existing.is_anonymous:
            problems.append("it is not anonymous")
        if wanted.affiliated_with is not None:
            parent = existing.affiliated_with
            same = parent is wanted.affiliated_with or (
                parent is not None
                and getattr(parent, "pk", None) is not None
                and parent.pk == getattr(wanted.affiliated_with, "pk", None)
            )
            if not same or existing.affiliation != wanted.affiliation:
                problems.append(
                    f"it is not {Affiliation(wanted.affiliation).label} "
                    f"{wanted.affiliated_with.name}"
                )
        if problems:
            raise ValidationError(
                f"“{existing.name}” already exists and {'; '.join(problems)}. Write its name "
                "without brackets to use it, or change it on its own page."
            )

    def describe(self) -> list[str]:
        """One line per source to create, in creation order."""
        return [spec.describe() for spec in self.new]

    def signature(self) -> str:
        """A short fingerprint of what will be created, for a confirmation that must match."""
        text = "\n".join(self.describe()).encode()
        return hashlib.sha256(text).hexdigest()[:16]

    def apply(self) -> list[Source]:
        """Create the planned sources (once; applying again creates nothing more)."""
        if all(spec.created is not None for spec in self.new):
            return []  # nothing to create: no savepoint to open and release
        with transaction.atomic():
            return [planned_source(spec) for spec in self.new if spec.created is None]


def _bracket_start(text: str) -> int | None:
    """Index of the ``[`` that opens the bracket closing ``text``, or None if unbalanced."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == "]":
            depth += 1
        elif text[i] == "[":
            depth -= 1
            if depth == 0:
                return i
    return None


def planned_source(ref: Source | NewSource) -> Source:
    """The saved source a reference stands for, creating a planned one (and the planned
    source it is affiliated with) first if need be. Call it inside the write's transaction."""
    if not isinstance(ref, NewSource):
        return ref
    if ref.created is None:
        parent = planned_source(ref.affiliated_with) if ref.affiliated_with else None
        ref.created = source_create(
            name=ref.name,
            kind=ref.kind,
            is_anonymous=ref.is_anonymous,
            affiliated_with=parent,
            affiliation=ref.affiliation if parent is not None else "",
        )
    return ref.created


def source_reference_create(text: str) -> Source:
    """Resolve ``Name`` or ``Name [kind, …]``, creating what the brackets describe.

    The API's ``disputed_by`` uses it so that a new disputant is named in the same request
    (``CENTCOM [military]``), the same way chain lines name new sources.
    """
    plan = SourcePlan()
    ref = plan.reference(text)
    plan.apply()
    return planned_source(ref)
