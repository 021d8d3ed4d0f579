import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.enums import OrganisationKind
from accounts.perms import is_member_of_kind
from accounts.shortcuts import organisation_acting_as
from beneficiaries.models import Beneficiary
from beneficiaries.perms import can_manage_beneficiary
from beneficiaries.services import beneficiary_record_read
from core.exceptions import PassnumError
from core.forms import add_errors, parse_id
from places.selectors import PlaceFilters, place_search, with_places
from programs.selectors import program_today, programs_with_quota
from vouchers import perms, selectors, services
from vouchers.codes import code_display
from vouchers.eligibility import eligibility_refusals, issue_options
from vouchers.enums import Delivery
from vouchers.forms import BalanceForm, IssueForm, OppositionForm, UnusedForm
from vouchers.models import Carnet
from vouchers.pdf import carnets_pdf

BALANCE_MAX_FAILURES = 5
# Beyond this many carnets, the batch comes back as a PDF download rather than a page.
BATCH_PAGE_MAX = 20
BALANCE_LOCK_SECONDS = 15 * 60


def _issued_page(request, issued_list, *, title: str):
    pdf = (
        carnets_pdf(issued_list)
        if any(i.carnet.delivery == Delivery.PAPER for i in issued_list)
        else b""
    )
    return render(
        request,
        "vouchers/issued.html",
        {
            "title": title,
            "issued_list": [
                {
                    "carnet": issued.carnet,
                    "access_code": code_display(issued.access_code),
                    "codes": [(serial, code_display(code)) for serial, code in issued.codes],
                }
                for issued in issued_list
            ],
            "pdf_base64": base64.b64encode(pdf).decode() if pdf else "",
        },
    )


