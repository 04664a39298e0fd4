"""The readers' reports: disputed claims, sources, one claim's full provenance picture.

Views stay thin: the rows come from ``claims.selectors``, the filters from the API's own
``ClaimFilterSet``, the layout of a claim from ``claims.reports.entries``. Every report runs
a fixed number of queries whatever the page size (tests/reports/test_queries.py).
"""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from claims import selectors
from claims.choices import DisputeKind, Verdict
from claims.filtersets import ClaimFilterSet
from claims.models import Attribution, Claim, Dispute, Topic
from factcheck.api import CappedCountPaginator
from factcheck.prepared import Prepared
from sources.choices import SourceKind
from sources.filtersets import SourceFilterSet
from sources.models import Source

from .entries import claim_entry
from .render import entry_html, filter_form_html

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200


class BadRequest(Exception):
    """A reader's query string cannot be answered; the page shows ``errors`` with a 400."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def reports_access(view):
    """Let a request through when reports are public or the user is logged in.

    ``FACTCHECK_PUBLIC_REPORTS`` is read on every request (not at import) so that a
    deployment, or a test with ``override_settings``, can switch it without a restart.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_read_reports(request):
            return login_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


def may_read_reports(request) -> bool:
    """Every report is readable: reports are public, or the user is logged in."""
    return settings.FACTCHECK_PUBLIC_REPORTS or request.user.is_authenticated


def login_redirect(request):
    # Our own login page, not the admin's: the admin's refuses readers and researchers who
    # are not staff, and they are exactly who reads reports.
    return redirect_to_login(request.get_full_path(), reverse("reports:login"))


def is_published_verdict(document_text: str | None) -> bool:
    """The claim page is the ``url`` of the editors' published ClaimReview: with
    ``FACTCHECK_PUBLISH_VERDICTS`` on, a claim with a verdict (not ``unrated``)."""
    return (
        settings.FACTCHECK_PUBLISH_VERDICTS
        and document_text is not None
        and json.loads(document_text)["verdict"] != Verdict.UNRATED
    )


def drop_empty_params(view):
    """Redirect (302) a report GET that carries empty parameters to its URL without them.

    A filter form submits every field, so a filtered report URL would carry fifteen mostly
    empty parameters; dropping them server-side keeps shared and bookmarked URLs readable
    without any JavaScript. A CSV download is answered as it is: a script that fetched it
    without following redirects would otherwise get an empty file.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "GET" and request.GET.get("format") != "csv":
            query = request.GET.copy()
            dropped = False
            for name in list(query):
                values = query.getlist(name)
                kept = [value for value in values if value.strip() != ""]
                if len(kept) != len(values):
                    dropped = True
                    if kept:
                        query.setlist(name, kept)
                    else:
                        del query[name]
            if dropped:
                rest = query.urlencode()
                return HttpResponseRedirect(f"{request.path}?{rest}" if rest else request.path)
        return view(request, *args, **kwargs)

    return wrapped


def paginate(request, queryset, *, count: int | None = None):
    """The requested page of ``queryset``; bad ``page``/``page_size`` raise ``BadRequest``.

    ``count``, when the caller already knows it, saves the paginator its COUNT query.
    """
    raw_size = request.GET.get("page_size") or str(DEFAULT_PAGE_SIZE)
    try:
        size = int(raw_size)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(
            {
                "page_size": [
                    f"“{raw_size}” is not a page size; use a whole number 1 to {MAX_PAGE_SIZE}."
                ]
            }
        )
    paginator = Paginator(queryset, size)
    if count is not None:
        paginator.count = count  # a cached_property: setting it skips the query
    raw_page = request.GET.get("page") or "1"
    try:
        return paginator.page(raw_page)
    except InvalidPage:
        raise BadRequest(
            {
                "page": [
                    f"“{raw_page}” is not a page of this report; pages run from 1 to "
                    f"{paginator.num_pages}."
                ]
            }
        ) from None


def report_cap(request) -> int:
    """How far the summary counts: 1,000 claims, or one page past the page asked for (so
    every page up to it stays reachable), as the API's count does."""
    try:
        page = int(request.GET.get("page") or 1)
        size = int(request.GET.get("page_size") or DEFAULT_PAGE_SIZE)
    except ValueError:
        return CappedCountPaginator.CAP  # paginate() says what is wrong with them
    return min(max(CappedCountPaginator.CAP, (page + 1) * max(size, 1)), 2**62)


