import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accompaniments import perms, selectors, services
from accompaniments.enums import ConsumeOutcome, ParticipantStatus, SessionStatus
from accompaniments.forms import (
    AnonymousForm,
    BookForm,
    RedeemForm,
    SessionCancelForm,
    SessionChangeForm,
    SessionForm,
    SurveyForm,
    WalkInForm,
    WelcomeForm,
)
from accompaniments.models import Participant, Session
from accounts.enums import OrganisationKind
from accounts.models import User
from accounts.selectors import organisations_of
from accounts.shortcuts import organisation_acting_as
from beneficiaries.models import Beneficiary
from beneficiaries.perms import can_view_beneficiary
from beneficiaries.selectors import beneficiaries_of
from beneficiaries.services import beneficiary_record_read
from core.exceptions import PassnumError
from core.forms import add_errors, parse_id
from places.models import Place
from programs.models import Program, Track
from programs.selectors import program_today, programs_under_agreement


def _structure_of_user(request):
    structures = organisations_of(user=request.user, kind=OrganisationKind.STRUCTURE)
    chosen_id = parse_id(request.POST.get("structure") or request.GET.get("structure"))
    chosen = structures.filter(pk=chosen_id).first() if chosen_id is not None else None
    structure = chosen or structures.first()
    if structure is None:
        raise PermissionDenied
    return structure, structures


_CARNET_NUMBER = re.compile(r"^\s*[A-Za-z0-9]{2,6}-?C\d{6}\s*$")


@never_cache
@login_required
def redeem(request):
    """Scan or type a voucher, enter its secret code, say what was done, then use it (or only
    test it)."""
    structure, structures = _structure_of_user(request)
    serial = request.GET.get("serie", "")
    if _CARNET_NUMBER.match(serial) or _CARNET_NUMBER.match(request.POST.get("serial", "")):
        number = serial or request.POST["serial"]
        return redirect(f"{reverse('accompaniments:welcome')}?carnet={number.strip().upper()}")
    form = RedeemForm(
        request.POST or None,
        initial={"serial": serial},
        sessions=selectors.sessions_today_of(structure=structure),
        places=Place.objects.filter(structure=structure),
    )
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        test = request.POST.get("action") == "test"
        try:
            result = services.unit_consume(
                actor=request.user,
                structure=structure,
                serial=data["serial"],
                code=data["code"],
                idempotency_key=data["idempotency_key"],
                test=test,
                record=services.ServiceRecord(
                    place=data["place"],
                    kind=data["kind"],
                    duration_minutes=data["duration"],
                    themes=tuple(data["themes"]),
                    mediator=request.user,
                    session=data["session"],
                ),
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            if result.outcome == ConsumeOutcome.CONSUMED:
                form = RedeemForm(
                    initial={"serial": "", "place": data["place"], "kind": data["kind"]},
                    sessions=selectors.sessions_today_of(structure=structure),
                    places=Place.objects.filter(structure=structure),
                )
    return render(
        request,
        "accompaniments/redeem.html",
        {"form": form, "result": result, "structure": structure, "structures": structures},
    )


@never_cache
@login_required
def welcome(request):
    """A person comes to the counter with their carnet or card: number and code open it."""
    structure, structures = _structure_of_user(request)
    form = WelcomeForm(request.POST or None, initial={"number": request.GET.get("carnet", "")})
    welcomed = None
    if request.method == "POST" and form.is_valid():
        try:
            welcomed = services.carnet_welcome(
                actor=request.user,
                structure=structure,
                number=form.cleaned_data["number"],
                code=form.cleaned_data["code"],
            )
        except PassnumError as error:
            add_errors(form, error)
    return render(
        request,
        "accompaniments/welcome.html",
        {
            "form": form,
            "welcomed": welcomed,
            "structure": structure,
            "structures": structures,
            "walk_in_form": WalkInForm(places=Place.objects.filter(structure=structure)),
        },
    )


@login_required
@require_POST
def walk_in(request):
    """An individual session that starts now, for a person the structure just welcomed."""
    structure, _structures = _structure_of_user(request)
    beneficiary = get_object_or_404(
        beneficiaries_of(organisation=structure), pk=parse_id(request.POST.get("beneficiary"))
    )
    program = get_object_or_404(Program, pk=parse_id(request.POST.get("program")))
    form = WalkInForm(request.POST, places=Place.objects.filter(structure=structure))
    if not form.is_valid():
        messages.error(request, "Choisissez le lieu et la durée de la séance.")
        return redirect(f"{reverse('accompaniments:welcome')}?structure={structure.pk}")
    try:
        participant = services.session_walk_in(
            actor=request.user,
            structure=structure,
            beneficiary=beneficiary,
            program=program,
            place=form.cleaned_data["place"],
            mediator=request.user,
            duration_minutes=form.cleaned_data["duration"],
        )
    except PassnumError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('accompaniments:welcome')}?structure={structure.pk}")
    messages.success(
        request,
        f"Séance commencée pour {beneficiary.first_name}. Notez sa présence quand elle est là.",
    )
    return redirect("accompaniments:session_detail", pk=participant.session_id)


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


