import datetime as dt
from functools import cache
from zoneinfo import available_timezones

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organisation
from accounts.selectors import habilitation_blocker
from core.money import format_euros
from core.services import audit_record, send_after_commit
from core.text import of
from places.enums import LinkSource
from places.models import PlaceProgram
from places.selectors import place_accepted_programs
from places.services import place_program_accept, place_program_revoke, place_set_structure
from programs.enums import (
    RETENTION_MONTHS_MAX,
    RETENTION_MONTHS_MIN,
    AgreementStatus,
    ApplicationStatus,
    CallStatus,
    PublicCategory,
    UnitKind,
    ValidityMode,
)
from programs.exceptions import BudgetExceeded, ProgramsError, QuotaExceeded, TransitionRefused
from programs.models import (
    Agreement,
    Application,
    ApplicationAttachment,
    Call,
    FundingCommitment,
    PrescriberQuota,
    Program,
    Review,
    Track,
)
from programs.selectors import program_has_issued, program_today


def _notify(organisations, *, subject: str, body: str, path: str) -> None:
    """E-mails the active members of the organisations, once the transaction has committed."""
    emails = sorted(
        set(
            Membership.objects.filter(
                organisation__in=[o for o in organisations if o is not None], is_active=True
            ).values_list("user__email", flat=True)
        )
    )
    if not emails:
        return
    text = f"{body}\n\n{settings.PASSNUM_SITE_URL}{path}\n\n— {settings.PASSNUM_OPERATOR_NAME}"
    send_after_commit(subject=f"[passnum] {subject}", text=text, emails=emails)


# --- Programs, tracks, funding, quotas ---------------------------------------------------


def program_rules_check(
    *,
    unit_kind: str,
    time_zone: str,
    starts_on: dt.date,
    ends_on: dt.date,
    carnet_sizes: list[int],
    min_units_per_beneficiary: int,
    yearly_cap_units: int | None,
    hourly_rate_individual_cents: int,
    hourly_rate_collective_cents: int,
    validity_mode: str,
    validity_end_on: dt.date | None,
    validity_months: int | None,
    min_age: int | None,
    eligible_categories: list[str],
    retention_months: int,
) -> None:
    """The settings of a program hold together; each refusal names its field."""
    if time_zone not in available_timezones():
        raise ProgramsError(f"Fuseau horaire inconnu : {time_zone}.", field="time_zone")
    if ends_on < starts_on:
        raise ProgramsError("La date de fin doit venir après la date de début.", field="ends_on")
    if not carnet_sizes or min(carnet_sizes) <= 0:
        raise ProgramsError(
            "Indiquez au moins une taille de carnet, par exemple 10.", field="carnet_sizes"
        )
    if max(carnet_sizes) < min_units_per_beneficiary:
        raise ProgramsError(
            "Aucune taille de carnet n'atteint le minimum par personne.", field="carnet_sizes"
        )
    if yearly_cap_units and max(carnet_sizes) > yearly_cap_units:
        raise ProgramsError(
            f"Un carnet ne peut pas dépasser le plafond annuel de {yearly_cap_units} "
            f"{'heures' if unit_kind == UnitKind.HOURS else 'chèques'} par personne.",
            field="carnet_sizes",
        )
    if unit_kind == UnitKind.HOURS:
        if hourly_rate_individual_cents <= 0:
            raise ProgramsError(
                "Indiquez ce que rapporte une heure : c'est aussi le coût d'une heure pour le "
                "budget.",
                field="hourly_rate_individual_cents",
            )
        if hourly_rate_collective_cents > hourly_rate_individual_cents:
            raise ProgramsError(
                "L'heure d'atelier par participant ne peut pas coûter plus que l'heure "
                "individuelle.",
                field="hourly_rate_collective_cents",
            )
    if validity_mode == ValidityMode.FIXED_END and not validity_end_on:
        raise ProgramsError(
            "Indiquez la date de fin de validité des carnets.", field="validity_end_on"
        )
    if validity_mode == ValidityMode.MONTHS_AFTER_ISSUE and not validity_months:
        raise ProgramsError("Indiquez la durée de validité en mois.", field="validity_months")
    if min_age is not None and not 0 < min_age <= 120:
        raise ProgramsError(
            "Âge minimum : indiquez un nombre d'années entre 1 et 120, ou rien.", field="min_age"
        )
    if not RETENTION_MONTHS_MIN <= retention_months <= RETENTION_MONTHS_MAX:
        raise ProgramsError(
            f"Durée de conservation des données : de {RETENTION_MONTHS_MIN} à "
            f"{RETENTION_MONTHS_MAX} mois.",
            field="retention_months",
        )
    unknown = sorted(set(eligible_categories) - set(PublicCategory.values))
    if unknown:
        raise ProgramsError(
            f"Publics admis : situation inconnue ({', '.join(unknown)}).",
            field="eligible_categories",
        )