def wanted_format(request) -> str:
    """``html`` (the default) or ``csv``; anything else is a reader's error."""
    value = request.GET.get("format") or "html"
    if value not in {"html", "csv"}:
        raise BadRequest({"format": [f"Unknown format “{value}”; use csv, or leave it out."]})
    return value


def dispute_summary(claims, cap: int = CappedCountPaginator.CAP) -> dict:
    """How many claims ``claims`` holds, and how many of them have a dispute of each kind.

    Counted as the API counts (``CappedCountPaginator``): exactly up to ``cap`` claims,
    beyond that ``total`` is ``cap`` with ``exact`` false ("at least 1,000"), and the kinds
    are left out, because counting them means reading every dispute of a hundred thousand
    claims (100 ms at a million claims, every page). Two queries within the cap, one past
    it; neither reads more than ``cap + 1`` claims.
    """
    ids = claims.order_by().values("pk")
    total = ids[: cap + 1].count()  # an index walk that stops after cap + 1 claims
    if total > cap:
        return {"total": cap, "exact": False, "by_kind": []}
    # At most ``cap`` claims: their disputes grouped by kind.
    inner, params = ids.query.sql_with_params()
    table = Dispute._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, COUNT(DISTINCT claim_id) FROM {table}"
            f" WHERE claim_id IN ({inner}) GROUP BY kind",
            params,
        )
        rows = dict(cursor.fetchall())
    by_kind = [
        {"kind": kind, "label": label, "count": rows[kind]}
        for kind, label in DisputeKind.choices
        if rows.get(kind)
    ]
    return {"total": total, "exact": True, "by_kind": by_kind}


# Asked on every drawing of the report's form: compiled once (factcheck.prepared).
_topic_choices = Prepared(lambda: Topic.objects.order_by("name").values_list("slug", "name"))


def filter_choices() -> dict:
    """Choices for the filter form: topics (one query) and fixed lists.

    The sources are not among them: thousands of ``<option>`` tags were three quarters of
    every page (383 KB of 511 KB with 5,000 sources), so the form's source fields fill their
    shared ``<datalist>`` from ``source_options`` when a reader first uses one of them.
    """
    return {
        "topics": _topic_choices.rows(),
        "verdicts": Verdict.choices,
        "dispute_kinds": DisputeKind.choices,
        "source_kinds": SourceKind.choices,
        "orderings": [
            ("", "newest first"),
            ("first_reported_at", "oldest first"),
            ("-dispute_count", "most disputes first"),
            ("-occurred_at", "event date, newest first"),
            ("-updated_at", "recently updated first"),
            ("-independent_origin_count", "most independent origins first"),
        ],
    }


def csv_query(request) -> str:
    """The current filters, without paging or empty fields, plus ``format=csv``."""
    query = request.GET.copy()
    for name in ("page", "page_size", "format"):
        query.pop(name, None)
    for name in list(query):
        values = [value for value in query.getlist(name) if value != ""]
        if values:
            query.setlist(name, values)
        else:
            del query[name]
    query["format"] = "csv"
    return query.urlencode()


