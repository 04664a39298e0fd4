"""Small template helpers for the readers' reports."""

from html import escape  # what Django's escape() calls, without its lazy-string wrapper

from django import template
from django.utils.safestring import mark_safe

from claims.reports.entries import dispute_heading as heading_for

register = template.Library()


@register.filter
def dispute_heading(kind: str) -> str:
    """``authorship_denial`` → ``authorship denied``: how a dispute kind reads in a report."""
    return heading_for(kind)


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


@register.simple_tag
def source_options(sources, selected) -> str:
    """``<option>`` tags for (slug, name) pairs, ``selected`` marked.

    The same HTML as a ``{% for %}`` loop would write, built in one join and reused for the
    page's three source menus: with thousands of sources the template loop cost over a
    second a page.
    """
    cached = _OPTIONS_CACHE.get("options")
    if cached is None or cached[0] is not sources:
        html = "".join(
            f'<option value="{escape(slug)}">{escape(name)}</option>' for slug, name in sources
        )
        cached = (sources, html)
        _OPTIONS_CACHE["options"] = cached  # holds the list, so its id cannot be reused
    html = cached[1]
    if selected:
        mark = f'<option value="{escape(str(selected))}">'
        html = html.replace(mark, mark[:-1] + " selected>", 1)
    return mark_safe(html)


# The options of the request's source list (one list per request, three menus read it).
_OPTIONS_CACHE: dict = {}