_RULE_FIELDS = (
    "unit_kind",
    "time_zone",
    "starts_on",
    "ends_on",
    "carnet_sizes",
    "min_units_per_beneficiary",
    "yearly_cap_units",
    "hourly_rate_individual_cents",
    "hourly_rate_collective_cents",
    "validity_mode",
    "validity_end_on",
    "validity_months",
    "min_age",
    "eligible_categories",
    "retention_months",
)


def program_create(
    *,
    actor,
    lead_funder: Organisation,
    name: str,
    slug: str,
    starts_on: dt.date,
    ends_on: dt.date,
    unit_kind: str = UnitKind.MONEY,
    unit_value_cents: int = 1000,
    time_zone: str = "Europe/Paris",
    carnet_sizes: list[int] = (10,),
    min_units_per_beneficiary: int = 1,
    yearly_cap_units: int | None = None,
    max_group_size: int = 5,
    validity_mode: str = ValidityMode.FIXED_END,
    validity_end_on: dt.date | None = None,
    validity_tolerance_days: int = 31,
    validity_months: int | None = None,
    target_beneficiaries_per_year: int = 0,
    hourly_rate_individual_cents: int = 0,
    hourly_rate_collective_cents: int = 0,
    operator_fee_purchase_bp: int = 0,
    operator_fee_per_place_cents: int = 0,
    min_weekly_opening_hours: int = 24,
    diagnostic_questions: list = (),
    min_age: int | None = None,
    residence_required: bool = False,
    eligible_categories: list[str] = (),
    entry_diagnostic_required: bool = False,
    retention_months: int = 36,
    departements=(),
    communes=(),
    tracks: list[dict] = (),
) -> Program:
    if not lead_funder.is_funder:
        raise ProgramsError("Seul un financeur peut créer un programme.", field="lead_funder")
    carnet_sizes = sorted(set(carnet_sizes))
    eligible_categories = sorted(set(eligible_categories))
    program_rules_check(
        unit_kind=unit_kind,
        time_zone=time_zone,
        starts_on=starts_on,
        ends_on=ends_on,
        carnet_sizes=carnet_sizes,
        min_units_per_beneficiary=min_units_per_beneficiary,
        yearly_cap_units=yearly_cap_units,
        hourly_rate_individual_cents=hourly_rate_individual_cents,
        hourly_rate_collective_cents=hourly_rate_collective_cents,
        validity_mode=validity_mode,
        validity_end_on=validity_end_on,
        validity_months=validity_months,
        min_age=min_age,
        eligible_categories=eligible_categories,
        retention_months=retention_months,
    )
    with transaction.atomic():
        program = Program.objects.create(
            lead_funder=lead_funder,
            name=name,
            slug=slug,
            starts_on=starts_on,
            ends_on=ends_on,
            unit_kind=unit_kind,
            unit_value_cents=unit_value_cents,
            time_zone=time_zone,
            carnet_sizes=carnet_sizes,
            min_units_per_beneficiary=min_units_per_beneficiary,
            yearly_cap_units=yearly_cap_units,
            max_group_size=max_group_size,
            validity_mode=validity_mode,
            validity_end_on=validity_end_on,
            validity_tolerance_days=validity_tolerance_days,
            validity_months=validity_months,
            target_beneficiaries_per_year=target_beneficiaries_per_year,
            hourly_rate_individual_cents=hourly_rate_individual_cents,
            hourly_rate_collective_cents=hourly_rate_collective_cents,
            operator_fee_purchase_bp=operator_fee_purchase_bp,
            operator_fee_per_place_cents=operator_fee_per_place_cents,
            min_weekly_opening_hours=min_weekly_opening_hours,
            diagnostic_questions=list(diagnostic_questions),
            min_age=min_age,
            residence_required=residence_required,
            eligible_categories=eligible_categories,
            entry_diagnostic_required=entry_diagnostic_required,
            retention_months=retention_months,
        )
        program.departements.set(departements)
        program.communes.set(communes)
        for track in tracks:
            Track.objects.create(program=program, **track)
        audit_record(
            actor=actor, action="program.created", obj=program, organisation_id=lead_funder.pk
        )
    return program


