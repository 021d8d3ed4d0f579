import dataclasses

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from core.forms import add_errors
from programs.models import Program
from programs.perms import can_view_program
from reporting import selectors
from reporting.exceptions import ReportingError
from reporting.exports import export_response
from reporting.forms import PeriodForm
from reporting.periods import Period, period_parse
from reporting.tables import FunderReport, catalogue, use_row, uses_table

CHARTED = ("par-structure", "par-prescripteur", "par-parcours", "par-public", "par-theme")


def _exportable(tables, urlname: str, args: list, query: str) -> None:
    """Each table gets the address of its download, with the page's filters."""
    for table in tables:
        table.extra["export"] = reverse(urlname, args=[*args, table.slug]) + "?" + query


def _period(request, source) -> tuple[Period, PeriodForm]:
    """The period asked in the query string, or the current month if it cannot be read (the
    form then says why)."""
    form = PeriodForm(request.GET or None)
    data = request.GET
    try:
        period = period_parse(
            source=source,
            kind=data.get("periode", ""),
            value=data.get("valeur", ""),
            first=data.get("du", ""),
            last=data.get("au", ""),
        )
    except ReportingError as error:
        form.is_valid()
        add_errors(form, error)
        period = period_parse(source=source)
    return period, form


def _program_for_funder(request, slug: str) -> Program:
    program = get_object_or_404(Program, slug=slug)
    if not can_view_program(request.user, program):
        raise PermissionDenied
    return program


def _refused(request, error: ReportingError, back: str):
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "reporting/export_refused.html",
        {"error": error, "back": back, "csv_url": f"{request.path}?{query.urlencode()}"},
        status=400,
    )


def export(request, table, *, name: str, back: str):
    """Every table's download: ?format=csv or xlsx, the page's filters kept."""
    try:
        return export_response(table, request.GET.get("format", "csv"), name=name)
    except ReportingError as error:
        return _refused(request, error, back)


@login_required
def index(request):
    return render(
        request,
        "reporting/index.html",
        {"programs": selectors.funder_programs(user=request.user)},
    )


@login_required
def funder_dashboard(request, slug: str):
    program = _program_for_funder(request, slug)
    period, form = _period(request, program)
    report = FunderReport(program=program, period=period)
    query = urlencode(period.query())
    tables = report.tables
    _exportable(tables.values(), "reporting:funder_export", [program.slug], query)
    return render(
        request,
        "reporting/funder_dashboard.html",
        {
            "program": program,
            "period": period,
            "form": form,
            "report": report,
            "board": report.board,
            "tables": tables,
            "query": query,
            "charts": {
                "carnets": report.chart("carnets"),
                "budget-par-mois": report.chart("budget-par-mois"),
                "progression": report.chart("progression"),
                "satisfaction": report.chart("satisfaction"),
                **{slug: report.chart(slug) for slug in CHARTED},
            },
            "charted": CHARTED,
            "map_points": report.map_points(),
            "tile_url": settings.PASSNUM_MAP_TILE_URL,
        },
    )


@login_required
def funder_export(request, slug: str, table: str):
    program = _program_for_funder(request, slug)
    period, _form = _period(request, program)
    back = reverse("reporting:funder", args=[slug]) + "?" + urlencode(period.query())
    if table == "utilisations":
        chosen = uses_table(program=program, period=period)
    else:
        chosen = FunderReport(program=program, period=period).tables.get(table)
    if chosen is None:
        raise Http404
    return export(request, chosen, name=f"{program.slug}-{table}-{_name(period)}", back=back)


def _name(period: Period) -> str:
    return period.value or f"{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}"


@login_required
def funder_uses(request, slug: str):
    program = _program_for_funder(request, slug)
    period, form = _period(request, program)
    table = uses_table(program=program, period=period)
    query = urlencode(period.query())
    _exportable([table], "reporting:funder_export", [program.slug], query)
    page = Paginator(table.extra["events"], 50).get_page(request.GET.get("page"))
    rows = [use_row(event, program) for event in page]
    return render(
        request,
        "reporting/funder_uses.html",
        {
            "program": program,
            "period": period,
            "form": form,
            "table": dataclasses.replace(table, rows=lambda: rows),
            "page": page,
            "query": query,
        },
    )


def columns(request):
    """The stable names of every export's columns and what they hold (public: no figures)."""
    return render(request, "reporting/columns.html", {"tables": catalogue()})
