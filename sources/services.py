"""Writes for sources and documents. Every surface (admin, API, commands) calls these."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import slugify

from claims import projection
from factcheck.errors import ReferencedError

from .models import Document, Source
from .selectors import family_ids_sql

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
    """A slug made from ``text`` that no other row of ``model`` uses (``-2``, ``-3`` on clashes)."""
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    candidate, n = base, 2
    others = model._default_manager.all()
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    while others.filter(**{field: candidate}).exists():
        suffix = f"-{n}"
        candidate = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return candidate


def _check_affiliation_loop(source: Source) -> None:
    from django.core.exceptions import ValidationError

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
    if not source.slug:
        source.slug = unique_slug(Source, source.name, instance=source)
    source.country = (source.country or "").upper()
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
    document.title = (document.title or "").strip()
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