# Settings a funder may change once carnets are out: what no issued carnet depends on, and
# dates or durations that only give people more time.
PROGRAM_SAFE_AFTER_ISSUE = ("name", "target_beneficiaries_per_year", "retention_months")
PROGRAM_EXTEND_ONLY_AFTER_ISSUE = (
    "ends_on",
    "validity_end_on",
    "validity_tolerance_days",
    "validity_months",
)


def program_change_check(*, program: Program, changes: dict) -> None:
    """Until the first carnet is issued every setting may change; after, only the safe ones
    (names, texts, the target) and dates or durations that move later. `changes`: the fields
    that differ from the program's values (many-to-many fields as lists)."""
    if not changes or not program_has_issued(program=program):
        return
    for field, value in changes.items():
        if field in PROGRAM_SAFE_AFTER_ISSUE:
            continue
        label = Program._meta.get_field(field).verbose_name
        if field in PROGRAM_EXTEND_ONLY_AFTER_ISSUE:
            current = getattr(program, field)
            if current is not None and value is not None and value >= current:
                continue
            raise ProgramsError(
                f"« {label} » : des carnets ont déjà été remis, cette date ou durée peut "
                "seulement être prolongée, pas avancée ni retirée.",
                field=field,
            )
        raise ProgramsError(
            f"« {label} » ne peut plus changer : des carnets ont déjà été remis avec ce "
            "réglage. Seuls le nom, l'objectif et les dates qui se prolongent changent encore.",
            field=field,
        )


def program_editable_fields(*, program: Program) -> set[str] | None:
    """The fields a form may offer: None for all of them (no carnet issued yet)."""
    if not program_has_issued(program=program):
        return None
    return set(PROGRAM_SAFE_AFTER_ISSUE) | set(PROGRAM_EXTEND_ONLY_AFTER_ISSUE)


_M2M_SETTINGS = ("departements", "communes")
# What a carnet takes from its program when it is issued, and that cannot change after the
# first one (budget_reserve checks them against the row).
PROGRAM_ISSUE_SETTINGS = (
    "unit_kind",
    "unit_value_cents",
    "hourly_rate_individual_cents",
    "hourly_rate_collective_cents",
    "validity_mode",
)


def program_update(*, actor, program: Program, **fields) -> Program:
    """Changes a program's settings (the fields of program_create but its funder, slug and
    tracks); program_change_check says which may still change."""
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        changes = {}
        for name, value in fields.items():
            if name in _M2M_SETTINGS:
                current = set(getattr(program, name).values_list("pk", flat=True))
                if current != {item.pk for item in value}:
                    changes[name] = list(value)
            elif name == "carnet_sizes":
                value = sorted(set(value))
                if value != sorted(program.carnet_sizes):
                    changes[name] = value
            elif name == "eligible_categories":
                value = sorted(set(value))
                if value != sorted(program.eligible_categories):
                    changes[name] = value
            elif name == "diagnostic_questions":
                if list(value) != list(program.diagnostic_questions):
                    changes[name] = list(value)
            elif getattr(program, name) != value:
                changes[name] = value
        program_change_check(program=program, changes=changes)
        if not changes:
            return program
        merged = {name: getattr(program, name) for name in _RULE_FIELDS}
        merged.update({k: v for k, v in changes.items() if k in _RULE_FIELDS})
        program_rules_check(**merged)
        for name, value in changes.items():
            if name not in _M2M_SETTINGS:
                setattr(program, name, value)
        program.full_clean(exclude=["lead_funder", "slug"])
        program.save(update_fields=[name for name in changes if name not in _M2M_SETTINGS])
        for name in _M2M_SETTINGS:
            if name in changes:
                getattr(program, name).set(changes[name])
        audit_record(
            actor=actor,
            action="program.updated",
            obj=program,
            organisation_id=program.lead_funder_id,
            data={"fields": sorted(changes)},
        )
    return program


