import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.perms import is_member
from accounts.selectors import organisations_of
from accounts.shortcuts import organisation_acting_as
from beneficiaries import perms, selectors, services
from beneficiaries.enums import DiagnosticKind
from beneficiaries.forms import (
    BeneficiaryForm,
    BeneficiaryUpdateForm,
    DiagnosticForm,
    OrientationForm,
)
from beneficiaries.models import Beneficiary, Orientation
from beneficiaries.pdf import orientation_sheet_pdf
from core.exceptions import PassnumError
from core.forms import add_errors, parse_id
from core.registry import BENEFICIARY_SECTIONS, contributions
from places.models import Place
from places.selectors import opening_hours_plain
from programs.selectors import programs_with_quota


def _orientation_for(request, pk: int) -> Orientation:
    orientation = get_object_or_404(
        Orientation.objects.select_related("place", "prescriber", "structure"), pk=pk
    )
    if not perms.can_view_orientation(request.user, orientation):
        raise PermissionDenied
    return orientation


@login_required
def orientation_create(request, place_pk: int):
    place = get_object_or_404(Place, pk=place_pk)
    prescribers = organisations_of(user=request.user, kind=OrganisationKind.PRESCRIBER)
    if not prescribers.exists():
        raise PermissionDenied
    beneficiaries = Beneficiary.objects.filter(prescriber__in=prescribers).order_by(
        "last_name", "first_name"
    )
    form = OrientationForm(
        request.POST or None,
        prescribers=prescribers,
        beneficiaries=beneficiaries,
        initial={"beneficiary": parse_id(request.GET.get("personne"))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            orientation = services.orientation_create(
                actor=request.user,
                prescriber=form.cleaned_data["prescriber"],
                place=place,
                person_name=form.cleaned_data["person_name"],
                need=form.cleaned_data["need"],
                beneficiary=form.cleaned_data["beneficiary"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, "Orientation enregistrée : imprimez la fiche pour la personne."
            )
            return redirect("beneficiaries:orientation_detail", pk=orientation.pk)
    return render(request, "beneficiaries/orientation_form.html", {"form": form, "place": place})


@login_required
def orientation_detail(request, pk: int):
    orientation = _orientation_for(request, pk)
    place = orientation.place
    return render(
        request,
        "beneficiaries/orientation_detail.html",
        {
            "orientation": orientation,
            "place": place,
            "hours": opening_hours_plain(place) if place.horaires_valid else None,
            "can_record_outcome": perms.can_record_outcome(request.user, orientation),
        },
    )


@login_required
def orientation_pdf(request, pk: int):
    orientation = _orientation_for(request, pk)
    response = HttpResponse(orientation_sheet_pdf(orientation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="orientation-{orientation.pk}.pdf"'
    return response


@login_required
@require_POST
def orientation_outcome(request, pk: int):
    orientation = _orientation_for(request, pk)
    if not perms.can_record_outcome(request.user, orientation):
        raise PermissionDenied
    came = request.POST.get("came") == "yes"
    try:
        services.orientation_record_outcome(actor=request.user, orientation=orientation, came=came)
        messages.success(
            request,
            f"C'est noté : {orientation.person_name} {'est venue' if came else 'n’est pas venue'}.",
        )
    except PassnumError as error:
        messages.error(request, str(error))
    return redirect("beneficiaries:orientations_received", organisation_pk=orientation.structure_id)


@login_required
def orientations_sent(request, organisation_pk: int):
    organisation = organisation_acting_as(request, organisation_pk, OrganisationKind.PRESCRIBER)
    return render(
        request,
        "beneficiaries/orientations_sent.html",
        {
            "organisation": organisation,
            "orientations": selectors.orientations_sent(prescriber=organisation),
        },
    )


@login_required
def orientations_received(request, organisation_pk: int):
    organisation = organisation_acting_as(request, organisation_pk, OrganisationKind.STRUCTURE)
    return render(
        request,
        "beneficiaries/orientations_received.html",
        {
            "organisation": organisation,
            "orientations": selectors.orientations_received(structure=organisation),
        },
    )


def _beneficiary_for(request, pk: int, *, manage: bool = False) -> Beneficiary:
    """The person of the URL if the user may see (or manage) their record; the read is
    journaled with the page's name."""
    beneficiary = get_object_or_404(
        Beneficiary.objects.select_related("prescriber", "commune"), pk=pk
    )
    allowed = perms.can_manage_beneficiary if manage else perms.can_view_beneficiary
    if not allowed(request.user, beneficiary):
        raise PermissionDenied
    services.beneficiary_record_read(
        actor=request.user, beneficiary=beneficiary, page=request.resolver_match.view_name
    )
    return beneficiary


@login_required
def beneficiary_list(request, organisation_pk: int):
    organisation = get_object_or_404(Organisation, pk=organisation_pk)
    if not is_member(request.user, organisation):
        raise PermissionDenied
    query = request.GET.get("q", "")
    page = Paginator(selectors.beneficiaries_of(organisation=organisation, query=query), 30)
    return render(
        request,
        "beneficiaries/beneficiary_list.html",
        {
            "organisation": organisation,
            "beneficiaries": page.get_page(request.GET.get("page")),
            "query": query,
            "can_create": organisation.is_prescriber,
        },
    )


@login_required
def beneficiary_create(request, organisation_pk: int):
    organisation = organisation_acting_as(request, organisation_pk, OrganisationKind.PRESCRIBER)
    form = BeneficiaryForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = list(
            selectors.beneficiary_duplicates(
                organisation=organisation,
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
            )
        )
        if not duplicates or data["confirm_new"]:
            try:
                beneficiary = services.beneficiary_create(
                    actor=request.user,
                    prescriber=organisation,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    birth_date=data["birth_date"],
                    commune=data["commune"],
                    consent_method=data["consent_method"],
                    phone=data["phone"],
                    email=data["email"],
                    categories=data["categories"],
                )
            except PassnumError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"{beneficiary} est inscrit(e).")
                return redirect("beneficiaries:beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/beneficiary_form.html",
        {"form": form, "organisation": organisation, "duplicates": duplicates},
    )


@login_required
def beneficiary_detail(request, pk: int):
    """The whole record for the prescriber; for a structure that served the person, only
    what it needs: the name, the hours or vouchers left and its own sessions."""
    beneficiary = _beneficiary_for(request, pk)
    can_manage = perms.can_manage_beneficiary(request.user, beneficiary)
    sections = [
        section(request, beneficiary=beneficiary, can_manage=can_manage)
        for section in contributions(BENEFICIARY_SECTIONS)
    ]
    if not can_manage:
        return render(
            request,
            "beneficiaries/beneficiary_served.html",
            {"beneficiary": beneficiary, "sections": sections},
        )
    return render(
        request,
        "beneficiaries/beneficiary_detail.html",
        {
            "beneficiary": beneficiary,
            "can_manage": can_manage,
            "timeline": selectors.beneficiary_timeline(beneficiary=beneficiary),
            "orientation_search": (
                selectors.orientation_search_query(beneficiary=beneficiary) if can_manage else ""
            ),
            "diagnostics": beneficiary.diagnostics.select_related("program", "chosen_track"),
            "sections": sections,
        },
    )


@login_required
def beneficiary_update(request, pk: int):
    """The prescriber corrects a person's data."""
    beneficiary = _beneficiary_for(request, pk, manage=True)
    if beneficiary.anonymised_at is not None:
        raise PermissionDenied
    form = BeneficiaryUpdateForm(
        request.POST or None,
        initial={
            "first_name": beneficiary.first_name,
            "last_name": beneficiary.last_name,
            "birth_date": beneficiary.birth_date,
            "commune": beneficiary.commune,
            "phone": beneficiary.phone,
            "email": beneficiary.email,
            "categories": beneficiary.categories,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.beneficiary_update(
                actor=request.user,
                beneficiary=beneficiary,
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
                commune=data["commune"],
                phone=data["phone"],
                email=data["email"],
                categories=data["categories"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Fiche corrigée.")
            return redirect("beneficiaries:beneficiary_detail", pk=beneficiary.pk)
    return render(
        request, "beneficiaries/beneficiary_update.html", {"form": form, "beneficiary": beneficiary}
    )


@login_required
def beneficiary_data_export(request, pk: int):
    """Right of access: one JSON file with everything held about the person."""
    beneficiary = _beneficiary_for(request, pk, manage=True)
    services.beneficiary_export_record(actor=request.user, beneficiary=beneficiary)
    content = json.dumps(
        selectors.beneficiary_export(beneficiary=beneficiary), ensure_ascii=False, indent=2
    )
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="donnees-personne-{beneficiary.pk}.json"'
    )
    return response


@login_required
def diagnostic_create(request, pk: int, program_pk: int):
    beneficiary = _beneficiary_for(request, pk, manage=True)
    program = get_object_or_404(
        programs_with_quota(prescriber=beneficiary.prescriber), pk=program_pk
    )
    kind = request.GET.get("type", DiagnosticKind.ENTRY)
    if kind not in DiagnosticKind.values:
        kind = DiagnosticKind.ENTRY
    form = DiagnosticForm(request.POST or None, program=program, kind=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            diagnostic = services.diagnostic_record(
                actor=request.user,
                beneficiary=beneficiary,
                program=program,
                kind=kind,
                answers=form.answers(),
                chosen_units=data.get("chosen_units"),
                chosen_track=data.get("chosen_track"),
                override_reason=data.get("override_reason", ""),
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Diagnostic enregistré : niveau {diagnostic.get_level_display()}"
                + (
                    f", {diagnostic.chosen_units} "
                    f"{diagnostic.program.unit_word(diagnostic.chosen_units)} "
                    f"{diagnostic.program.unit_agree('conseillé', diagnostic.chosen_units)}."
                    if diagnostic.chosen_units
                    else "."
                ),
            )
            return redirect("beneficiaries:beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/diagnostic_form.html",
        {"form": form, "beneficiary": beneficiary, "program": program, "kind": kind},
    )
