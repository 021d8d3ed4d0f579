import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import Membership, Organisation
from beneficiaries.enums import DiagnosticKind
from beneficiaries.models import Beneficiary
from core.exceptions import PassnumError
from core.money import format_euros
from core.services import audit_record, send_after_commit
from core.sms import sms_enabled
from programs.exceptions import ProgramsError
from programs.models import Program
from programs.selectors import program_today, unit_validity
from programs.services import budget_reserve
from vouchers import ledger
from vouchers.codes import (
    carnet_number_normalize,
    code_display,
    code_generate,
    code_hash,
    code_matches,
    link_token_generate,
    serial_format,
    token_hash,
)
from vouchers.eligibility import eligibility_check
from vouchers.enums import CarnetStatus, Delivery, UnitState
from vouchers.exceptions import VouchersError
from vouchers.models import Allowance, Carnet, SerialCounter, Unit
from vouchers.pdf import balance_url

logger = logging.getLogger(__name__)


@dataclass
class IssuedCarnet:
    """A carnet just issued, with its secrets in clear: shown or sent once, then forgotten."""

    carnet: Carnet
    codes: list[tuple[str, str]] = field(default_factory=list)  # (serial, code)
    access_code: str = ""
    link_token: str = ""


def _serial_prefix(program: Program) -> str:
    words = re.findall(r"[A-Za-z]+|\d+", program.slug)
    letters = "".join(w[0] for w in words if w.isalpha())[:3].upper() or "P"
    digits = next((w[-2:] for w in reversed(words) if w.isdigit()), "")
    base = (letters + digits)[:6]
    prefix, suffix = base, 0
    while SerialCounter.objects.filter(prefix=prefix).exists():
        suffix += 1
        prefix = f"{base[:5]}{suffix}" if suffix < 10 else f"{base[:4]}{suffix}"
    return prefix


def _reserve_numbers(program: Program, units: int) -> tuple[str, int, int]:
    """(prefix, first unit number, carnet number), taken from the program's series."""
    counter = SerialCounter.objects.filter(program=program).first()
    if counter is None:
        try:
            with transaction.atomic():
                SerialCounter.objects.create(program=program, prefix=_serial_prefix(program))
        except IntegrityError:
            pass
    counter = SerialCounter.objects.select_for_update().get(program=program)
    SerialCounter.objects.filter(pk=counter.pk).update(
        next_number=F("next_number") + units, next_carnet=F("next_carnet") + 1
    )
    return counter.prefix, counter.next_number, counter.next_carnet


def anonymous_identity() -> str:
    """An allowance's identity once no record names the person: unique, linked to no one."""
    return f"anonyme-{uuid.uuid4().hex}"


def allowances_forget(*, identity_key: str) -> None:
    """The person's yearly counts stay (statistics), no longer linked to their identity."""
    Allowance.objects.filter(identity_key=identity_key).update(identity_key=anonymous_identity())


def _allowance_take(*, program: Program, beneficiary: Beneficiary, year: int, units: int) -> None:
    allowance, _ = Allowance.objects.get_or_create(
        program=program,
        identity_key=beneficiary.identity_key,
        year=year,
        defaults={"cap": program.yearly_cap_units},
    )
    if allowance.units_issued == 0 and units < program.min_units_per_beneficiary:
        raise VouchersError(
            f"Au moins {program.min_units_per_beneficiary} "
            f"{program.unit_word(program.min_units_per_beneficiary)} par personne pour ce programme."
        )
    cap = allowance.cap
    qs = Allowance.objects.filter(pk=allowance.pk)
    if cap is not None:
        qs = qs.filter(units_issued__lte=cap - units)
    if not qs.update(units_issued=F("units_issued") + units):
        raise VouchersError(
            f"{beneficiary.first_name} a déjà reçu {allowance.units_issued} "
            f"{program.unit_word(allowance.units_issued)} en {year} : "
            f"le plafond est de {cap} par an."
        )