def commitment_add(
    *,
    actor,
    program: Program,
    funder: Organisation,
    category: str,
    amount_cents: int,
    share_cap_bp: int | None = None,
) -> FundingCommitment:
    """A co-funder commits an amount. A capped funder (the State: 50 %) may not fund more than
    its share of the whole budget, since at best every funded unit gets used."""
    if amount_cents <= 0:
        raise ProgramsError("Le montant doit être positif.")
    ceiling = settings.PASSNUM_FUNDER_SHARE_CAPS_BP.get(category)
    if ceiling is not None:
        share_cap_bp = ceiling if share_cap_bp is None else min(share_cap_bp, ceiling)
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        if FundingCommitment.objects.filter(program=program, funder=funder).exists():
            raise ProgramsError(f"{funder.name} finance déjà ce programme.")
        total = program.funded_cents + amount_cents
        if share_cap_bp is not None and amount_cents * 10000 > share_cap_bp * total:
            raise ProgramsError(
                f"La part {of(funder.name)} dépasserait {share_cap_bp / 100:g} % du budget : "
                f"{format_euros(amount_cents)} sur {format_euros(total)}. Enregistrez d'abord "
                "les autres financeurs."
            )
        commitment = FundingCommitment.objects.create(
            program=program,
            funder=funder,
            category=category,
            amount_cents=amount_cents,
            share_cap_bp=share_cap_bp,
        )
        Program.objects.filter(pk=program.pk).update(funded_cents=F("funded_cents") + amount_cents)
        for other in FundingCommitment.objects.filter(program=program, share_cap_bp__isnull=False):
            if other.amount_cents * 10000 > other.share_cap_bp * total:
                raise ProgramsError("Le plafond d'un autre financeur ne serait plus respecté.")
        audit_record(
            actor=actor,
            action="program.commitment_added",
            obj=commitment,
            organisation_id=program.lead_funder_id,
            data={"amount_cents": amount_cents, "share_cap_bp": share_cap_bp},
        )
    return commitment


def quota_set(*, actor, program: Program, prescriber: Organisation, units: int) -> PrescriberQuota:
    if not prescriber.is_prescriber:
        raise ProgramsError("Un quota ne s'attribue qu'à un prescripteur.")
    with transaction.atomic():
        quota, created = PrescriberQuota.objects.get_or_create(
            program=program, prescriber=prescriber, defaults={"units_allocated": units}
        )
        if not created:
            updated = PrescriberQuota.objects.filter(pk=quota.pk, units_issued__lte=units).update(
                units_allocated=units
            )
            if not updated:
                raise ProgramsError(
                    f"{prescriber.name} a déjà remis {quota.units_issued} "
                    f"{program.unit_word(quota.units_issued)} : "
                    "le quota ne peut pas descendre en dessous."
                )
            quota.refresh_from_db()
        audit_record(
            actor=actor,
            action="program.quota_set",
            obj=quota,
            organisation_id=program.lead_funder_id,
            data={"units": units},
        )
    return quota