@never_cache
@login_required
def carnet_issue(request, beneficiary_pk: int):
    beneficiary = get_object_or_404(
        Beneficiary.objects.select_related("prescriber"), pk=beneficiary_pk
    )
    if not can_manage_beneficiary(request.user, beneficiary):
        raise PermissionDenied
    beneficiary_record_read(
        actor=request.user, beneficiary=beneficiary, page=request.resolver_match.view_name
    )
    programs = programs_with_quota(prescriber=beneficiary.prescriber)
    program = programs.filter(
        pk=parse_id(request.POST.get("program") or request.GET.get("programme"))
    ).first()
    program = program or programs.first()
    if program is None:
        messages.error(request, "Votre organisation n'a de quota dans aucun programme.")
        return redirect("beneficiaries:beneficiary_detail", pk=beneficiary.pk)
    diagnostic = beneficiary.diagnostics.filter(program=program, kind="entry").first()
    initial = {"program": program}
    if diagnostic:
        initial |= {"units": diagnostic.chosen_units, "track": diagnostic.chosen_track}
    form = IssueForm(
        request.POST or None,
        initial=initial,
        programs=programs,
        units_choices=program.carnet_sizes or [program.min_units_per_beneficiary],
        tracks=program.tracks.all(),
        unit_word=program.unit_word(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.carnet_issue(
                actor=request.user,
                prescriber=beneficiary.prescriber,
                beneficiary=beneficiary,
                program=data["program"],
                units=data["units"],
                delivery=data["delivery"],
                track=data["track"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            return _issued_page(request, [issued], title=f"Carnet remis à {beneficiary}")
    option = issue_options(beneficiary=beneficiary, programs=[program])[0]
    return render(
        request,
        "vouchers/issue_form.html",
        {
            "form": form,
            "beneficiary": beneficiary,
            "program": program,
            "diagnostic": diagnostic,
            "option": option,
            "other_programs": programs.exclude(pk=program.pk),
        },
    )


@never_cache
@login_required
def carnet_batch(request, organisation_pk: int):
    organisation = organisation_acting_as(request, organisation_pk, OrganisationKind.PRESCRIBER)
    programs = programs_with_quota(prescriber=organisation)
    program = programs.filter(
        pk=parse_id(request.POST.get("program") or request.GET.get("programme"))
    ).first()
    program = program or programs.first()
    if program is None:
        messages.error(request, "Votre organisation n'a de quota dans aucun programme.")
        return redirect("accounts:organisation_home", pk=organisation.pk)
    people = list(
        Beneficiary.objects.filter(
            prescriber=organisation, diagnostics__program=program, diagnostics__kind="entry"
        )
        .exclude(carnets__program=program)
        .select_related("commune")
        .distinct()
        .order_by("last_name", "first_name")
    )
    refusals = eligibility_refusals(
        program=program, beneficiaries=people, on=program_today(program)
    )
    candidates = [person for person in people if person.pk not in refusals]
    refused = [(person, refusals[person.pk]) for person in people if person.pk in refusals]
    errors = []
    if request.method == "POST":
        wanted = set(request.POST.getlist("beneficiaries"))
        chosen = [person for person in candidates if str(person.pk) in wanted]
        batch = services.carnets_issue_batch(
            actor=request.user, prescriber=organisation, program=program, beneficiaries=chosen
        )
        issued_list, errors = batch.issued, batch.refusals
        if issued_list:
            for error in errors:
                messages.error(request, error)
            if len(issued_list) > BATCH_PAGE_MAX:
                response = HttpResponse(carnets_pdf(issued_list), content_type="application/pdf")
                response["Content-Disposition"] = 'attachment; filename="carnets.pdf"'
                return response
            return _issued_page(request, issued_list, title=f"{len(issued_list)} carnets remis")
        if not errors:
            errors.append("Cochez au moins une personne.")
    return render(
        request,
        "vouchers/batch_form.html",
        {
            "organisation": organisation,
            "programs": programs,
            "program": program,
            "candidates": candidates,
            "refused": refused,
            "errors": errors,
        },
    )


def _carnet_for_manager(request, pk: int) -> Carnet:
    carnet = get_object_or_404(
        Carnet.objects.select_related("program", "beneficiary", "prescriber"), pk=pk
    )
    if not perms.can_manage_carnet(request.user, carnet):
        raise PermissionDenied
    return carnet


@login_required
def carnet_detail(request, pk: int):
    carnet = _carnet_for_manager(request, pk)
    beneficiary_record_read(
        actor=request.user, beneficiary=carnet.beneficiary, page=request.resolver_match.view_name
    )
    return render(
        request,
        "vouchers/carnet_detail.html",
        {
            "carnet": carnet,
            "units": carnet.units.prefetch_related("events").order_by("position"),
            "balance": selectors.carnet_balance(carnet=carnet),
        },
    )


@never_cache
@login_required
def carnet_opposition(request, pk: int):
    carnet = _carnet_for_manager(request, pk)
    form = OppositionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.carnet_oppose(
                actor=request.user,
                carnet=carnet,
                reason=form.cleaned_data["reason"],
                delivery=form.cleaned_data["delivery"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            return _issued_page(
                request,
                [issued],
                title=f"Carnet {carnet.number} remplacé par {issued.carnet.number}",
            )
    return render(request, "vouchers/opposition_form.html", {"form": form, "carnet": carnet})


@login_required
def carnets_unused(request, organisation_pk: int):
    organisation = organisation_acting_as(request, organisation_pk, OrganisationKind.PRESCRIBER)
    form = UnusedForm(request.GET or None)
    days = form.cleaned_data["days"] if form.is_bound and form.is_valid() else 30
    return render(
        request,
        "vouchers/unused.html",
        {
            "organisation": organisation,
            "form": form if form.is_bound else UnusedForm(initial={"days": days}),
            "days": days,
            "carnets": selectors.carnets_unused(prescriber=organisation, days=days),
        },
    )


def _balance_page(request, carnet: Carnet):
    commune = carnet.beneficiary.commune
    places = []
    if commune.latitude is not None:
        places = with_places(
            place_search(
                latitude=commune.latitude,
                longitude=commune.longitude,
                radius_km=30,
                filters=PlaceFilters(program_id=carnet.program_id),
            )[:5]
        )
    return render(
        request,
        "vouchers/balance.html",
        {"carnet": carnet, "balance": selectors.carnet_balance(carnet=carnet), "places": places},
    )


@never_cache
def balance(request):
    if request.method == "POST" and request.POST.get("token"):
        # The link of the carnet's QR code: its token comes in a POST, never in a URL.
        carnet = selectors.carnet_by_link(token=request.POST["token"][:100])
        if carnet is not None:
            return _balance_page(request, carnet)
        return render(
            request,
            "vouchers/balance_form.html",
            {
                "form": BalanceForm(),
                "link_refused": "Ce lien de carnet n'est pas valable : tapez le numéro et le code.",
            },
        )
    form = BalanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            carnet = services.carnet_open(
                number=form.cleaned_data["number"], code=form.cleaned_data["code"]
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            return _balance_page(request, carnet)
    return render(request, "vouchers/balance_form.html", {"form": form})


@login_required
def units_blocked(request):
    if not is_member_of_kind(request.user, OrganisationKind.OPERATOR):
        raise PermissionDenied
    return render(
        request,
        "vouchers/blocked.html",
        {"events": selectors.blocked_events(), "now": timezone.now()},
    )


def beneficiary_section(request, *, beneficiary, can_manage: bool) -> str:
    """The carnets of a person and what can be issued to them, on the person's page."""
    options = []
    if can_manage:
        programs = programs_with_quota(prescriber=beneficiary.prescriber)
        options = issue_options(beneficiary=beneficiary, programs=programs)
    return render_to_string(
        "vouchers/includes/beneficiary_section.html",
        {
            "beneficiary": beneficiary,
            "can_manage": can_manage,
            "carnets": selectors.carnets_of(beneficiary=beneficiary),
            "issue_options": options,
        },
        request=request,
    )