@drop_empty_params
@reports_access
def disputed_report(request):
    """``/reports/disputed/``: every disputed claim, filtered like the API, newest first."""
    context = {
        "filters": request.GET,
        # Drawn only for HTML (the template calls it): the CSV download draws no form.
        "filter_form": lambda: filter_form_html(request.GET, filter_choices()),
        "errors": {},
    }
    filterset = ClaimFilterSet(request.GET, queryset=selectors.disputed_claims())
    try:
        if not filterset.is_valid():
            raise BadRequest({name: list(messages) for name, messages in filterset.errors.items()})
        claims = filterset.qs
        day = filterset.form.cleaned_data.get("as_of")
        if wanted_format(request) == "csv":
            if day is not None:
                raise BadRequest({"as_of": [AS_OF_NO_CSV]})
            return selectors.claims_csv_download(claims, "disputed-claims.csv")
        summary = dispute_summary(claims, cap=report_cap(request))
        rows = claims.values_list("pk", flat=True) if day else selectors.report_entry_rows(claims)
        # Past the cap the page count is "at least" too: every page up to it is reachable.
        page = paginate(request, rows, count=summary["total"])
    except BadRequest as exc:
        context["errors"] = exc.errors
        return render(request, "claims/reports/disputed.html", context, status=400)
    context.update(
        summary=summary,
        page=page,
        entries=entries_of(page.object_list, day),
        csv_query=csv_query(request),
        as_of=day,
    )
    return render(request, "claims/reports/disputed.html", context)


AS_OF_NO_CSV = "The CSV download shows today's records; leave as_of out to download it."


def entries_of(rows, day) -> list[SafeString]:
    """A page's entries as HTML: each claim's stored entry, or one drawn from its served
    document where there is none fresh (``selectors.report_entry_rows``: one more query,
    only when the page has such claims); as of ``day``, drawn from the documents built
    afresh as they stood then (``selectors.documents_as_of``).
    """
    if day is not None:
        documents = selectors.documents_as_of(list(rows), day)
        return [entry_html(claim_entry(document)) for document in documents]
    rows = list(rows)
    redraw = [pk for pk, html, pending in rows if pending is not None or not html]
    drawn = {
        document["id"]: entry_html(claim_entry(document))
        for document in (selectors.stored_documents(redraw) if redraw else [])
    }
    return [
        drawn[pk] if pk in drawn else mark_safe(html)  # noqa: S308 (drawn by claims.reports.render)
        for pk, html, _pending in rows
        if pk in drawn or html
    ]


def report_day(request):
    """The ``as_of`` date of a one-claim page, parsed by the list's own filter, or None."""
    raw = request.GET.get("as_of") or None
    if raw is None:
        return None
    filterset = ClaimFilterSet({"as_of": raw}, queryset=Claim.objects.none())
    if not filterset.is_valid():
        raise BadRequest({"as_of": list(filterset.errors["as_of"])})
    return filterset.form.cleaned_data["as_of"]