def budget_reserve(*, program: Program, prescriber: Organisation, units: int) -> int:
    """Takes `units` from the prescriber's quota and their value from the program's budget, or
    neither. Two conditional updates (quota row, then program row); call it inside the
    issuing transaction. Returns the value reserved, in cents."""
    if units <= 0:
        raise ProgramsError(f"Le nombre de {program.unit_word()} doit être positif.")
    cost = units * program.unit_cost_cents
    with transaction.atomic():
        quota_ok = PrescriberQuota.objects.filter(
            program=program,
            prescriber=prescriber,
            units_issued__lte=F("units_allocated") - units,
        ).update(units_issued=F("units_issued") + units)
        if not quota_ok:
            raise QuotaExceeded(
                f"Le quota {of(prescriber.name)} pour {program.name} ne permet pas "
                f"de remettre {units} {program.unit_word(units)} de plus."
            )
        # The carnet is made with the settings the caller read: they must still be the
        # program's. FOR UPDATE waits for a change of settings being saved (program_update
        # holds the row), then finds the row no longer matching.
        current = Program.objects.select_for_update().filter(
            pk=program.pk, **{name: getattr(program, name) for name in PROGRAM_ISSUE_SETTINGS}
        )
        if not list(current.values_list("pk", flat=True)):
            raise ProgramsError(
                f"Les réglages de {program.name} viennent de changer : recommencez la remise."
            )
        try:
            budget_move(program=program, committed=cost)
        except BudgetExceeded as error:
            raise BudgetExceeded(
                f"Le budget de {program.name} ne couvre pas {units} {program.unit_word(units)} de plus."
            ) from error
    return cost


@cache
def _budget_move_sql(*, grows: bool) -> str:
    """budget_move's one statement, written once: hot (run for every voucher used) and simple.
    The counters are never negative (a check constraint): `counter + delta >= 0` is the
    condition of a decrease and always true for an increase."""
    counters = ("committed", "consumed", "released", "reimbursed")
    moved = ", ".join(f"{name}_cents = {name}_cents + %({name})s" for name in counters)
    conditions = " AND ".join(f"{name}_cents + %({name})s >= 0" for name in counters)
    if grows:
        conditions += (
            " AND committed_cents + consumed_cents + %(committed)s + %(consumed)s <= funded_cents"
        )
    return (
        f"UPDATE {Program._meta.db_table} SET {moved}"  # noqa: S608
        f" WHERE id = %(program)s AND {conditions}"
    )


def budget_move(
    *,
    program: Program,
    committed: int = 0,
    consumed: int = 0,
    released: int = 0,
    reimbursed: int = 0,
) -> None:
    """The one way a program's budget counters move (cents, signed): one conditional update
    that keeps every counter at zero or more, what is committed and consumed within what is
    funded; else nothing moves.
    Issue: committed +. Use: committed - (value released), consumed + (amount due).
    Expiry or cancellation: committed -, released +. Reversal: the opposite of a use.
    Payment: reimbursed +. Reimbursed may pass consumed for a while: a use corrected after it
    was paid is owed back by the structure, deducted from its next transfer."""
    moves = {
        "program": program.pk,
        "committed": committed,
        "consumed": consumed,
        "released": released,
        "reimbursed": reimbursed,
    }
    with connection.cursor() as cursor:
        cursor.execute(_budget_move_sql(grows=committed + consumed > 0), moves)
        updated = cursor.rowcount
    if not updated:
        raise BudgetExceeded(
            f"Budget de {program.name} : ce mouvement le rendrait incohérent "
            "(contactez l'opérateur)."
        )


def budget_release(*, program: Program, cents: int) -> None:
    """Expiry or cancellation: the value of unused units goes back to the budget."""
    budget_move(program=program, committed=-cents, released=cents)


# --- Calls (AMI), applications, reviews ----------------------------------------------------


def call_create(*, actor, program: Program, departements=(), **fields) -> Call:
    criteria = fields.get("criteria") or []
    if not criteria or any(int(c["max_points"]) <= 0 for c in criteria):
        raise ProgramsError(
            "La grille de notation doit avoir au moins un critère noté sur plus de 0."
        )
    with transaction.atomic():
        call = Call.objects.create(program=program, **fields)
        call.departements.set(departements or program.departements.all())
        audit_record(
            actor=actor, action="call.created", obj=call, organisation_id=program.lead_funder_id
        )
    return call