def _create_carnet(
    *,
    actor,
    program: Program,
    beneficiary: Beneficiary,
    prescriber: Organisation,
    units: int,
    delivery: str,
    track,
    issued_at: dt.datetime,
    valid_until: dt.date,
    accepted_until: dt.date,
    program_year: int,
    replaces: Carnet | None = None,
    replaced_units: list[Unit] | None = None,
) -> IssuedCarnet:
    prefix, first_number, carnet_number = _reserve_numbers(program, units)
    link_token, access_code = link_token_generate(), code_generate()
    carnet = Carnet.objects.create(
        program=program,
        beneficiary=beneficiary,
        prescriber=prescriber,
        track=track,
        number=f"{prefix}-C{carnet_number:06d}",
        units_count=units,
        unit_value_cents=program.unit_cost_cents,
        program_year=program_year,
        issued_at=issued_at,
        valid_until=valid_until,
        accepted_until=accepted_until,
        delivery=delivery,
        link_token_hash=token_hash(link_token),
        access_code_hash=code_hash(serial=f"{prefix}-C{carnet_number:06d}", code=access_code),
        replaces=replaces,
        issued_by=actor,
    )
    issued = IssuedCarnet(carnet=carnet, access_code=access_code, link_token=link_token)
    unit_rows = []
    for position in range(units):
        serial = serial_format(prefix, first_number + position)
        code = code_generate()
        issued.codes.append((serial, code))
        old = replaced_units[position] if replaced_units else None
        unit_rows.append(
            Unit(
                carnet=carnet,
                program=program,
                serial=serial,
                position=position + 1,
                code_hash=code_hash(serial=serial, code=code),
                value_cents=old.value_cents if old else program.unit_cost_cents,
                minutes_left=old.minutes_left if old else 60,
            )
        )
    Unit.objects.bulk_create(unit_rows)
    ledger.issue(
        units=list(Unit.objects.filter(carnet=carnet).order_by("position")),
        actor=actor,
        organisation=prescriber,
        data={"carnet": carnet.number} | ({"replaces": replaces.number} if replaces else {}),
    )
    return issued


def _check_delivery(beneficiary: Beneficiary, delivery: str) -> None:
    if delivery == Delivery.SMS and not sms_enabled():
        raise VouchersError(
            "L'envoi de SMS n'est pas configuré sur cette plateforme : choisissez le papier "
            "ou le courriel."
        )
    if delivery == Delivery.SMS and not beneficiary.phone:
        raise VouchersError("Aucun téléphone portable n'est enregistré pour cette personne.")
    if delivery == Delivery.EMAIL and not beneficiary.email:
        raise VouchersError("Aucune adresse e-mail n'est enregistrée pour cette personne.")


def carnet_issue(
    *,
    actor,
    prescriber: Organisation,
    beneficiary: Beneficiary,
    program: Program,
    units: int,
    delivery: str,
    track=None,
) -> IssuedCarnet:
    """Issues a carnet of `units` units in one transaction: program period, carnet size,
    the beneficiary's minimum and yearly cap, the program's eligibility rules (age, residence,
    public, entry diagnostic, no other carnet in progress), the prescriber's quota, the
    program budget."""
    if beneficiary.prescriber_id != prescriber.pk:
        raise VouchersError("Cette personne n'est pas suivie par votre organisation.")
    if program.carnet_sizes and units not in program.carnet_sizes:
        sizes = " ou ".join(str(s) for s in program.carnet_sizes)
        raise VouchersError(f"Un carnet de ce programme compte {sizes} {program.unit_word()}.")
    now = timezone.now()
    today = program_today(program, now)
    if not program.starts_on <= today <= program.ends_on:
        raise VouchersError("Le programme n'est pas en cours : aucun carnet ne peut être remis.")
    _check_delivery(beneficiary, delivery)
    valid_until, accepted_until = unit_validity(program, today)
    with transaction.atomic():
        # Lock order shared with unit_consume: the allowance first, the program row last.
        _allowance_take(program=program, beneficiary=beneficiary, year=today.year, units=units)
        # The program's eligibility rules, checked once the person's allowance row is written
        # (so held): two issuances to the same person cannot both see no carnet in progress.
        eligibility_check(program=program, beneficiary=beneficiary, on=today)
        budget_reserve(program=program, prescriber=prescriber, units=units)
        issued = _create_carnet(
            actor=actor,
            program=program,
            beneficiary=beneficiary,
            prescriber=prescriber,
            units=units,
            delivery=delivery,
            track=track,
            issued_at=now,
            valid_until=valid_until,
            accepted_until=accepted_until,
            program_year=today.year,
        )
        audit_record(
            actor=actor,
            action="carnet.issued",
            obj=issued.carnet,
            organisation_id=prescriber.pk,
            data={"units": units, "program": program.pk},
        )
        carnet_send(issued=issued)
    return issued


@dataclass(frozen=True)
class BatchIssue:
    issued: list[IssuedCarnet]
    refusals: list[str]


