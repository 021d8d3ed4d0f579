import csv
import io
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.enums import OrganisationKind
from accounts.perms import is_member_of_kind
from accounts.selectors import organisations_list, organisations_of
from accounts.shortcuts import organisation_acting_as
from core.exceptions import PassnumError
from core.forms import add_errors, parse_id
from core.text import of
from places import datainclusion, perms, selectors, services
from places.forms import (
    ClaimDecisionForm,
    ErrorReportForm,
    ErrorReportHandleForm,
    ImportForm,
    PlaceAttachForm,
    PlaceClaimForm,
    PlaceEditForm,
    PlaceLookupForm,
    PlaceSearchForm,
)
from places.hours import week_to_osm
from places.models import Place, PlaceClaim, PlaceErrorReport, PlaceMatch
from places.standard import FIELDS_V1

MAP_MARKERS_MAX = 500
SEARCH_PAGE_SIZE = 10
REPORT_SESSION_KEY = "places_import_report"


def _require_directory_manager(request):
    if not perms.can_manage_directory(request.user):
        raise PermissionDenied


def _orienting(request) -> int | None:
    """The person a prescriber is choosing a place for (`?personne=`, from the person's page):
    carried from the search to the place and on to the orientation form, which checks it."""
    if not is_member_of_kind(request.user, OrganisationKind.PRESCRIBER):
        return None
    return parse_id(request.GET.get("personne"))


def search(request):
    form = PlaceSearchForm(request.GET or None, programs=selectors.programs_with_places())
    context = {
        "form": form,
        "tile_url": settings.PASSNUM_MAP_TILE_URL,
        "orienting": _orienting(request),
    }
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        commune = data["commune"]
        if commune and commune.latitude is not None:
            latitude, longitude, origin = commune.latitude, commune.longitude, commune.label
        else:
            latitude, longitude, origin = data["latitude"], data["longitude"], "votre position"
        results = selectors.place_search(
            latitude=latitude,
            longitude=longitude,
            radius_km=data["radius"],
            filters=selectors.PlaceFilters(
                services=data["services"],
                publics=data["publics"],
                fees=data["fees"],
                support_modes=data["support_modes"],
                open_now=data["open_now"],
                open_weekday=data["open_weekday"],
                program_id=data["program"],
            ),
        )
        page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        selectors.with_places(page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            {
                "results": page,
                "count": len(results),
                "origin": origin,
                "radius": data["radius"],
                "query": query.urlencode(),
                "map_origin": {"lat": latitude, "lon": longitude, "radius_km": data["radius"]},
                "map_markers": [
                    {
                        "lat": r.latitude,
                        "lon": r.longitude,
                        "name": r.nom,
                        "url": reverse("places:detail", args=[r.pk]),
                        "km": round(r.distance_km, 1),
                    }
                    for r in results[:MAP_MARKERS_MAX]
                ],
            }
        )
    return render(request, "places/search.html", context)


def detail(request, pk: int):
    place = selectors.place_get_public(pk=pk)
    if place is None:
        raise Http404
    if place.merged_into_id:  # a record another source also lists: its public place
        return redirect("places:detail", pk=place.merged_into_id)
    return render(
        request,
        "places/detail.html",
        {
            "place": place,
            "hours": selectors.opening_hours_plain(place) if place.horaires_valid else None,
            "is_open": selectors.place_is_open(place),
            "programs": selectors.place_accepted_programs(place=place),
            "records": selectors.place_records(place=place),
            "can_manage": perms.can_manage_directory(request.user),
            "can_edit": perms.can_edit_place(request.user, place),
            "can_orient": is_member_of_kind(request.user, OrganisationKind.PRESCRIBER),
            "orienting": _orienting(request),
            "can_claim": place.structure_id is None
            and is_member_of_kind(request.user, OrganisationKind.STRUCTURE),
            "tile_url": settings.PASSNUM_MAP_TILE_URL,
            "map_markers": [
                {
                    "lat": place.latitude,
                    "lon": place.longitude,
                    "name": place.nom,
                    "url": reverse("places:detail", args=[place.pk]),
                    "km": 0,
                }
            ],
        },
    )


def report_error(request, pk: int):
    place = get_object_or_404(Place.objects.select_related("structure"), pk=pk)
    form = ErrorReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.place_error_report_create(place=place, message=form.cleaned_data["message"])
        messages.success(request, "Merci : votre signalement a été transmis. Il sera vérifié.")
        return redirect("places:detail", pk=place.pk)
    return render(
        request,
        "places/report_error.html",
        {"place": place, "form": form, "can_edit": perms.can_edit_place(request.user, place)},
    )