def call_publish(*, actor, call: Call) -> Call:
    if not Call.objects.filter(pk=call.pk, status=CallStatus.DRAFT).update(
        status=CallStatus.PUBLISHED
    ):
        raise TransitionRefused("Seul un appel en brouillon peut être publié.")
    audit_record(actor=actor, action="call.published", obj=call)
    call.refresh_from_db()
    return call


def _call_is_open(call: Call) -> None:
    """Applications are written and sent while the call is open, in the program's time zone;
    an application sent back for changes may be completed after the closing date."""
    today = program_today(call.program)
    if call.status != CallStatus.PUBLISHED or not call.opens_on <= today <= call.closes_on:
        raise ProgramsError(
            f"Cet appel n'est pas ouvert aux candidatures aujourd'hui (du {call.opens_on:%d/%m/%Y} "
            f"au {call.closes_on:%d/%m/%Y})."
        )


def _own_places_check(*, structure: Organisation, places) -> None:
    """A structure offers only its own places: those the directory attaches to it."""
    others = [place for place in places if place.structure_id != structure.pk]
    if others:
        names = ", ".join(f"« {place.nom} » ({place.commune})" for place in others)
        verb = "n'est pas rattaché" if len(others) == 1 else "ne sont pas rattachés"
        raise ProgramsError(
            f"Lieux proposés : {names} {verb} à {structure.name}. Une structure ne propose que "
            "ses propres lieux. Si c'est le vôtre, demandez son rattachement depuis la fiche "
            "du lieu (« C'est notre lieu »)."
        )


def _application_fields(application: Application, data: dict) -> None:
    places = data.pop("places", None)
    if places is not None:
        _own_places_check(structure=application.structure, places=places)
    for name, value in data.items():
        setattr(application, name, value)
    application.full_clean(exclude=["call", "structure", "places"])
    application.save()
    if places is not None:
        application.places.set(places)


def application_save(
    *, actor, call: Call, structure: Organisation, application: Application | None = None, **data
) -> Application:
    """Creates or edits a draft (or an application sent back for changes)."""
    if not structure.is_structure:
        raise ProgramsError("Seule une structure de médiation peut candidater.")
    sent_back = (
        application is not None and application.status == ApplicationStatus.CHANGES_REQUESTED
    )
    if not sent_back:
        _call_is_open(call)
    with transaction.atomic():
        if application is None:
            if (
                Application.objects.filter(call=call, structure=structure)
                .exclude(status=ApplicationStatus.WITHDRAWN)
                .exists()
            ):
                raise ProgramsError("Votre structure a déjà une candidature pour cet appel.")
            application = Application(call=call, structure=structure)
        elif application.status not in (
            ApplicationStatus.DRAFT,
            ApplicationStatus.CHANGES_REQUESTED,
        ):
            raise TransitionRefused("Cette candidature ne peut plus être modifiée.")
        _application_fields(application, data)
        audit_record(
            actor=actor,
            action="application.saved",
            obj=application,
            organisation_id=structure.pk,
        )
    return application


def attachment_add(*, actor, application: Application, kind: str, upload) -> ApplicationAttachment:
    attachment = ApplicationAttachment.objects.create(
        application=application, kind=kind, file=upload, size=upload.size
    )
    audit_record(
        actor=actor,
        action="application.attachment_added",
        obj=application,
        organisation_id=application.structure_id,
        data={"kind": kind, "size": upload.size},
    )
    return attachment


_TRANSITIONS = {
    "submit": (
        {ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED},
        ApplicationStatus.SUBMITTED,
    ),
    "request_changes": ({ApplicationStatus.SUBMITTED}, ApplicationStatus.CHANGES_REQUESTED),
    "accept": ({ApplicationStatus.SUBMITTED}, ApplicationStatus.ACCEPTED),
    "refuse": (
        {ApplicationStatus.SUBMITTED, ApplicationStatus.CHANGES_REQUESTED},
        ApplicationStatus.REFUSED,
    ),
    "withdraw": (
        {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.CHANGES_REQUESTED},
        ApplicationStatus.WITHDRAWN,
    ),
}

