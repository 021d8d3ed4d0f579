from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.perms import can_act_as
from accounts.selectors import organisations_of
from beneficiaries import perms, selectors, services
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.forms import OrientationForm
from beneficiaries.models import Orientation
from beneficiaries.pdf import orientation_sheet_pdf
from places.models import Place
from places.selectors import opening_hours_plain


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
    form = OrientationForm(request.POST or None, prescribers=prescribers)
    if request.method == "POST" and form.is_valid():
        try:
            orientation = services.orientation_create(
                actor=request.user,
                prescriber=form.cleaned_data["prescriber"],
                place=place,
                person_name=form.cleaned_data["person_name"],
                need=form.cleaned_data["need"],
            )
        except BeneficiariesError as error:
            form.add_error(None, str(error))
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
    except BeneficiariesError as error:
        messages.error(request, str(error))
    return redirect("beneficiaries:orientations_received", organisation_pk=orientation.structure_id)


def _organisation_acting_as(request, pk: int, kind: str) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can_act_as(request.user, organisation, kind):
        raise PermissionDenied
    return organisation


@login_required
def orientations_sent(request, organisation_pk: int):
    organisation = _organisation_acting_as(request, organisation_pk, OrganisationKind.PRESCRIBER)
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
    organisation = _organisation_acting_as(request, organisation_pk, OrganisationKind.STRUCTURE)
    return render(
        request,
        "beneficiaries/orientations_received.html",
        {
            "organisation": organisation,
            "orientations": selectors.orientations_received(structure=organisation),
        },
    )