@login_required
def place_edit(request, pk: int):
    """A structure keeps its place up to date; the operator corrects any place. Opened from an
    error report (?signalement=N), saving closes the report."""
    place = get_object_or_404(Place.objects.select_related("structure"), pk=pk)
    if place.merged_into_id:
        url = reverse("places:edit", args=[place.merged_into_id])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    if not perms.can_edit_place(request.user, place):
        raise PermissionDenied
    report_id = parse_id(request.POST.get("signalement") or request.GET.get("signalement"))
    report = selectors.error_report_open_of(place=place, pk=report_id) if report_id else None
    week = [intervals for _day, intervals in selectors.opening_hours_by_day(place)]
    form = PlaceEditForm(request.POST or None, initial=PlaceEditForm.initial_for(place, week))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.place_edit(
                actor=request.user, place=place, changes=form.changes(place), report=report
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            done = " Le signalement est fermé." if report is not None else ""
            messages.success(request, f"Fiche mise à jour ({len(changed)} champ(s)).{done}")
            return redirect("places:detail", pk=place.pk)
    grid_text = week_to_osm(week) if all(len(day) <= 2 for day in week) else None
    return render(
        request,
        "places/edit.html",
        {
            "place": place,
            "form": form,
            "report": report,
            "hours_not_in_grid": bool(place.horaires) and grid_text != place.horaires,
        },
    )


class _Echo:
    def write(self, value):
        return value


def export_csv(request):
    writer = csv.DictWriter(_Echo(), fieldnames=FIELDS_V1)

    def rows():
        yield writer.writeheader()
        for row in selectors.places_export_rows():
            yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lieux-de-mediation-numerique.csv"'
    return response


def export_json(request):
    def chunks():
        yield "["
        for index, row in enumerate(selectors.places_export_rows()):
            yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
        yield "]"

    return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")


DATA_INCLUSION_FIELDS = {
    "structures": datainclusion.STRUCTURE_FIELDS,
    "services": datainclusion.SERVICE_FIELDS,
}


def export_data_inclusion(request, kind: str, extension: str):
    """The directory in data·inclusion schema v1: structures or services, JSON or CSV."""
    if kind not in DATA_INCLUSION_FIELDS:
        raise Http404
    rows = selectors.data_inclusion_rows(kind=kind, link_base=request.build_absolute_uri("/"))
    if extension == "json":

        def chunks():
            yield "["
            for index, row in enumerate(rows):
                yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
            yield "]"

        return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    writer = csv.DictWriter(_Echo(), fieldnames=DATA_INCLUSION_FIELDS[kind])

    def lines():
        yield writer.writeheader()
        for row in rows:
            yield writer.writerow(selectors.data_inclusion_csv_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-inclusion-{kind}.csv"'
    return response


@login_required
def import_places(request):
    _require_directory_manager(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.places_import(
                content=upload.read(),
                name=upload.name,
                source=form.cleaned_data["source"],
                actor=request.user,
                dry_run=not form.cleaned_data["wet_run"],
            )
        except PassnumError as error:
            form.add_error("file", str(error))
        else:
            buffer = io.StringIO()
            report.write_csv(buffer)
            request.session[REPORT_SESSION_KEY] = buffer.getvalue()
    return render(
        request,
        "places/import.html",
        {
            "form": form,
            "report": report,
            "wet_run": form.is_bound and form.cleaned_data.get("wet_run"),
        },
    )


@login_required
def import_report_download(request):
    _require_directory_manager(request)
    content = request.session.get(REPORT_SESSION_KEY)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lignes-rejetees.csv"'
    return response


@login_required
def error_reports(request):
    _require_directory_manager(request)
    return render(
        request,
        "places/error_reports.html",
        {"reports": selectors.error_reports_open(), "form": ErrorReportHandleForm()},
    )


@login_required
@require_POST
def error_report_handle(request, pk: int):
    _require_directory_manager(request)
    report = get_object_or_404(PlaceErrorReport, pk=pk)
    form = ErrorReportHandleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez « corrigé » ou « sans suite ».")
    else:
        try:
            services.place_error_report_handle(
                actor=request.user,
                report=report,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"Signalement sur « {report.place.nom} » traité.")
        except PassnumError as error:
            messages.error(request, str(error))
    return redirect("places:error_reports")


@login_required
def structure_places(request, organisation_pk: int):
    organisation = organisation_acting_as(request, organisation_pk, OrganisationKind.STRUCTURE)
    lookup = PlaceLookupForm(request.GET or None)
    query = lookup.cleaned_data["q"] if lookup.is_valid() else ""
    return render(
        request,
        "places/structure_places.html",
        {
            "organisation": organisation,
            "places": selectors.places_of_structure(structure=organisation),
            "claims": selectors.place_claims_of(structure=organisation),
            "reports": selectors.error_reports_open_of_structure(structure=organisation),
            "lookup": lookup,
            "query": query,
            "unattached": selectors.places_without_structure(query=query),
        },
    )


@login_required
def place_claim(request, pk: int):
    """« C'est notre lieu » : a structure asks for a place with no structure."""
    place = get_object_or_404(Place.objects.select_related("structure"), pk=pk)
    structures = organisations_of(user=request.user, kind=OrganisationKind.STRUCTURE)
    if not structures.exists():
        raise PermissionDenied
    form = PlaceClaimForm(request.POST or None, structures=structures)
    if request.method == "POST" and form.is_valid():
        structure = form.cleaned_data["structure"]
        try:
            services.place_claim_create(
                actor=request.user,
                place=place,
                structure=structure,
                message=form.cleaned_data["message"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Demande envoyée pour « {place.nom} » : l'opérateur va la vérifier. "
                "Sa réponse s'affichera ici.",
            )
            return redirect("places:structure_places", organisation_pk=structure.pk)
    return render(
        request,
        "places/claim_form.html",
        {"place": place, "form": form, "pending": selectors.place_pending_claim(place=place)},
    )


@login_required
def claims(request):
    """The operator's page: pending claims, and places with no structure to attach directly."""
    _require_directory_manager(request)
    lookup = PlaceLookupForm(request.GET or None)
    query = lookup.cleaned_data["q"] if lookup.is_valid() else ""
    return render(
        request,
        "places/claims.html",
        {
            "claims": selectors.place_claims_pending(),
            "lookup": lookup,
            "query": query,
            "unattached": selectors.places_without_structure(query=query),
            "structures": organisations_list(kind=OrganisationKind.STRUCTURE),
        },
    )


@login_required
@require_POST
def claim_decide(request, pk: int):
    _require_directory_manager(request)
    claim = get_object_or_404(PlaceClaim.objects.select_related("place", "structure"), pk=pk)
    form = ClaimDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez : accepter ou refuser la demande.")
        return redirect("places:claims")
    try:
        if form.cleaned_data["action"] == "approve":
            services.place_claim_approve(actor=request.user, claim=claim)
            messages.success(
                request, f"« {claim.place.nom} » est rattaché à {claim.structure.name}."
            )
        else:
            services.place_claim_refuse(
                actor=request.user, claim=claim, reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"Demande {of(claim.structure.name)} refusée.")
    except PassnumError as error:
        messages.error(request, str(error))
    return redirect("places:claims")


@login_required
@require_POST
def place_attach(request, pk: int):
    _require_directory_manager(request)
    place = get_object_or_404(Place, pk=pk)
    form = PlaceAttachForm(
        request.POST, structures=organisations_list(kind=OrganisationKind.STRUCTURE)
    )
    if not form.is_valid():
        messages.error(request, "Choisissez la structure à rattacher au lieu.")
    else:
        structure = form.cleaned_data["structure"]
        try:
            services.place_attach(actor=request.user, place=place, structure=structure)
            messages.success(request, f"« {place.nom} » est rattaché à {structure.name}.")
        except PassnumError as error:
            messages.error(request, str(error))
    lookup = PlaceLookupForm(request.POST)
    query = lookup.cleaned_data["q"] if lookup.is_valid() else ""
    url = reverse("places:claims")
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


@login_required
def duplicates(request):
    """The operator's page: pairs that may be the same place, and the latest merges."""
    _require_directory_manager(request)
    return render(
        request,
        "places/duplicates.html",
        {
            "pending": selectors.place_matches_pending()[:100],
            "merged": selectors.place_matches_merged(),
        },
    )


@login_required
@require_POST
def duplicate_decide(request, pk: int):
    _require_directory_manager(request)
    match = get_object_or_404(PlaceMatch.objects.select_related("place_a", "place_b"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("same", "different"):
        messages.error(request, "Choisissez : même lieu ou lieux différents.")
        return redirect("places:duplicates")
    try:
        services.place_match_decide(actor=request.user, match=match, same=decision == "same")
    except PassnumError as error:
        messages.error(request, str(error))
    else:
        names = f"« {match.place_a.nom} » et « {match.place_b.nom} »"
        messages.success(
            request,
            f"{names} : un seul lieu." if decision == "same" else f"{names} : deux lieux.",
        )
    return redirect("places:duplicates")