def carnets_issue_batch(
    *, actor, prescriber: Organisation, program: Program, beneficiaries
) -> BatchIssue:
    """Paper carnets for several people at once, each of the size and track chosen at their
    entry diagnostic, each in its own transaction: one refusal does not stop the others."""
    issued, refusals = [], []
    for beneficiary in beneficiaries:
        diagnostic = (
            beneficiary.diagnostics.filter(program=program, kind=DiagnosticKind.ENTRY)
            .order_by("-created_at")
            .first()
        )
        if diagnostic is None:
            refusals.append(f"{beneficiary} : faites d'abord son diagnostic d'entrée.")
            continue
        try:
            issued.append(
                carnet_issue(
                    actor=actor,
                    prescriber=prescriber,
                    beneficiary=beneficiary,
                    program=program,
                    units=diagnostic.chosen_units,
                    delivery=Delivery.PAPER,
                    track=diagnostic.chosen_track,
                )
            )
        except PassnumError as error:
            refusals.append(f"{beneficiary} : {error}")
    return BatchIssue(issued=issued, refusals=refusals)


def carnet_oppose(*, actor, carnet: Carnet, reason: str, delivery: str) -> IssuedCarnet:
    """A lost or stolen carnet: its unused units are cancelled and reissued on a new carnet
    with the same number of units and the same validity. Budget, quota and yearly allowance
    are unchanged: the value moves from the old units to the new ones."""
    if not reason.strip():
        raise VouchersError("Indiquez pourquoi le carnet est mis en opposition (perdu, volé…).")
    _check_delivery(carnet.beneficiary, delivery)
    with transaction.atomic():
        if not Carnet.objects.filter(pk=carnet.pk, status=CarnetStatus.ACTIVE).update(
            status=CarnetStatus.OPPOSED
        ):
            raise VouchersError(
                "Ce carnet n'est plus actif : il ne peut pas être mis en opposition."
            )
        remaining = list(
            Unit.objects.select_for_update()
            .filter(carnet=carnet, state=UnitState.ISSUED)
            .order_by("pk")
        )
        if not remaining:
            raise VouchersError("Ce carnet n'a plus rien de disponible : rien à remplacer.")
        issued = _create_carnet(
            actor=actor,
            program=carnet.program,
            beneficiary=carnet.beneficiary,
            prescriber=carnet.prescriber,
            units=len(remaining),
            delivery=delivery,
            track=carnet.track,
            issued_at=timezone.now(),
            valid_until=carnet.valid_until,
            accepted_until=carnet.accepted_until,
            program_year=carnet.program_year,
            replaces=carnet,
            replaced_units=remaining,
        )
        ledger.cancel(
            units=remaining, actor=actor, reason=reason, new_carnet_number=issued.carnet.number
        )
        audit_record(
            actor=actor,
            action="carnet.opposed",
            obj=carnet,
            organisation_id=carnet.prescriber_id,
            data={"units": len(remaining), "new_carnet": issued.carnet.number},
        )
        carnet_send(issued=issued)
    return issued


def units_expire(*, now: dt.datetime | None = None) -> int:
    """Expires units still unused after their carnet's acceptance date, and gives what they
    still hold back to the program budget. Returns the number of units expired."""
    now = now or timezone.now()
    expired = 0
    for program in Program.objects.all():
        today = program_today(program, now)
        carnet_ids = list(
            Carnet.objects.filter(
                program=program, accepted_until__lt=today, units__state=UnitState.ISSUED
            )
            .distinct()
            .values_list("pk", flat=True)
        )
        for carnet_id in carnet_ids:
            try:
                expired += _carnet_expire(program=program, carnet_id=carnet_id)
            except (VouchersError, ProgramsError):
                logger.exception("Expiration impossible pour le carnet %s", carnet_id)
    return expired


def _carnet_expire(*, program: Program, carnet_id: int) -> int:
    with transaction.atomic():
        # Lock order shared with carnet_oppose: the carnet, then its units.
        carnet = Carnet.objects.select_for_update().get(pk=carnet_id)
        units = list(
            Unit.objects.select_for_update()
            .filter(carnet=carnet, state=UnitState.ISSUED)
            .order_by("pk")
        )
        count = ledger.expire(units=units, program=program, reason="fin de validité").units
        if carnet.status == CarnetStatus.ACTIVE:
            Carnet.objects.filter(pk=carnet.pk).update(status=CarnetStatus.EXPIRED)
    return count


