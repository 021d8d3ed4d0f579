from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.enums import OrganisationKind
from accounts.selectors import habilitation_blocker, organisations_list, organisations_of
from core.exceptions import PassnumError
from core.forms import add_errors, parse_id
from core.money import euros_to_cents
from places.models import Place
from places.perms import can_manage_directory
from places.selectors import place_accepted_programs
from programs import perms, selectors, services
from programs.enums import ApplicationStatus, CallStatus
from programs.forms import (
    AgreementStatusForm,
    ApplicationForm,
    AttachmentForm,
    CallForm,
    CommitmentForm,
    CoverageForm,
    DecisionForm,
    PlaceProgramsForm,
    ProgramForm,
    ProgramSettingsForm,
    QuotaForm,
    ReviewForm,
    criteria_formset,
)
from programs.models import Agreement, Application, Call, Program


def _program_for_manager(request, slug: str) -> Program:
    program = get_object_or_404(Program, slug=slug)
    if not perms.can_manage_program(request.user, program):
        raise PermissionDenied
    return program


@login_required
def program_list(request):
    organisations = list(organisations_of(user=request.user))
    programs = selectors.programs_visible_to(organisations=organisations)
    return render(
        request,
        "programs/program_list.html",
        {"programs": programs, "can_create": perms.can_create_program(request.user)},
    )


@login_required
def program_create(request):
    funders = organisations_of(user=request.user, kind=OrganisationKind.FUNDER)
    if not funders.exists():
        raise PermissionDenied
    form = ProgramForm(request.POST or None, funders=funders)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.program_create(
                actor=request.user,
                lead_funder=form.cleaned_data["lead_funder"],
                tracks=form.cleaned_data["tracks_text"],
                **form.program_fields(),
            )
        except PassnumError as error:
            add_errors(form, error, fields=ProgramForm.SERVICE_FIELDS)
        else:
            messages.success(request, f"Programme « {program.name} » créé.")
            return redirect("programs:program_detail", slug=program.slug)
    return render(request, "programs/program_form.html", {"form": form, "creating": True})


@login_required
def program_edit(request, slug: str):
    program = _program_for_manager(request, slug)
    editable = services.program_editable_fields(program=program)
    form = ProgramSettingsForm(request.POST or None, instance=program, editable=editable)
    if request.method == "POST" and form.is_valid():
        try:
            services.program_update(
                actor=request.user,
                program=Program.objects.get(pk=program.pk),
                **form.program_fields(),
            )
        except PassnumError as error:
            add_errors(form, error, fields=ProgramForm.SERVICE_FIELDS)
        else:
            messages.success(request, "Réglages enregistrés.")
            return redirect("programs:program_detail", slug=program.slug)
    return render(
        request,
        "programs/program_form.html",
        {"form": form, "program": program, "creating": False},
    )


@login_required
def program_detail(request, slug: str):
    program = get_object_or_404(Program, slug=slug)
    if not perms.can_view_program(request.user, program):
        raise PermissionDenied
    return render(
        request,
        "programs/program_detail.html",
        {
            "program": program,
            "shares": selectors.funding_shares(program=program),
            "quotas": program.quotas.select_related("prescriber").order_by("prescriber__name"),
            "calls": program.calls.all(),
            "agreements": selectors.agreements_of(program=program),
            "can_manage": perms.can_manage_program(request.user, program),
            "agreement_form": AgreementStatusForm(),
        },
    )


