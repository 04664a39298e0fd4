"""Small template helpers for the readers' reports."""

from django import template

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
