"""Writes for fact-checkers' reviews of claims. Admin, API and the ClaimReview import call these.

Every function runs ``full_clean`` and writes inside ``transaction.atomic``. None of them
reads or writes the claim's own ``verdict``: that is the editors' alone (``verdict_set``), so
no review, imported or typed, can change it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from factcheck.moments import MomentField, parse_moment
from sources.models import Source

from . import projection
from .choices import ReviewVerdict, VerdictBasis
from .models import Claim, Review
from .services import claim_lock

# The fields a caller may set on a review, in the order every surface shows them.
REVIEW_FIELDS = (
    "author",
    "url",
    "published_at",
    "headline",
    "body",
    "language",
    "rating_text",
    "rating_language",
    "rating_value",
    "best_rating",
    "worst_rating",
    "rating_explanation",
    "verdict",
    "verdict_basis",
    "claim_reviewed",
    "claimant",
    "claimant_placeholder",
    "claimant_same_as",
    "claim_date",
    "appearances",
)
# Provenance of a record: set by the import, never by an editor's form.
IMPORT_FIELDS = ("imported_from", "imported_at")


def _check_fields(fields: dict, allowed) -> None:
    unknown = set(fields).difference(allowed)
    if unknown:
        raise TypeError(f"unknown review fields: {sorted(unknown)}")


def review_validate(review: Review) -> None:
    """Every rule of a review: the model's own, plus appearances being a list of URLs or
    ``{"url": …}`` objects, so the export can publish them as they came."""
    errors = {}
    try:
        review.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    # Not the two choice constraints: clean_fields has just checked verdict and
    # verdict_basis against the very values they allow, and each would cost a query (the
    # database still enforces them). The URL's uniqueness and the import time are checked.
    try:
        review.validate_constraints(exclude={"verdict", "verdict_basis", *errors})
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    appearances = review.appearances
    if not isinstance(appearances, list) or not all(
        isinstance(item, str) or (isinstance(item, dict) and isinstance(item.get("url"), str))
        for item in appearances
    ):
        errors.setdefault("appearances", []).append(
            'A list of URLs, or of objects with a "url" (and "publisher", "headline", '
            '"datePublished" when known).'
        )
    if not isinstance(review.claimant_same_as, list) or not all(
        isinstance(item, str) for item in review.claimant_same_as
    ):
        errors.setdefault("claimant_same_as", []).append("A list of URLs.")
    if errors:
        raise ValidationError(errors)


def _with_reason(review: Review, reason: str | None, user=None) -> None:
    # django-simple-history reads these off the instance when it writes the history row.
    if reason:
        review._change_reason = reason
    if user is not None:
        review._history_user = user


@transaction.atomic
def review_create(
    *, claim: Claim, author: Source, reason: str | None = None, user=None, **fields
) -> Review:
    """Add a review of ``claim`` by ``author``; an editor's review has basis ``editor``
    unless the caller says how its verdict was reached."""
    _check_fields(fields, (*REVIEW_FIELDS, *IMPORT_FIELDS))
    fields.setdefault("verdict_basis", VerdictBasis.EDITOR)
    claim_lock(claim.pk)
    review = Review(claim=claim, author=author, **fields)
    review_validate(review)
    _with_reason(review, reason, user)
    review.save()
    projection.refresh([claim.pk])  # the claim's document lists its reviews
    return review


@transaction.atomic
def review_update(review: Review, *, reason: str | None = None, user=None, **fields) -> Review:
    """Change the given fields of a review (its claim stays); saves only what changed.

    A new verdict without a basis is an editor's: basis ``editor``.
    """
    _check_fields(fields, (*REVIEW_FIELDS, *IMPORT_FIELDS))
    claim_lock(review.claim_id)
    changed = [name for name, value in fields.items() if _differs(review, name, value)]
    if "verdict" in changed and "verdict_basis" not in fields:
        # A verdict chosen by a person is the editors' mapping, and a re-import keeps it.
        fields["verdict_basis"] = VerdictBasis.EDITOR
        if _differs(review, "verdict_basis", VerdictBasis.EDITOR):
            changed.append("verdict_basis")
    if not changed:
        return review
    for name in changed:
        setattr(review, name, fields[name])
    review_validate(review)
    _with_reason(review, reason, user)
    review.save(update_fields=[*changed, "updated_at"])
    projection.refresh([review.claim_id])
    return review


@transaction.atomic
def review_delete(review: Review, *, reason: str | None = None, user=None) -> None:
    """Delete a review; the claim and its editors' verdict are untouched."""
    claim_id = review.claim_id
    claim_lock(claim_id)
    _with_reason(review, reason, user)
    review.delete()
    projection.refresh([claim_id])


def _differs(review: Review, name: str, value) -> bool:
    field = Review._meta.get_field(name)
    if field.is_relation:
        current = getattr(review, field.attname)
        wanted = value.pk if value is not None else None
        return current != wanted
    current = getattr(review, name)
    if isinstance(field, MomentField):
        # A moment compares as stored: the same instant sent as +03:00 is no change.
        return parse_moment(current) != parse_moment(value)
    if isinstance(current, datetime.datetime) and isinstance(value, datetime.datetime):
        return current != value
    if field.get_internal_type() == "DecimalField" and current is not None and value is not None:
        return field.to_python(current) != field.to_python(value)
    return current != value


def review_for_import(*, claim: Claim | None, author: Source, url: str) -> Review | None:
    """The review an imported record is about: the one with its URL, else (no URL) the
    author's review of the claim. Row-locked, so two imports of one feed cannot both add."""
    reviews = Review.objects.select_for_update()
    if url:
        return reviews.filter(url=url).first()
    if claim is None:
        return None
    return reviews.filter(Q(url=""), claim=claim, author=author).order_by("pk").first()


@transaction.atomic
def review_import_upsert(
    *, claim: Claim, author: Source, url: str, imported_from: str, **fields
) -> tuple[Review, str]:
    """Add or update the review an import names; returns it and ``created``, ``updated`` or
    ``unchanged``. Idempotent: the same record twice writes nothing the second time.

    Matched by ``url``, else by author + claim. An editor's verdict on a review (basis
    ``editor``) is kept over the import's mapping. History names the import.
    """
    _check_fields(fields, REVIEW_FIELDS)
    reason = f"Imported from {imported_from}"
    existing = review_for_import(claim=claim, author=author, url=url)
    if existing is None:
        review = review_create(
            claim=claim,
            author=author,
            url=url,
            imported_from=imported_from,
            imported_at=timezone.now(),
            reason=reason,
            **fields,
        )
        return review, "created"
    if existing.verdict_basis == VerdictBasis.EDITOR and existing.verdict != ReviewVerdict.UNMAPPED:
        # An editor mapped this rating by hand; a re-import must not undo it.
        fields.pop("verdict", None)
        fields.pop("verdict_basis", None)
    fields["author"] = author
    if not any(_differs(existing, name, value) for name, value in fields.items()):
        return existing, "unchanged"
    review_update(
        existing,
        reason=reason,
        imported_from=imported_from,
        imported_at=timezone.now(),
        **fields,
    )
    return existing, "updated"