def count_of(queryset) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` as an annotation (0 when empty).

    Wrapping the rows in ``SELECT COUNT(*) FROM (…)`` lets the inner query use ``DISTINCT``
    on the column that matters without a GROUP BY on the outer reference.
    """

    class SubqueryCount(Subquery):
        template = "(SELECT COUNT(*) FROM (%(subquery)s) _rows)"
        output_field = IntegerField()

    return Coalesce(SubqueryCount(queryset), 0)


# Sortable columns of the sources report: parameter value -> annotation or field.
SOURCE_COLUMNS = {
    "name": "name",
    "kind": "kind",
    "reliability": "reliability",
    "claims_originated": "claims_originated_count",
    "claims_relayed": "claims_relayed_count",
    "disputes_against": "disputes_against_count",
    "disputes_raised": "disputes_raised_count",
}
# What the sources report understands: its own sort and paging, and the API's own source
# filters for search (words in the name or description) and kind.
SOURCE_FILTERS = ("search", "kind")
SOURCE_PARAMS = {"sort", "page", "page_size", *SOURCE_FILTERS}
SOURCE_HEADERS = [
    ("name", "source"),
    ("kind", "kind"),
    ("reliability", "reliability"),
    ("claims_originated", "claims originated"),
    ("claims_relayed", "claims relayed"),
    ("disputes_against", "disputes against its claims"),
    ("disputes_raised", "disputes it raised"),
]


def source_rows():
    """Every source with its report figures, computed as correlated subqueries in one query."""
    hops = Attribution.objects.filter(source=OuterRef("pk"))
    originated_by_outer = Attribution.objects.filter(
        claim=OuterRef("claim"), source=OuterRef(OuterRef("pk")), is_origin=True
    )
    return Source.objects.annotate(
        claims_originated_count=count_of(hops.filter(is_origin=True).values("claim_id").distinct()),
        claims_relayed_count=count_of(hops.filter(is_origin=False).values("claim_id").distinct()),
        disputes_against_count=count_of(
            Dispute.objects.filter(Exists(originated_by_outer)).values("pk")
        ),
        disputes_raised_count=count_of(
            Dispute.objects.filter(disputed_by=OuterRef("pk")).values("pk")
        ),
    )


def source_ordering(request) -> tuple[str, list]:
    """The validated ``sort`` value and the ORDER BY it means (name breaks ties)."""
    unknown = sorted(set(request.GET) - SOURCE_PARAMS)
    if unknown:
        raise BadRequest(
            {
                name: [
                    f"Unknown query parameter “{name}”. Known parameters: "
                    f"{', '.join(sorted(SOURCE_PARAMS))}."
                ]
                for name in unknown
            }
        )
    sort = request.GET.get("sort") or "name"
    column = SOURCE_COLUMNS.get(sort.removeprefix("-"))
    if column is None:
        raise BadRequest(
            {
                "sort": [
                    f"Cannot sort by “{sort}”. Sort by one of: {', '.join(SOURCE_COLUMNS)} "
                    "(prefix '-' for descending)."
                ]
            }
        )
    ordering = [f"-{column}" if sort.startswith("-") else column]
    if column != "name":
        ordering.append("name")
    return sort, ordering


def source_filters(request, rows):
    """``rows`` narrowed by the request's ``search`` and ``kind``, through the API's filterset.

    Raises ``BadRequest`` naming the parameter; a bad kind lists the kinds there are.
    """
    data = {name: request.GET[name] for name in SOURCE_FILTERS if request.GET.get(name)}
    filterset = SourceFilterSet(data, queryset=rows)
    if not filterset.is_valid():
        errors = {name: list(messages) for name, messages in filterset.errors.items()}
        if "kind" in errors:
            errors["kind"].append(f"Kinds: {', '.join(SourceKind.values)}.")
        raise BadRequest(errors)
    return filterset.qs


def name_range(rows) -> str:
    """``A–F``: the first letters of the first and last names on an alphabetical page."""
    if not rows:
        return ""
    first, last = rows[0].name[:1].upper(), rows[-1].name[:1].upper()
    return first if first == last else f"{first}–{last}"


def source_pager(sort: str, page) -> dict:
    """Pagination words that fit the order: letters for names, plain next/previous otherwise."""
    pager = {"previous": "← previous", "next": "next →", "range": ""}
    if sort in {"name", "-name"}:
        pager["range"] = name_range(list(page.object_list))
    return pager


@drop_empty_params
@reports_access
def sources_report(request):
    """``/reports/sources/``: per source, claims originated and relayed, disputes, reliability.

    ``search`` (words in the name or description) and ``kind`` narrow the list as they do on
    the API's ``sources/``.
    """
    context = {
        "errors": {},
        "headers": SOURCE_HEADERS,
        "sort": "name",
        "filters": request.GET,
        "source_kinds": SourceKind.choices,
    }
    try:
        sort, ordering = source_ordering(request)
        rows = source_filters(request, source_rows())
        rows = rows.select_related("affiliated_with").order_by(*ordering)
        page = paginate(request, rows)
    except BadRequest as exc:
        context["errors"] = exc.errors
        return render(request, "claims/reports/sources.html", context, status=400)
    context.update(sort=sort, page=page, pager=source_pager(sort, page))
    return render(request, "claims/reports/sources.html", context)


def verdict_changes(claim_id: int) -> list:
    """The claim's history rows where the verdict changed (the first row included), oldest first."""
    changes = []
    previous = None
    rows = (
        Claim.history.filter(id=claim_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for row in rows:
        if previous is None or row.verdict != previous.verdict:
            changes.append(
                {
                    "date": row.history_date,
                    "user": row.history_user,
                    "verdict": row.get_verdict_display(),
                    "previous": previous.get_verdict_display() if previous else None,
                    "explanation": row.verdict_explanation,
                }
            )
        previous = row
    return changes


def admin_change_url(request, claim_id: int) -> str:
    """The claim's admin page for staff, or ``""`` (also while Claim is not in the admin)."""
    if not request.user.is_staff:
        return ""
    try:
        return reverse("admin:claims_claim_change", args=[claim_id])
    except NoReverseMatch:
        return ""


@drop_empty_params
def claim_report(request, pk: int):
    """``/reports/claims/<id>/``: one claim's chains, disputes, verdict and verdict history.

    Readable like every report, and also by anyone (a search engine's crawler included) when
    its verdict is published (``is_published_verdict``): the page is the ``url`` of the
    tracker's ClaimReview and carries it as JSON-LD. An anonymous reader of any other claim
    number, existing or not, is sent to log in, so the page tells nothing about it.
    """
    text = selectors.stored_document(pk)
    if not may_read_reports(request) and not is_published_verdict(text):
        return login_redirect(request)
    if text is None:
        raise Http404(f"No claim #{pk}.")
    entry = claim_entry(json.loads(text))
    try:
        day = report_day(request)
    except BadRequest as exc:
        context = {"claim": entry.claim, "errors": exc.errors}
        return render(request, "claims/reports/claim.html", context, status=400)
    if day is not None:
        documents = selectors.documents_as_of([pk], day)
        if not documents:
            # The list's as_of rule: nobody had reported the claim by then.
            raise Http404(f"Claim #{pk} had not been reported by {day}.")
        entry = claim_entry(documents[0])
    context = {
        "entry": entry,
        "claim": entry.claim,
        # Today's document: what the page's ClaimReview JSON-LD is built from.
        "stored_document": json.loads(text),
        "as_of": day,
        "verdict_changes": verdict_changes(pk),
        "admin_url": admin_change_url(request, pk),
    }
    return render(request, "claims/reports/claim.html", context)


@reports_access
def source_options(request):
    """``/reports/source-options/``: ``{"sources": [[slug, name], …]}`` by name, every source.

    What the report forms' source fields suggest (``claims/reports/source-list.js`` fetches it
    once, on the first focus). The fields take a slug or a name, so a reader without
    JavaScript types either and loses only the suggestions.
    """
    if request.GET:
        unknown = ", ".join(sorted(request.GET))
        return JsonResponse(
            {"detail": f"source-options takes no query parameters (got: {unknown})."},
            status=400,
        )
    sources = list(Source.objects.order_by("name", "slug").values_list("slug", "name"))
    response = JsonResponse({"sources": sources}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=300"
    return response


def home(request):
    """``/``: where each kind of user goes (admin, API docs, reports). Public."""
    return render(request, "home.html", {"public_reports": settings.FACTCHECK_PUBLIC_REPORTS})


class ReportsLoginView(LoginView):
    """Log in any active user (the admin's login accepts staff only); then back to ``next``."""

    template_name = "registration/login.html"
    redirect_authenticated_user = False


def disputed_redirect(request):
    """``/reports/``: the disputed report is the readers' front page."""
    return redirect("reports:disputed")
