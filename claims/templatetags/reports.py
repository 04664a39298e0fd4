"""Small template helpers for the readers' reports."""

from django import template
from django.utils.safestring import SafeString

from claims.reports import render
from claims.reports.entries import dispute_heading as heading_for

register = template.Library()


@register.filter
def dispute_heading(kind: str) -> str:
    """``authorship_denial`` → ``authorship denied``: how a dispute kind reads in a report."""
    return heading_for(kind)


@register.filter
def entry_html(entry, full=False) -> str:
    """A report entry as its ``<article>`` (``claims.reports.render``); ``|entry_html:True``
    draws the claim page's full version (whole quotes, hop notes, the claim text as h1)."""
    return render.entry_html(entry, full=bool(full))


@register.filter
def dispute_html(dispute, show_target=False) -> str:
    """A dispute as its ``<aside>``; ``|dispute_html:True`` names the hop it contests."""
    return render.dispute_html(dispute, show_target=bool(show_target))


@register.simple_tag
def sort_value(column: str, current: str) -> str:
    """The ``sort`` value a column header links to: ascending, or descending when already so."""
    return f"-{column}" if current == column else column


@register.filter
def sort_state(column: str, current: str) -> str:
    """``ascending``, ``descending`` or ``none`` for a column header's aria-sort."""
    if current == column:
        return "ascending"
    if current == f"-{column}":
        return "descending"
    return "none"


# Query parameters that say how a report is paged or delivered, not what it shows.
NOT_FILTERS = frozenset({"page", "page_size", "format"})


@register.simple_tag
def active_filters(query) -> list[tuple[str, str]]:
    """``(name, "value, value")`` for each non-empty filter in ``query`` (a ``QueryDict``).

    What a printout's header and the folded filter form's summary list, so a reader knows
    what the page shows without reading its URL.
    """
    active = []
    if not hasattr(query, "lists"):
        return active  # a page rendered without a request (the 500 page) has no filters
    for name, values in query.lists():
        values = [value for value in values if value.strip()]
        if name not in NOT_FILTERS and values:
            active.append((name, ", ".join(values)))
    return active


@register.simple_tag
def options(choices, selected) -> SafeString:
    """The ``<option>``s of a filter's ``<select>`` for ``(value, label)`` pairs, the one
    equal to ``selected`` (the request's value) marked, drawn by the macro the disputed
    report's form uses (``claims.reports.render.options_html``)."""
    return render.options_html(choices, selected)
