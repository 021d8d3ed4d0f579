from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accompaniments import perms, selectors, services
from accompaniments.enums import ParticipantStatus
from accompaniments.exceptions import AccompanimentsError
from accompaniments.forms import AnonymousForm, BookForm, RedeemForm, SessionForm, SurveyForm
from accompaniments.models import Participant, Session
from accounts.enums import OrganisationKind
from accounts.models import User
from accounts.selectors import organisations_of
from accounts.shortcuts import organisation_acting_as
from beneficiaries.models import Beneficiary
from beneficiaries.perms import can_view_beneficiary
from beneficiaries.selectors import beneficiaries_of
from places.models import Place
from programs.models import Program, Track
from programs.selectors import programs_under_agreement


def _structure_of_user(request):
    structures = organisations_of(user=request.user, kind=OrganisationKind.STRUCTURE)
    chosen = structures.filter(
        pk=request.POST.get("structure") or request.GET.get("structure")
    ).first()
    structure = chosen or structures.first()
    if structure is None:
        raise PermissionDenied
    return structure, structures


@never_cache
@login_required
def redeem(request):
    """Scan or type a voucher, enter its secret code, then test it or use it."""
    structure, structures = _structure_of_user(request)
    form = RedeemForm(request.POST or None, initial={"serial": request.GET.get("serie", "")})
    result = None
    if request.method == "POST" and form.is_valid():
        test = request.POST.get("action") == "test"
        result = services.unit_consume(
            actor=request.user,
            structure=structure,
            serial=form.cleaned_data["serial"],
            code=form.cleaned_data["code"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            test=test,
        )
        if result["outcome"] == "consumed":
            form = RedeemForm(initial={"serial": ""})
    return render(
        request,
        "accompaniments/redeem.html",
        {"form": form, "result": result, "structure": structure, "structures": structures},
    )


@login_required
def dashboard(request, organisation_pk: int):
    structure = organisation_acting_as(request, organisation_pk, OrganisationKind.STRUCTURE)
    return render(
        request,
        "accompaniments/dashboard.html",
        {
            "organisation": structure,
            "dashboard": selectors.structure_dashboard(structure=structure),
        },
    )


@login_required
def session_list(request, organisation_pk: int):
    structure = organisation_acting_as(request, organisation_pk, OrganisationKind.STRUCTURE)
    return render(
        request,
        "accompaniments/session_list.html",
        {"organisation": structure, "sessions": selectors.sessions_of(structure=structure)},
    )


@login_required
def session_create(request, organisation_pk: int):
    structure = organisation_acting_as(request, organisation_pk, OrganisationKind.STRUCTURE)
    programs = Program.objects.filter(
        pk__in=[program.pk for program in programs_under_agreement(structure=structure)]
    )
    form = SessionForm(
        request.POST or None,
        programs=programs,
        places=Place.objects.filter(structure=structure),
        mediators=User.objects.filter(
            memberships__organisation=structure, memberships__is_active=True
        ).order_by("last_name"),
        tracks=Track.objects.filter(program__in=programs),
        initial={"mediator": request.user.pk, "kind": "individual"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        program = data["program"]
        try:
            session = services.session_create(
                actor=request.user,
                structure=structure,
                place=data["place"],
                program=program,
                kind=data["kind"],
                title=data["title"],
                starts_at=form.starts_at(ZoneInfo(program.time_zone)),
                duration_minutes=form.minutes(),
                mediator=data["mediator"],
                capacity=data["capacity"] or 1,
                track=data["track"],
                themes=data["themes"],
            )
        except AccompanimentsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Séance enregistrée.")
            return redirect("accompaniments:session_detail", pk=session.pk)
    return render(
        request, "accompaniments/session_form.html", {"form": form, "organisation": structure}
    )


def _session_for_structure(request, pk: int) -> Session:
    session = get_object_or_404(
        Session.objects.select_related("program", "place", "structure"), pk=pk
    )
    if not perms.can_run_session(request.user, session):
        raise PermissionDenied
    return session


@login_required
def session_detail(request, pk: int):
    session = _session_for_structure(request, pk)
    return render(
        request,
        "accompaniments/session_detail.html",
        {
            "session": session,
            "participants": session.participants.select_related("beneficiary").order_by(
                "waiting_position", "created_at"
            ),
            "anonymous_form": AnonymousForm(),
            "book_form": BookForm(beneficiaries=beneficiaries_of(organisation=session.structure)),
        },
    )


@login_required
@require_POST
def attendance(request, participant_pk: int):
    participant = get_object_or_404(
        Participant.objects.select_related("session", "beneficiary"), pk=participant_pk
    )
    session = _session_for_structure(request, participant.session_id)
    try:
        result = services.attendance_record(
            actor=request.user,
            structure=session.structure,
            participant=participant,
            status=request.POST.get("status", ""),
        )
        (messages.success if result["ok"] else messages.error)(request, result["message"])
    except AccompanimentsError as error:
        messages.error(request, str(error))
    return redirect("accompaniments:session_detail", pk=session.pk)


@login_required
@require_POST
def anonymous_add(request, pk: int):
    session = _session_for_structure(request, pk)
    form = AnonymousForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nombre de personnes : un nombre entier de 1 à 50.")
    else:
        try:
            services.session_add_anonymous(
                actor=request.user, session=session, count=form.cleaned_data["count"]
            )
            messages.success(request, "Participants anonymes comptés.")
        except AccompanimentsError as error:
            messages.error(request, str(error))
    return redirect("accompaniments:session_detail", pk=session.pk)


@login_required
def book(request, pk: int):
    """A prescriber books one of its people into a workshop; the structure, one it serves."""
    session = get_object_or_404(
        Session.objects.select_related("program", "place", "structure"), pk=pk
    )
    organisations = organisations_of(user=request.user)
    organisation = (
        organisations.filter(pk=session.structure_id).first()
        or organisations.filter(is_prescriber=True).first()
    )
    if organisation is None:
        raise PermissionDenied
    form = BookForm(request.POST or None, beneficiaries=beneficiaries_of(organisation=organisation))
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_book(
                actor=request.user,
                session=session,
                beneficiary=form.cleaned_data["beneficiary"],
                booked_by=organisation,
            )
        except AccompanimentsError as error:
            form.add_error(None, str(error))
        else:
            if participant.status == ParticipantStatus.WAITING:
                messages.warning(
                    request,
                    "Atelier complet : inscrit(e) en liste d'attente "
                    f"(rang {participant.waiting_position}).",
                )
            else:
                messages.success(
                    request, "Inscription enregistrée. Un rappel sera envoyé 48 h avant."
                )
            if organisation.pk == session.structure_id:
                return redirect("accompaniments:session_detail", pk=session.pk)
            return redirect("places:detail", pk=session.place_id)
    return render(request, "accompaniments/book_form.html", {"form": form, "session": session})


@login_required
@require_POST
def booking_cancel(request, participant_pk: int):
    participant = get_object_or_404(
        Participant.objects.select_related("session"), pk=participant_pk
    )
    session = _session_for_structure(request, participant.session_id)
    promoted = services.participant_cancel(actor=request.user, participant=participant)
    messages.success(
        request,
        "Inscription annulée."
        + (
            f" {promoted.beneficiary.first_name} passe de la liste d'attente à l'atelier."
            if promoted
            else ""
        ),
    )
    return redirect("accompaniments:session_detail", pk=session.pk)


@login_required
def survey(request, beneficiary_pk: int, program_pk: int):
    beneficiary = get_object_or_404(Beneficiary, pk=beneficiary_pk)
    if not can_view_beneficiary(request.user, beneficiary):
        raise PermissionDenied
    program = get_object_or_404(
        Program.objects.filter(carnets__beneficiary=beneficiary).distinct(), pk=program_pk
    )
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.survey_record(beneficiary=beneficiary, program=program, **form.cleaned_data)
        messages.success(request, "Merci : l'avis est enregistré.")
        return redirect("beneficiaries:beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "accompaniments/survey_form.html",
        {"form": form, "beneficiary": beneficiary, "program": program},
    )