_MESSAGES = {
    ApplicationStatus.SUBMITTED: "La candidature de {structure} à « {call} » a été déposée.",
    ApplicationStatus.CHANGES_REQUESTED: (
        "Des compléments sont demandés sur la candidature de {structure} à « {call} » :\n{message}"
    ),
    ApplicationStatus.ACCEPTED: (
        "La candidature de {structure} à « {call} » est acceptée. La convention est active."
    ),
    ApplicationStatus.REFUSED: "La candidature de {structure} à « {call} » est refusée. Motif :\n{message}",
    ApplicationStatus.WITHDRAWN: "La candidature de {structure} à « {call} » a été retirée.",
}


def _transition(*, actor, application: Application, action: str, message: str = "", **changes):
    sources, target = _TRANSITIONS[action]
    now = timezone.now()
    if action == "submit":
        changes["submitted_at"] = now
    if target in (ApplicationStatus.ACCEPTED, ApplicationStatus.REFUSED):
        changes["decided_at"] = now
    updated = Application.objects.filter(pk=application.pk, status__in=sources).update(
        status=target, **changes
    )
    if not updated:
        raise TransitionRefused(
            f"Impossible : la candidature est « {application.get_status_display()} »."
        )
    application.refresh_from_db()
    call = application.call
    audit_record(
        actor=actor,
        action=f"application.{action}",
        obj=application,
        organisation_id=application.structure_id,
        data={"status": target},
    )
    _notify(
        [application.structure, call.program.lead_funder],
        subject=f"Candidature {application.get_status_display()} — {call.title}",
        body=_MESSAGES[target].format(
            structure=application.structure.name, call=call.title, message=message
        ),
        path=reverse("programs:application_detail", args=[application.pk]),
    )
    return application


def application_submit(*, actor, application: Application) -> Application:
    program = application.call.program
    blocker = habilitation_blocker(organisation=application.structure)
    if blocker:
        raise ProgramsError(blocker)
    if application.status == ApplicationStatus.DRAFT:
        _call_is_open(application.call)
    if application.weekly_opening_hours < program.min_weekly_opening_hours:
        raise ProgramsError(
            f"Les lieux doivent ouvrir au moins {program.min_weekly_opening_hours} h par semaine."
        )
    if not application.places.exists() and not application.new_places.strip():
        raise ProgramsError("Indiquez au moins un lieu où vous accueillez le public.")
    _own_places_check(structure=application.structure, places=application.places.all())
    return _transition(actor=actor, application=application, action="submit")


def application_request_changes(*, actor, application: Application, message: str) -> Application:
    if not message.strip():
        raise ProgramsError("Écrivez ce qui doit être complété ou corrigé.")
    return _transition(
        actor=actor,
        application=application,
        action="request_changes",
        message=message,
        changes_message=message.strip(),
    )


def application_refuse(*, actor, application: Application, reason: str) -> Application:
    if not reason.strip():
        raise ProgramsError("Le motif du refus est obligatoire.")
    return _transition(
        actor=actor,
        application=application,
        action="refuse",
        message=reason,
        refusal_reason=reason.strip(),
    )


def application_withdraw(*, actor, application: Application) -> Application:
    return _transition(actor=actor, application=application, action="withdraw")


def application_accept(
    *, actor, application: Application, starts_on: dt.date | None = None
) -> Agreement:
    """Acceptance makes the agreement (convention); its places then accept the program."""
    program = application.call.program
    starts_on = max(starts_on or program_today(program), program.starts_on)
    if starts_on > program.ends_on:
        raise ProgramsError(
            f"{program.name} s'est terminé le {program.ends_on:%d/%m/%Y} : "
            "aucune convention ne peut commencer après."
        )
    with transaction.atomic():
        _transition(actor=actor, application=application, action="accept")
        try:
            with transaction.atomic():
                agreement = Agreement.objects.create(
                    program=program,
                    structure=application.structure,
                    application=application,
                    starts_on=starts_on,
                    ends_on=program.ends_on,
                    iban=application.iban,
                    bic=application.bic,
                )
        except IntegrityError as error:
            raise ProgramsError(
                f"{application.structure.name} a déjà une convention pour ce programme."
            ) from error
        # Only the structure's own places: one attached elsewhere since the application
        # was sent is left out of the agreement.
        places = list(application.places.all())
        own = [place for place in places if place.structure_id == application.structure_id]
        agreement.places.set(own)
        _agreement_sync_places(actor=actor, agreement=agreement)
        audit_record(
            actor=actor,
            action="agreement.created",
            obj=agreement,
            organisation_id=agreement.structure_id,
            data={"places_left_out": sorted(p.pk for p in places if p not in own)},
        )
    return agreement


