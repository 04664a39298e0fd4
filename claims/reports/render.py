"""Report entries drawn to HTML: the one place a claim's chains and disputes become markup
(and the disputed report's filter form, ``jinja/filters.html``).

The disputed report, the claim page and the admin's provenance panel all call ``entry_html``
(and the claim page ``dispute_html``), so the three show a claim the same way. The markup is
in ``jinja/entry.html`` as Jinja2 macros: Django's template engine spent about 4 ms a claim
on the ~250 lookups of one entry, more than the rest of a report page together, where
Jinja2's compiled macros spend a fraction of that (bench/RESULTS.md).

Values are escaped with Django's own ``escape`` (``finalize``), so the markup is the same,
character for character, as the Django partials it replaced wrote.
"""

from __future__ import annotations

from functools import cache
from html import escape as html_escape
from pathlib import Path
from urllib.parse import quote

import jinja2
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from markupsafe import Markup

from .entries import dispute_heading


def _finalize(value):
    """Every ``{{ value }}`` escaped as Django escapes it; markup (macros, safe strings) kept."""
    if hasattr(value, "__html__"):
        return value
    # What django.utils.html.escape does, without its lazy-string wrapper: html.escape.
    return Markup(html_escape(str(value)))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("jinja")),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.Undefined,
        auto_reload=False,
    )
    env.filters.update(
        dispute_heading=dispute_heading,
        pluralize=pluralize,
        urlencode=lambda value: quote(str(value), safe="/"),
        truncatewords=lambda value, n: Truncator(value).words(n, truncate=" …"),
        ymd=lambda day: day.strftime("%Y-%m-%d"),
    )
    env.globals.update(
        claim_url=lambda pk: reverse("reports:claim", args=[pk]),
        disputed_url=reverse("reports:disputed"),
        source_options_url=reverse("reports:source-options"),
    )
    return env


@cache
def _macros(name: str = "entry.html"):
    """The macros of one template of ``jinja/``, compiled once."""
    return _environment().get_template(name).module


def entry_html(entry, *, full: bool = False) -> SafeString:
    """One claim (a ``claims.reports.entries.ClaimEntry``) as its report ``<article>``."""
    return mark_safe(str(_macros().entry(entry, full)))  # noqa: S308 (escaped in the macros)


def dispute_html(dispute, *, show_target: bool = False) -> SafeString:
    """One dispute as its ``<aside>``, as the entry draws it beside the hop it contests."""
    return mark_safe(str(_macros().dispute(dispute, show_target)))  # noqa: S308


def filter_form_html(filters, choices: dict) -> SafeString:
    """The disputed report's filter form for the request's query ``filters`` (a QueryDict)
    and ``choices`` (``claims.reports.views.filter_choices``), as its ``<form>``."""
    return mark_safe(str(_macros("filters.html").filter_form(filters, choices)))  # noqa: S308


def options_html(choices, selected) -> SafeString:
    """A ``<select>``'s ``<option>``s for ``(value, label)`` pairs, ``selected`` marked."""
    return mark_safe(str(_macros("filters.html").options(choices, selected)))  # noqa: S308
