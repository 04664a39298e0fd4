"""Reused reads for sources: families, and the one resolver of source references."""

import difflib
from collections.abc import Iterable

from django.db.models import Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from .models import Source


def family_ids_sql(source: Source) -> RawSQL:
    """Ids of ``source`` and every source affiliated with it, transitively, as a subquery.

    ``UNION`` (not ``UNION ALL``) stops at rows already seen, so even a loop written behind
    the services' back terminates.
    """
    table = Source._meta.db_table
    return RawSQL(
        f"WITH RECURSIVE family(id) AS ("
        f" SELECT id FROM {table} WHERE id = %s"
        f" UNION SELECT s.id FROM {table} s JOIN family f ON s.affiliated_with_id = f.id"
        f") SELECT id FROM family",
        (source.pk,),
    )


# ---------------------------------------------------------------------------- references
# Editors and researchers name a source by its slug or by its name, in any case; every
# surface (API bodies, filters, the reports' forms, chain lines, admin search) resolves the
# text here, so "CENTCOM", "centcom" and "US Central Command" mean the same row everywhere.


# Names are at most 200 characters and slugs 220; anything longer names no source.
REFERENCE_MAX_LENGTH = 400


def reference_problem(text: str) -> str | None:
    """Why ``text`` cannot be a source reference at all (too long, a NUL), or None."""
    if "\x00" in text:
        return "A source reference cannot contain a NUL character."
    if len(text) > REFERENCE_MAX_LENGTH:
        return (
            f"A source reference is at most {REFERENCE_MAX_LENGTH} characters "
            f"(this one has {len(text)})."
        )
    return None


def source_by_reference(text: str) -> Source | None:
    """The source whose slug or name is ``text`` (case-insensitive), or None.

    A slug wins over a name, so a source named like another's slug cannot shadow it.
    The rule is ``sources_by_reference``'s, asked of one text.
    """
    text = " ".join((text or "").split())
    return sources_by_reference([text]).get(text)


REFERENCE_BATCH = 1000


def sources_by_reference(texts: Iterable[str]) -> dict[str, Source | None]:
    """The source each of ``texts`` names, one query for up to a thousand: text (its spaces
    collapsed) -> the source, or None (no such source, or not a reference at all).

    A slug wins over a name, so a source named like another's slug cannot shadow it; of two
    names that differ only in case the older source is meant. Slugs are stored lower-case
    (sources.services.unique_slug) and names are compared as the case-insensitive unique
    index holds them (``Lower(name)``, lowered by the database, as ``source_by_name``
    does), so both are index lookups on PostgreSQL.
    """
    keys = {}
    for text in texts:
        text = " ".join((text or "").split())
        if text and not reference_problem(text):
            keys[text] = text.lower()
    wanted = sorted(keys)
    by_slug: dict[str, Source] = {}
    by_name: dict[str, Source] = {}
    # A body can name many thousands; SQLite takes at most 32,766 parameters a statement.
    for start in range(0, len(wanted), REFERENCE_BATCH):
        batch = wanted[start : start + REFERENCE_BATCH]
        slugs = {keys[text] for text in batch}
        rows = (
            Source.objects.annotate(name_lower=Lower("name"))
            # Each name lowered by the database, as its unique index lowers names: SQLite's
            # lower() leaves "É" as it is, so Python's would miss "Éditions" there.
            .filter(Q(slug__in=slugs) | Q(name_lower__in=[Lower(Value(t)) for t in batch]))
            .order_by("pk")
        )
        for source in rows:
            # Only this batch's texts: each text's every candidate is in its batch's rows.
            if source.slug in slugs:
                by_slug.setdefault(source.slug, source)
            by_name.setdefault(source.name.lower(), source)
    return {text: by_slug.get(key) or by_name.get(key) for text, key in keys.items()}


def source_by_name(name: str) -> Source | None:
    """The source named ``name`` in any case, or None: a lookup in the case-insensitive
    unique index of names (``Lower(name)``), where ``name__iexact`` scanned every source."""
    return (
        Source.objects.alias(name_lower=Lower("name"))
        .filter(name_lower=Lower(Value(name)))
        .order_by("pk")
        .first()
    )


def source_suggestions(text: str, limit: int = 3) -> list[Source]:
    """Close matches for a reference that matched nothing: containment first, then spelling."""
    needle = " ".join((text or "").split())
    if not needle:
        return []
    found = list(
        Source.objects.filter(
            Q(name__icontains=needle) | Q(slug__icontains=needle.lower())
        ).order_by("name")[:limit]
    )
    if len(found) < limit:
        # difflib over names and slugs: a misspelling ("Reuter", "centcomm") is close to one.
        rows = list(Source.objects.values_list("pk", "name", "slug")[:20000])
        keys: dict[str, int] = {}
        for pk, name, slug in rows:
            keys.setdefault(name.lower(), pk)
            keys.setdefault(slug, pk)
        close = difflib.get_close_matches(needle.lower(), list(keys), n=limit * 2, cutoff=0.6)
        have = {source.pk for source in found}
        wanted = [keys[key] for key in close if keys[key] not in have]
        by_pk = Source.objects.in_bulk(wanted)
        for pk in dict.fromkeys(wanted):
            if pk in by_pk and len(found) < limit:
                found.append(by_pk[pk])
    return found[:limit]


def source_label(source: Source) -> str:
    """How a suggestion names a source: its name, then the slug an API client can use."""
    return f"{source.name} ({source.slug})"


def unknown_source_message(text: str) -> str:
    """The error for a reference that matched nothing, with close matches when there are any."""
    problem = reference_problem(text)
    if problem:
        return problem
    close = source_suggestions(text)
    hint = f" Did you mean: {', '.join(source_label(s) for s in close)}?" if close else ""
    return f"No source “{text.strip()}”.{hint}"


def sources_matching(term: str):
    """Sources whose name or slug contains ``term`` (any case), as a subquery of ids: the
    admin's searches use it to find claims and hops by a source named in part."""
    term = " ".join((term or "").split())
    return (
        Source.objects.filter(Q(name__icontains=term) | Q(slug__icontains=term.lower()))
        .order_by("pk")
        .values("pk")
    )