def carnet_send(*, issued: IssuedCarnet) -> None:
    """Digital carnet: the link, the access code and the voucher codes go to the person's phone
    or mailbox, once the issuing transaction has committed. Nothing secret is kept."""
    carnet = issued.carnet
    beneficiary = carnet.beneficiary
    if carnet.program.is_hours:
        text = (
            f"{carnet.program.name} : votre carte n° {carnet.number}, code "
            f"{code_display(issued.access_code)}, {carnet.units_count} heures d'accompagnement "
            f"jusqu'au {carnet.valid_until:%d/%m/%Y}. Montrez ce message au lieu : il vous "
            f"inscrit à une séance. Vos heures et les lieux : {balance_url(issued.link_token)}"
        )
    else:
        codes = " ; ".join(f"{serial} code {code_display(code)}" for serial, code in issued.codes)
        text = (
            f"{carnet.program.name} : votre carnet {carnet.number} de {carnet.units_count} "
            f"chèques, valable jusqu'au {carnet.valid_until:%d/%m/%Y}. Solde et lieux : "
            f"{balance_url(issued.link_token)} (code {code_display(issued.access_code)}). "
            f"Vos chèques : {codes}"
        )
    if carnet.delivery == Delivery.SMS:
        send_after_commit(text=text, phone=beneficiary.phone)
    elif carnet.delivery == Delivery.EMAIL:
        send_after_commit(
            subject=f"Votre carnet {carnet.program.name}",
            text=text.replace(" ; ", "\n"),
            emails=[beneficiary.email],
        )


def expiry_warnings_send(*, now: dt.datetime | None = None, days: int = 30) -> int:
    """J-30: tells each program's lead funder how many units will expire, once per carnet."""
    now = now or timezone.now()
    warned = 0
    for program in Program.objects.all():
        limit = program_today(program, now) + dt.timedelta(days=days)
        carnets = Carnet.objects.filter(
            program=program,
            status=CarnetStatus.ACTIVE,
            valid_until__lte=limit,
            expiry_warned_at__isnull=True,
            units__state=UnitState.ISSUED,
        ).distinct()
        pks = list(carnets.values_list("pk", flat=True))
        if not pks:
            continue
        units = Unit.objects.filter(carnet__in=pks, state=UnitState.ISSUED)
        value = units.aggregate(v=Sum("value_cents"))["v"] or 0
        emails = list(
            Membership.objects.filter(organisation=program.lead_funder, is_active=True).values_list(
                "user__email", flat=True
            )
        )
        Carnet.objects.filter(pk__in=pks).update(expiry_warned_at=now)
        message = (
            f"{units.count()} {program.unit_word(units.count())} de {program.name} (valeur {format_euros(value)}), "
            f"sur {len(pks)} carnets, arrivent en fin de validité d'ici au {limit:%d/%m/%Y}. "
            "Les prescripteurs peuvent relancer les personnes concernées."
        )
        send_after_commit(
            subject=f"[passnum] {program.name} : {program.unit_word()} bientôt {program.unit_agree('expiré')}",
            text=message,
            emails=emails,
        )
        warned += len(pks)
    return warned


BALANCE_MAX_FAILURES = 5
BALANCE_BLOCK_MINUTES = 15


def carnet_open(*, number: str, code: str) -> Carnet:
    """The beneficiary (or a structure at its counter) opens a carnet with its number and
    code. Each try is counted before the code is checked, by a conditional update, so that a
    burst of parallel requests tests no more than five wrong codes; the fifth blocks the
    carnet for 15 minutes (counted in the database, whatever the server)."""
    now = timezone.now()
    carnet = (
        Carnet.objects.select_related("program", "beneficiary")
        .filter(number=carnet_number_normalize(number))
        .first()
    )
    refusal = "Numéro de carnet ou code incorrect. Vérifiez les deux sur la couverture du carnet."
    if carnet is None:
        raise VouchersError(refusal)
    row = Carnet.objects.filter(pk=carnet.pk)
    if not (
        row.filter(access_failed_attempts__lt=BALANCE_MAX_FAILURES)
        .exclude(access_blocked_until__gt=now)
        .update(access_failed_attempts=F("access_failed_attempts") + 1)
    ):
        row.filter(access_failed_attempts__gte=BALANCE_MAX_FAILURES).update(
            access_failed_attempts=0,
            access_blocked_until=now + dt.timedelta(minutes=BALANCE_BLOCK_MINUTES),
        )
        raise VouchersError(
            f"Trop d'essais : après {BALANCE_MAX_FAILURES} numéros ou codes faux, attendez "
            f"{BALANCE_BLOCK_MINUTES} minutes avant de réessayer."
        )
    if code_matches(serial=carnet.number, code=code, stored_hash=carnet.access_code_hash):
        # Only this try is taken back: wrong codes typed meanwhile by others stay counted.
        row.filter(access_failed_attempts__gt=0).update(
            access_failed_attempts=F("access_failed_attempts") - 1
        )
        return carnet
    row.filter(access_failed_attempts__gte=BALANCE_MAX_FAILURES).update(
        access_failed_attempts=0,
        access_blocked_until=now + dt.timedelta(minutes=BALANCE_BLOCK_MINUTES),
    )
    raise VouchersError(refusal)