def _session_choices(structure, programs) -> dict:
    """What a session of the structure may be given: its programs, places, members, tracks."""
    return {
        "programs": programs,
        "places": Place.objects.filter(structure=structure),
        "mediators": User.objects.filter(
            memberships__organisation=structure, memberships__is_active=True
        ).order_by("last_name"),
        "tracks": Track.objects.filter(program__in=programs),
    }


@login_required
def session_create(request, organisation_pk: int):
    structure = organisation_acting_as(request, organisation_pk, OrganisationKind.STRUCTURE)
    programs = Program.objects.filter(
        pk__in=[program.pk for program in programs_under_agreement(structure=structure)]
    )
    form = SessionForm(
        request.POST or None,
        **_session_choices(structure, programs),
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
                starts_at=form.starts_at(program),
                duration_minutes=form.minutes(),
                mediator=data["mediator"],
                capacity=data["capacity"] or 1,
                track=data["track"],
                themes=data["themes"],
            )
        except PassnumError as error:
            add_errors(form, error)
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
            "started": session.starts_at <= timezone.now(),
            "same_day": program_today(session.program) == session.starts_local.date(),
            "book_form": BookForm(beneficiaries=beneficiaries_of(organisation=session.structure)),
        },
    )


def _session_still_to_come(request, pk: int) -> Session | None:
    """The structure's session if it may still change; else None, with the reason said."""
    session = _session_for_structure(request, pk)
    if session.status != SessionStatus.PLANNED or session.starts_at <= timezone.now():
        messages.error(
            request, "Cette séance a commencé, est terminée ou annulée : elle ne se modifie plus."
        )
        return None
    return session


@login_required
def session_change(request, pk: int):
    session = _session_still_to_come(request, pk)
    if session is None:
        return redirect("accompaniments:session_detail", pk=pk)
    structure = session.structure
    form = SessionChangeForm(
        request.POST or None,
        session=session,
        **_session_choices(structure, Program.objects.filter(pk=session.program_id)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(actor=request.user, session=session, **form.changes(session))
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                "Séance modifiée. Les personnes inscrites sont prévenues d'un changement "
                "d'heure ou de lieu.",
            )
            return redirect("accompaniments:session_detail", pk=session.pk)
    return render(request, "accompaniments/session_change.html", {"form": form, "session": session})


@login_required
def session_cancel(request, pk: int):
    session = _session_still_to_come(request, pk)
    if session is None:
        return redirect("accompaniments:session_detail", pk=pk)
    form = SessionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Séance annulée. Les personnes inscrites sont prévenues.")
            return redirect("accompaniments:session_detail", pk=session.pk)
    return render(request, "accompaniments/session_cancel.html", {"form": form, "session": session})


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
            reason=request.POST.get("reason", ""),
        )
        (messages.success if result.ok else messages.error)(request, result.message)
    except PassnumError as error:
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
        except PassnumError as error:
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
        except PassnumError as error:
            add_errors(form, error)
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
    beneficiary_record_read(
        actor=request.user, beneficiary=beneficiary, page=request.resolver_match.view_name
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


def beneficiary_section(request, *, beneficiary, can_manage: bool) -> str:
    """A person's sessions on their page: all of them for the prescriber, only those of their
    own structures for a structure's members."""
    structures = None if can_manage else organisations_of(user=request.user)
    return render_to_string(
        "accompaniments/includes/beneficiary_sessions.html",
        {
            "can_manage": can_manage,
            "participations": selectors.beneficiary_participations(
                beneficiary=beneficiary, structures=structures
            ),
        },
        request=request,
    )
