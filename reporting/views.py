import dataclasses

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_POST

from accounts.enums import OrganisationKind
from accounts.selectors import organisations_of
from accounts.shortcuts import organisation_acting_as
from core.db import large_reads
from core.forms import add_errors, parse_id
from core.timezones import commune_zone
from programs.models import Program
from programs.perms import can_view_program
from reporting import opendata, selectors, services
from reporting.exceptions import ReportingError
from reporting.exports import Column, Table, export_response
from reporting.forms import FollowUpForm, PeriodForm
from reporting.periods import Period, period_parse
from reporting.tables import (
    FunderReport,
    catalogue,
    prescriber_table,
    structure_table,
    unused_row,
    unused_table,
    use_row,
    uses_table,
)
from vouchers.models import Carnet

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
    if not form.is_bound:  # the form shows the period the page shows
        form = PeriodForm(initial=period.query())
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
        {
            "programs": selectors.funder_programs(user=request.user),
            "structures": organisations_of(user=request.user, kind=OrganisationKind.STRUCTURE),
            "prescribers": organisations_of(user=request.user, kind=OrganisationKind.PRESCRIBER),
        },
    )


@login_required
def funder_dashboard(request, slug: str):
    program = _program_for_funder(request, slug)
    period, form = _period(request, program)
    report = FunderReport(program=program, period=period)
    query = urlencode(period.query())
    tables = report.tables
    _exportable(tables.values(), "reporting:funder_export", [program.slug], query)
    with large_reads():  # the report reads its figures while the page is drawn
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


def _zone(organisation) -> str:
    return commune_zone(organisation.commune_id)


@login_required
def structure_dashboard(request, pk: int):
    structure = organisation_acting_as(request, pk, OrganisationKind.STRUCTURE)
    period, form = _period(request, _zone(structure))
    table = structure_table(structure=structure, period=period)
    query = urlencode(period.query())
    _exportable([table], "reporting:structure_export", [structure.pk], query)
    return render(
        request,
        "reporting/structure_dashboard.html",
        {"organisation": structure, "period": period, "form": form, "table": table},
    )


@login_required
def structure_export(request, pk: int, table: str):
    structure = organisation_acting_as(request, pk, OrganisationKind.STRUCTURE)
    period, _form = _period(request, _zone(structure))
    if table != "structure-par-programme":
        raise Http404
    back = reverse("reporting:structure", args=[pk]) + "?" + urlencode(period.query())
    chosen = structure_table(structure=structure, period=period)
    return export(request, chosen, name=f"structure-{pk}-{_name(period)}", back=back)


@login_required
def prescriber_dashboard(request, pk: int):
    prescriber = organisation_acting_as(request, pk, OrganisationKind.PRESCRIBER)
    period, form = _period(request, _zone(prescriber))
    query = urlencode(period.query())
    figures = prescriber_table(prescriber=prescriber, period=period)
    unused = unused_table(prescriber=prescriber, period=period)
    _exportable([figures, unused], "reporting:prescriber_export", [prescriber.pk], query)
    page = Paginator(unused.extra["carnets"], 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/prescriber_dashboard.html",
        {
            "organisation": prescriber,
            "period": period,
            "form": form,
            "figures": figures,
            "unused": unused,
            "page": page,
            "carnets": [(carnet, unused_row(carnet)) for carnet in page],
            "follow_up_form": FollowUpForm(),
            "query": query,
        },
    )


@login_required
def prescriber_export(request, pk: int, table: str):
    prescriber = organisation_acting_as(request, pk, OrganisationKind.PRESCRIBER)
    period, _form = _period(request, _zone(prescriber))
    tables = {
        "prescripteur-par-programme": prescriber_table,
        "carnets-non-utilises": unused_table,
    }
    if table not in tables:
        raise Http404
    back = reverse("reporting:prescriber", args=[pk]) + "?" + urlencode(period.query())
    chosen = tables[table](prescriber=prescriber, period=period)
    return export(request, chosen, name=f"{table}-{_name(period)}", back=back)


def _carnet_of(request, prescriber):
    carnet_id = parse_id(request.POST.get("carnet"))
    if carnet_id is None:
        raise Http404
    return get_object_or_404(
        Carnet.objects.select_related("beneficiary", "program"), pk=carnet_id, prescriber=prescriber
    )


@login_required
@require_POST
def prescriber_follow_up(request, pk: int):
    """A contact noted, or a reminder sent (button "relancer")."""
    prescriber = organisation_acting_as(request, pk, OrganisationKind.PRESCRIBER)
    carnet = _carnet_of(request, prescriber)
    back = request.POST.get("back", "")
    if not back.startswith(reverse("reporting:prescriber", args=[pk])):
        back = reverse("reporting:prescriber", args=[pk])
    try:
        if request.POST.get("action") == "remind":
            channel = services.carnet_remind(
                actor=request.user, prescriber=prescriber, carnet=carnet
            )
            where = "par SMS" if channel == "sms" else "par e-mail"
            messages.success(request, f"Relance envoyée {where} pour le carnet {carnet.number}.")
        else:
            form = FollowUpForm(request.POST)
            if not form.is_valid():
                raise ReportingError("Contact : choisissez un état dans la liste.", "status")
            services.follow_up_set(
                actor=request.user,
                prescriber=prescriber,
                carnet=carnet,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"Contact noté pour le carnet {carnet.number}.")
    except ReportingError as error:
        messages.error(request, error.message)
    return redirect(back)


OPEN_DATA_CACHE_SECONDS = 15 * 60


def open_data(request):
    """The page that documents the open data files and their schema."""
    return render(
        request,
        "reporting/open_data.html",
        {"fields": opendata.FIELDS, "threshold": opendata.THRESHOLD},
    )


@cache_page(OPEN_DATA_CACHE_SECONDS)
def open_data_csv(request):
    rows = opendata.monthly_indicators()
    table = Table(
        "indicateurs-mensuels",
        "Indicateurs mensuels par programme et commune",
        tuple(Column(name, name) for name, _type, _help in opendata.FIELDS),
        lambda: ([row[name] for name, _type, _help in opendata.FIELDS] for row in rows),
    )
    return export_response(table, "csv", name="indicateurs-mensuels")


@cache_page(OPEN_DATA_CACHE_SECONDS)
def open_data_json(request):
    return JsonResponse(
        {
            "schema": request.build_absolute_uri(reverse("reporting:open_data")),
            "licence": "Licence Ouverte / Open Licence 2.0",
            "seuil": opendata.THRESHOLD,
            "champs": [
                {"nom": name, "type": kind, "description": text}
                for name, kind, text in opendata.FIELDS
            ],
            "donnees": opendata.monthly_indicators(),
        },
        json_dumps_params={"ensure_ascii": False},
    )