def review_save(*, actor, application: Application, scores: list[int], comment: str = "") -> Review:
    criteria = application.call.criteria
    if len(scores) != len(criteria):
        raise ProgramsError("Donnez une note pour chaque critère.")
    for score, criterion in zip(scores, criteria, strict=True):
        if not 0 <= score <= int(criterion["max_points"]):
            raise ProgramsError(
                f"« {criterion['label']} » se note de 0 à {criterion['max_points']}."
            )
    review, _ = Review.objects.update_or_create(
        application=application,
        reviewer=actor,
        defaults={"scores": scores, "total": sum(scores), "comment": comment},
    )
    audit_record(actor=actor, action="application.reviewed", obj=application)
    return review


# --- Agreements ---------------------------------------------------------------------------


def _agreement_sync_places(*, actor, agreement: Agreement) -> None:
    """Places under an active agreement accept the program; the others lose the link the
    agreement gave them."""
    program = agreement.program
    active_places = set(
        Agreement.objects.filter(program=program, status=AgreementStatus.ACTIVE).values_list(
            "places", flat=True
        )
    )
    for place in agreement.places.all():
        if place.pk in active_places:
            # An operator's own link stays the operator's: the agreement ending won't remove it.
            place_program_accept(
                actor=actor, place=place, program=program, link_source=LinkSource.AGREEMENT
            )
        else:
            PlaceProgram.objects.filter(
                place=place, program=program, link_source=LinkSource.AGREEMENT
            ).delete()


def agreement_set_status(
    *, actor, agreement: Agreement, status: str, reason: str = ""
) -> Agreement:
    allowed = {
        AgreementStatus.SUSPENDED: {AgreementStatus.ACTIVE},
        AgreementStatus.ACTIVE: {AgreementStatus.SUSPENDED},
        AgreementStatus.TERMINATED: {AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED},
    }[status]
    if status != AgreementStatus.ACTIVE and not reason.strip():
        raise ProgramsError("Le motif est obligatoire.")
    with transaction.atomic():
        updated = Agreement.objects.filter(pk=agreement.pk, status__in=allowed).update(
            status=status, status_reason=reason.strip()
        )
        if not updated:
            raise TransitionRefused(
                f"Impossible : la convention est « {agreement.get_status_display()} »."
            )
        agreement.refresh_from_db()
        _agreement_sync_places(actor=actor, agreement=agreement)
        audit_record(
            actor=actor,
            action=f"agreement.{status}",
            obj=agreement,
            organisation_id=agreement.structure_id,
            data={"status": status},
        )
        _notify(
            [agreement.structure, agreement.program.lead_funder],
            subject=f"Convention {agreement.get_status_display()} — {agreement.program.name}",
            body=f"La convention {of(agreement.structure.name)} pour {agreement.program.name} "
            f"est {agreement.get_status_display()}." + (f" Motif : {reason}" if reason else ""),
            path=reverse("programs:program_detail", args=[agreement.program.slug]),
        )
    return agreement


def place_update(*, actor, place, programs, structure) -> None:
    """The operator sets who holds a place and which programs it accepts, in one transaction.
    Where agreements exist, they also say which programs a place accepts."""
    with transaction.atomic():
        chosen = {program.pk for program in programs}
        current = {program.pk: program for program in place_accepted_programs(place=place)}
        for program in programs:
            if program.pk not in current:
                place_program_accept(actor=actor, place=place, program=program)
        for pk, program in current.items():
            if pk not in chosen:
                place_program_revoke(actor=actor, place=place, program=program)
        if structure != place.structure:
            place_set_structure(actor=actor, place=place, structure=structure)