@login_required
def commitment_add(request, slug: str):
    program = _program_for_manager(request, slug)
    form = CommitmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cap = data["share_cap_percent"]
        try:
            services.commitment_add(
                actor=request.user,
                program=program,
                funder=data["funder"],
                category=data["category"],
                amount_cents=euros_to_cents(data["amount_euros"]),
                share_cap_bp=cap * 100 if cap else None,
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Financement ajouté.")
            return redirect("programs:program_detail", slug=program.slug)
    return render(
        request,
        "programs/simple_form.html",
        {"form": form, "program": program, "title": "Ajouter un financement"},
    )


@login_required
def quota_set(request, slug: str):
    program = _program_for_manager(request, slug)
    form = QuotaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.quota_set(
                actor=request.user,
                program=program,
                prescriber=form.cleaned_data["prescriber"],
                units=form.cleaned_data["units"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Quota enregistré.")
            return redirect("programs:program_detail", slug=program.slug)
    return render(
        request,
        "programs/simple_form.html",
        {"form": form, "program": program, "title": "Attribuer un quota à un prescripteur"},
    )


@login_required
def call_create(request, slug: str):
    program = _program_for_manager(request, slug)
    form = CallForm(request.POST or None)
    criteria = criteria_formset(request.POST if request.method == "POST" else None)
    adding_rows = "more_rows" in request.POST
    if request.method == "POST" and not adding_rows and form.is_valid() and criteria.is_valid():
        data = form.cleaned_data
        try:
            call = services.call_create(
                actor=request.user,
                program=program,
                title=data["title"],
                text=data["text"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                criteria=criteria.criteria(),
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Appel créé en brouillon : relisez-le puis publiez-le.")
            return redirect("programs:call_detail", pk=call.pk)
    return render(
        request,
        "programs/call_form.html",
        {"form": form, "criteria": criteria, "program": program, "adding_rows": adding_rows},
    )


def call_detail(request, pk: int):
    call = get_object_or_404(Call.objects.select_related("program"), pk=pk)
    can_manage = request.user.is_authenticated and perms.can_manage_program(
        request.user, call.program
    )
    if call.status == CallStatus.DRAFT and not can_manage:
        raise PermissionDenied
    structures = (
        organisations_of(user=request.user, kind=OrganisationKind.STRUCTURE)
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "programs/call_detail.html",
        {
            "call": call,
            "can_manage": can_manage,
            "can_apply": bool(structures) and call.status == CallStatus.PUBLISHED,
            "ranked": selectors.applications_ranked(call=call) if can_manage else [],
        },
    )


@login_required
@require_POST
def call_publish(request, pk: int):
    call = get_object_or_404(Call, pk=pk)
    if not perms.can_manage_program(request.user, call.program):
        raise PermissionDenied
    try:
        services.call_publish(actor=request.user, call=call)
        messages.success(request, "Appel publié : les structures peuvent candidater.")
    except PassnumError as error:
        messages.error(request, str(error))
    return redirect("programs:call_detail", pk=call.pk)


@login_required
def calls_open(request):
    structures = organisations_of(user=request.user, kind=OrganisationKind.STRUCTURE)
    applications = Application.objects.filter(structure__in=structures).select_related(
        "call", "structure"
    )
    return render(
        request,
        "programs/calls_open.html",
        {"calls": selectors.calls_open(), "applications": applications},
    )


def _application_form(request, call: Call, structure, application=None):
    """A structure offers only its own places, in the call's territory."""
    places = Place.objects.filter(structure=structure)
    departements = call.departements.all()
    if departements.exists():
        places = places.filter(commune_ref__departement__in=departements)
    return ApplicationForm(
        request.POST or None,
        instance=application,
        places=places.order_by("commune", "nom"),
        structure=structure,
    )


@login_required
def application_create(request, pk: int):
    call = get_object_or_404(Call.objects.select_related("program"), pk=pk)
    structures = organisations_of(user=request.user, kind=OrganisationKind.STRUCTURE)
    if not structures.exists():
        raise PermissionDenied
    structure = structures.first()
    existing = (
        Application.objects.filter(call=call, structure=structure)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .first()
    )
    if existing:
        return redirect("programs:application_detail", pk=existing.pk)
    initial = {"siret": structure.siret or "", "rna": structure.rna or ""}
    form = _application_form(request, call, structure)
    if request.method != "POST":
        form.initial.update(initial)
        form.initial["places"] = list(
            Place.objects.filter(structure=structure).values_list("pk", flat=True)
        )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_save(
                actor=request.user, call=call, structure=structure, **form.application_fields()
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, "Brouillon enregistré. Ajoutez vos pièces, puis déposez la candidature."
            )
            return redirect("programs:application_detail", pk=application.pk)
    return render(
        request,
        "programs/application_form.html",
        {"form": form, "call": call, "structure": structure},
    )


def _application_for(request, pk: int) -> Application:
    application = get_object_or_404(
        Application.objects.select_related("call", "call__program", "structure"), pk=pk
    )
    if not perms.can_view_application(request.user, application):
        raise PermissionDenied
    return application


@login_required
def application_edit(request, pk: int):
    application = _application_for(request, pk)
    if not perms.can_apply(request.user, application.structure):
        raise PermissionDenied
    form = _application_form(request, application.call, application.structure, application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_save(
                actor=request.user,
                call=application.call,
                structure=application.structure,
                application=application,
                **form.application_fields(),
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Candidature enregistrée.")
            return redirect("programs:application_detail", pk=application.pk)
    return render(
        request,
        "programs/application_form.html",
        {"form": form, "call": application.call, "structure": application.structure},
    )


def _application_page(request, application, *, attachment_form=None, review_form=None):
    is_structure = perms.can_apply(request.user, application.structure)
    can_manage = perms.can_manage_program(request.user, application.call.program)
    if review_form is None:
        review = application.reviews.filter(reviewer=request.user).first()
        initial = None
        if review:
            initial = {f"score_{i}": s for i, s in enumerate(review.scores)}
            initial["comment"] = review.comment
        review_form = ReviewForm(criteria=application.call.criteria, initial=initial)
    return render(
        request,
        "programs/application_detail.html",
        {
            "application": application,
            "is_structure": is_structure,
            "editable": _editable(request, application),
            "submit_blocker": habilitation_blocker(organisation=application.structure),
            "can_manage": can_manage,
            "attachment_form": attachment_form or AttachmentForm(),
            "decision_form": DecisionForm(),
            "review_form": review_form,
            "reviews": application.reviews.select_related("reviewer") if can_manage else [],
        },
    )


def _editable(request, application) -> bool:
    return perms.can_apply(request.user, application.structure) and application.status in (
        ApplicationStatus.DRAFT,
        ApplicationStatus.CHANGES_REQUESTED,
    )


@login_required
def application_detail(request, pk: int):
    """The application; its structure adds attachments here while it can still change it."""
    application = _application_for(request, pk)
    attachment_form = None
    if request.method == "POST":
        if not _editable(request, application):
            raise PermissionDenied
        attachment_form = AttachmentForm(request.POST, request.FILES)
        if attachment_form.is_valid():
            services.attachment_add(
                actor=request.user,
                application=application,
                kind=attachment_form.cleaned_data["kind"],
                upload=attachment_form.cleaned_data["file"],
            )
            messages.success(request, "Pièce ajoutée.")
            return redirect("programs:application_detail", pk=application.pk)
    return _application_page(request, application, attachment_form=attachment_form)


@login_required
@require_POST
def application_action(request, pk: int):
    application = _application_for(request, pk)
    action = request.POST.get("action")
    message = request.POST.get("message", "")
    structure_actions = {"submit", "withdraw"}
    funder_actions = {"request_changes", "accept", "refuse"}
    if action in structure_actions and not perms.can_apply(request.user, application.structure):
        raise PermissionDenied
    if action in funder_actions and not perms.can_manage_program(
        request.user, application.call.program
    ):
        raise PermissionDenied
    handlers = {
        "submit": lambda: services.application_submit(actor=request.user, application=application),
        "withdraw": lambda: services.application_withdraw(
            actor=request.user, application=application
        ),
        "request_changes": lambda: services.application_request_changes(
            actor=request.user, application=application, message=message
        ),
        "accept": lambda: services.application_accept(actor=request.user, application=application),
        "refuse": lambda: services.application_refuse(
            actor=request.user, application=application, reason=message
        ),
    }
    if action not in handlers:
        messages.error(request, "Choisissez une décision.")
        return redirect("programs:application_detail", pk=application.pk)
    try:
        handlers[action]()
        application.refresh_from_db()
        messages.success(request, f"Candidature {application.get_status_display()}.")
    except PassnumError as error:
        messages.error(request, str(error))
    return redirect("programs:application_detail", pk=application.pk)


@login_required
@require_POST
def application_review(request, pk: int):
    application = _application_for(request, pk)
    if not perms.can_manage_program(request.user, application.call.program):
        raise PermissionDenied
    form = ReviewForm(request.POST, criteria=application.call.criteria)
    if form.is_valid():
        try:
            services.review_save(
                actor=request.user,
                application=application,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Évaluation enregistrée.")
            return redirect("programs:application_detail", pk=application.pk)
    return _application_page(request, application, review_form=form)


@login_required
@require_POST
def agreement_status(request, pk: int):
    """First post: the chosen change is shown to be confirmed; second post (confirm): done."""
    agreement = get_object_or_404(Agreement.objects.select_related("program", "structure"), pk=pk)
    if not perms.can_manage_program(request.user, agreement.program):
        raise PermissionDenied
    form = AgreementStatusForm(request.POST)
    if form.is_valid() and form.cleaned_data["confirm"]:
        try:
            services.agreement_set_status(
                actor=request.user,
                agreement=agreement,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Convention mise à jour.")
            return redirect("programs:program_detail", slug=agreement.program.slug)
    return render(
        request,
        "programs/agreement_confirm.html",
        {"agreement": agreement, "form": form, "program": agreement.program},
    )


@login_required
def coverage(request, slug: str):
    program = get_object_or_404(Program, slug=slug)
    if not perms.can_view_program(request.user, program):
        raise PermissionDenied
    form = CoverageForm(request.GET or None)
    distance = form.cleaned_data["distance"] if form.is_bound and form.is_valid() else 10
    rows = selectors.program_coverage(program=program)
    gaps = [r for r in rows if r.nearest_km is None or r.nearest_km > distance]
    return render(
        request,
        "programs/coverage.html",
        {
            "program": program,
            "form": form if form.is_bound else CoverageForm(initial={"distance": distance}),
            "rows": rows,
            "gaps": gaps,
            "distance": distance,
            "tile_url": settings.PASSNUM_MAP_TILE_URL,
            "map_markers": [
                {
                    "lat": r.commune.latitude,
                    "lon": r.commune.longitude,
                    "name": f"{r.commune.name} — {'couverte' if r.covered else 'sans structure'}",
                    "url": "#commune-" + r.commune.code,
                    "km": round(r.nearest_km, 1) if r.nearest_km is not None else "—",
                }
                for r in rows
                if r.commune.latitude is not None
            ],
        },
    )


@login_required
def place_manage(request, pk: int):
    """The operator says who holds a place and which programs it accepts."""
    if not can_manage_directory(request.user):
        raise PermissionDenied
    place = get_object_or_404(Place, pk=pk)
    programs = Program.objects.order_by("name")
    form = PlaceProgramsForm(
        request.POST or None,
        programs=programs,
        initial={"programs": place_accepted_programs(place=place)},
    )
    structures = organisations_list(kind="structure")
    if request.method == "POST" and form.is_valid():
        structure_id = request.POST.get("structure") or None
        structure = (
            get_object_or_404(structures, pk=parse_id(structure_id)) if structure_id else None
        )
        try:
            services.place_update(
                actor=request.user,
                place=place,
                programs=form.cleaned_data["programs"],
                structure=structure,
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Le lieu a été mis à jour.")
            return redirect("places:detail", pk=place.pk)
    return render(
        request,
        "programs/place_manage.html",
        {"place": place, "form": form, "structures": structures},
    )
