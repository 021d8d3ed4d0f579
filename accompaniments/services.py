import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from accompaniments.enums import ConsumeOutcome as O
from accompaniments.enums import ParticipantStatus, SessionKind, SessionStatus
from accompaniments.exceptions import AccompanimentsError
from accompaniments.models import Participant, SatisfactionSurvey, Session
from accompaniments.selectors import sessions_bookable, sessions_needing_reminder
from beneficiaries.models import Beneficiary, BeneficiaryStructure
from beneficiaries.services import beneficiary_served_by, orientations_mark_came
from core import rawsql
from core.money import format_euros
from core.services import audit_record, idempotent_call, send_after_commit
from core.sms import sms_enabled
from core.text import of
from core.timezones import local
from programs.enums import AgreementStatus
from programs.models import Agreement, Program
from programs.selectors import (
    agreement_active,
    agreement_covers,
    program_local,
    program_today,
)
from vouchers import ledger
from vouchers.codes import code_matches, serial_normalize
from vouchers.enums import CarnetStatus, UnitEventKind, UnitState
from vouchers.exceptions import VouchersError
from vouchers.models import Allowance, Carnet, CodeGuard, Unit, UnitEvent
from vouchers.services import carnet_open


@dataclass(frozen=True)
class ConsumeResult:
    """The answer to a use (or a test) of units: what happened, in an enum, and the message
    for the person. Refusals are answers too: a wrong code must commit its counter."""

    outcome: O
    message: str
    serial: str | None = None
    value_cents: int | None = None
    minutes: int | None = None
    amount_cents: int | None = None
    session: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (O.CONSUMED, O.VALID)

    def as_dict(self) -> dict:
        """The JSON form kept for idempotent replays and sent by the API."""
        data = {
            name: value
            for name in self.__dataclass_fields__
            if (value := getattr(self, name)) is not None
        }
        return data | {"outcome": self.outcome.value, "ok": self.ok}

    @classmethod
    def from_dict(cls, data: dict) -> "ConsumeResult":
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**fields | {"outcome": O(data["outcome"])})


def _answer(outcome: O, message: str, **extra) -> ConsumeResult:
    return ConsumeResult(outcome=O(outcome), message=message, **extra)


def _record_wrong_code(*, actor, structure, unit: Unit, now: dt.datetime) -> ConsumeResult:
    attempt = ledger.wrong_code(unit=unit, structure=structure, actor=actor, now=now)
    if attempt.blocked_until:
        return _answer(
            O.BLOCKED,
            f"Code faux ({ledger.MAX_WRONG_CODES} sur {ledger.MAX_WRONG_CODES}) : ce chèque est "
            f"bloqué {ledger.BLOCK_MINUTES} minutes ; l'opérateur est prévenu.",
            serial=unit.serial,
        )
    wrong = ledger.MAX_WRONG_CODES - attempt.tries_left
    return _answer(
        O.WRONG_CODE,
        f"Code faux ({wrong} sur {ledger.MAX_WRONG_CODES}) : vérifiez le code écrit sur le "
        f"chèque. Au {ledger.MAX_WRONG_CODES}e code faux, il est bloqué {ledger.BLOCK_MINUTES} "
        "minutes.",
        serial=unit.serial,
    )


@dataclass(frozen=True)
class _Locked:
    unit: Unit  # with its carnet and program (and the carnet's person when asked)
    agreement: Agreement | None  # the structure's agreement for the program, not terminated
    guard_until: dt.datetime | None  # the structure's wrong-code block
    served: bool  # the structure served the person already


@cache
def _voucher_lock_sql(vendor: str, with_person: bool) -> str:
    """The unit by its serial, locked, with its carnet and program, the structure's agreement
    for the program, its wrong-code block and whether it served the person: one round trip,
    written once (building it with the ORM cost more than running it)."""
    del vendor  # in the cache key: quoting and locking differ between database engines
    tables = {model: model._meta.db_table for model in (Unit, Carnet, Program, Beneficiary)}
    person = f", {rawsql.columns(Beneficiary, 'b')}" if with_person else ""
    person_join = f" JOIN {tables[Beneficiary]} b ON b.id = c.beneficiary_id" if with_person else ""
    lock = " FOR UPDATE OF u" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {rawsql.columns(Unit, 'u')}, {rawsql.columns(Carnet, 'c')},"  # noqa: S608
        f" {rawsql.columns(Program, 'p')}{person}, a.id, a.status, a.starts_on, a.ends_on,"
        f" g.blocked_until, EXISTS (SELECT 1 FROM {BeneficiaryStructure._meta.db_table} s"
        "  WHERE s.beneficiary_id = c.beneficiary_id AND s.structure_id = %(structure)s)"
        f" FROM {tables[Unit]} u JOIN {tables[Carnet]} c ON c.id = u.carnet_id"
        f" JOIN {tables[Program]} p ON p.id = u.program_id{person_join}"
        f" LEFT JOIN {Agreement._meta.db_table} a ON a.program_id = u.program_id"
        "  AND a.structure_id = %(structure)s AND a.status <> %(terminated)s"
        f" LEFT JOIN {CodeGuard._meta.db_table} g ON g.organisation_id = %(structure)s"
        f" WHERE u.serial = %(serial)s{lock}"
    )


def _voucher_locked(*, serial: str, structure, with_person: bool) -> _Locked | None:
    row = rawsql.fetch_one(
        _voucher_lock_sql(connection.vendor, with_person),
        {"serial": serial, "structure": structure.pk, "terminated": AgreementStatus.TERMINATED},
    )
    if row is None:
        return None
    models = (Unit, Carnet, Program, *([Beneficiary] if with_person else []))
    made, (agreement_id, status, starts_on, ends_on, guard_until, served) = rawsql.instances(
        row, *models
    )
    unit, carnet, program = made[:3]
    if with_person:
        carnet.beneficiary = made[3]
    carnet.program = program  # a carnet's units are of its program
    unit.carnet, unit.program = carnet, program
    field = Agreement._meta.get_field
    agreement = (
        Agreement(
            id=agreement_id,
            program=program,
            structure=structure,
            status=status,
            starts_on=rawsql.converted(field("starts_on"), starts_on),
            ends_on=rawsql.converted(field("ends_on"), ends_on),
        )
        if agreement_id is not None
        else None
    )
    guard_until = rawsql.converted(CodeGuard._meta.get_field("blocked_until"), guard_until)
    return _Locked(unit, agreement, guard_until, bool(served))


def _voucher(
    *, actor, structure, serial: str, code: str, test: bool, record: "ServiceRecord | None"
) -> ConsumeResult:
    now = timezone.now()
    locked = _voucher_locked(serial=serial, structure=structure, with_person=record is not None)
    if locked is None or locked.agreement is None:
        # The same answer for a serial that does not exist and for a voucher of a program the
        # structure has no agreement for; no counter moves (no one can lock others' vouchers).
        return _answer(
            O.NOT_HERE,
            "Ce chèque n'est pas utilisable dans votre structure : vérifiez son numéro, et que "
            "votre structure a une convention pour son programme.",
            serial=serial,
        )
    unit = locked.unit
    if until := ledger.organisation_blocked_until(
        organisation=structure, now=now, until=locked.guard_until, known=True
    ):
        return _answer(
            O.BLOCKED,
            "Trop de codes faux saisis par votre structure : réessayez après "
            f"{local(until, unit.program):%H:%M}. L'opérateur est prévenu.",
            serial=serial,
        )
    if unit.blocked_until and unit.blocked_until > now:
        until = local(unit.blocked_until, unit.program)
        return _answer(
            O.BLOCKED,
            f"Chèque bloqué après des codes faux : réessayez après {until:%H:%M}.",
            serial=serial,
        )
    if not code_matches(serial=serial, code=code, stored_hash=unit.code_hash):
        return _record_wrong_code(actor=actor, structure=structure, unit=unit, now=now)
    program, carnet = unit.program, unit.carnet
    if program.is_hours:
        return _answer(
            O.UNKNOWN,
            "C'est une carte d'heures : ouvrez « Accueillir une personne » avec le numéro et le "
            "code de sa carte, puis inscrivez-la à une séance. Ses heures se décomptent quand "
            "vous la notez présente.",
            serial=serial,
        )
    today = program_today(program, now)
    if unit.state == UnitState.CONSUMED:
        return _answer(
            O.ALREADY_USED,
            f"Déjà utilisé le {local(unit.consumed_at, unit.program):%d/%m/%Y}.",
            serial=serial,
        )
    if unit.state == UnitState.CANCELLED or carnet.status == CarnetStatus.OPPOSED:
        return _answer(
            O.CANCELLED,
            "Ce chèque est annulé : le carnet a été déclaré perdu ou volé.",
            serial=serial,
        )
    if unit.state == UnitState.EXPIRED or today > carnet.accepted_until:
        return _answer(
            O.EXPIRED,
            f"Chèque expiré : il était valable jusqu'au {carnet.valid_until:%d/%m/%Y} "
            f"et accepté jusqu'au {carnet.accepted_until:%d/%m/%Y}.",
            serial=serial,
        )
    if not agreement_covers(agreement=locked.agreement, program=program, on=today):
        return _answer(
            O.NOT_HERE,
            f"Pas valable dans votre structure : aucune convention active pour {program.name}.",
            serial=serial,
        )
    value = unit.value_cents
    label = format_euros(value)
    if test:
        return _answer(
            O.VALID,
            f"Chèque valable : {label}, jusqu'au {carnet.valid_until:%d/%m/%Y}. Rien n'a été utilisé.",
            serial=serial,
            value_cents=value,
        )
    session = (
        _service_record(actor=actor, structure=structure, carnet=carnet, record=record, now=now)
        if record is not None
        else None
    )
    try:
        ledger.consume_voucher(
            unit=unit,
            structure=structure,
            actor=actor,
            now=now,
            data={"session": session.pk} if session else {},
        )
    except ledger.LedgerConflict:
        return _answer(O.ALREADY_USED, "Déjà utilisé.", serial=serial)
    if not locked.served:
        beneficiary_served_by(beneficiary_id=carnet.beneficiary_id, structure=structure)
    return _answer(
        O.CONSUMED,
        f"Chèque utilisé : {label}." + (f" Accompagnement noté : {session}." if session else ""),
        serial=serial,
        value_cents=value,
        session=session.pk if session else None,
    )


def _cap_refusal(allowance: Allowance, minutes: int) -> ConsumeResult | None:
    if allowance.cap is not None and allowance.minutes_consumed + minutes > allowance.cap * 60:
        used = allowance.minutes_consumed / 60
        return _answer(
            O.CAP_REACHED,
            f"Plafond atteint : {used:g} h déjà utilisées sur {allowance.cap} h "
            f"pour l'année {allowance.year}.",
        )
    return None


def _hours(*, actor, structure, participant: Participant) -> ConsumeResult:
    session = Session.objects.select_related("program").get(pk=participant.session_id)
    program = session.program
    beneficiary = participant.beneficiary
    if not program.is_hours:
        return _answer(O.UNKNOWN, "Ce programme se paie en chèques : saisissez le chèque.")
    when = program_today(program, session.starts_at)
    if not agreement_active(program=program, structure=structure, on=when):
        return _answer(O.NOT_HERE, f"Aucune convention active pour {program.name} à cette date.")
    if participant.status == ParticipantStatus.WAITING:
        return _answer(
            O.GROUP_FULL,
            f"{beneficiary.first_name} est sur liste d'attente : l'atelier est complet.",
        )
    minutes = session.duration_minutes
    usable = {
        "program": program,
        "state": UnitState.ISSUED,
        "carnet__beneficiary__identity_key": beneficiary.identity_key,
        "carnet__status": CarnetStatus.ACTIVE,
        "carnet__issued_at__lte": session.ends_at,
        "carnet__accepted_until__gte": when,
    }
    # Lock order: allowances (by year), units (by program year, then key), session, program.
    years = sorted(
        set(Unit.objects.filter(**usable).values_list("carnet__program_year", flat=True))
    )
    allowances = {
        allowance.year: allowance
        for allowance in Allowance.objects.select_for_update()
        .filter(
            program=program, identity_key=beneficiary.identity_key, year__in=years or [when.year]
        )
        .order_by("year")
    }
    units = list(
        Unit.objects.select_for_update(of=("self",))
        .filter(**usable)
        .select_related("carnet")
        .order_by("carnet__program_year", "pk")
    )
    plan, remaining = [], minutes
    for unit in units:
        if not remaining:
            break
        take = min(unit.minutes_left, remaining)
        plan.append((unit, take))
        remaining -= take
    per_year: dict[int, int] = {}
    for unit, take in plan:
        per_year[unit.carnet.program_year] = per_year.get(unit.carnet.program_year, 0) + take
    for year, taken in per_year.items():
        if refusal := _cap_refusal(allowances[year], taken):
            return refusal
    if remaining:
        fallback = allowances.get(when.year)
        if fallback and (refusal := _cap_refusal(fallback, minutes)):
            return refusal
        left = sum(unit.minutes_left for unit in units)
        return _answer(
            O.NO_HOURS,
            f"Il ne reste que {left // 60} h {left % 60:02d} sur le carnet {of(beneficiary.first_name)}.",
        )
    session = Session.objects.select_for_update().get(pk=session.pk)
    consumed_here = session.participants.filter(consumed_minutes__gt=0).count()
    if consumed_here >= session.capacity:
        return _answer(O.GROUP_FULL, f"L'atelier compte déjà {session.capacity} participants.")
    if (
        not Participant.objects.filter(
            pk=participant.pk,
            consumed_minutes=0,
        )
        .exclude(status=ParticipantStatus.WAITING)
        .update(consumed_minutes=minutes, status=ParticipantStatus.PRESENT)
    ):
        return _answer(O.ALREADY_USED, "Les heures de cette séance sont déjà décomptées.")
    rate = (
        program.hourly_rate_collective_cents
        if session.kind == SessionKind.COLLECTIVE
        else program.hourly_rate_individual_cents
    )
    ledger.consume_minutes(
        plan=plan,
        program=program,
        structure=structure,
        actor=actor,
        rate_cents=rate,
        data={"session": session.pk, "participant": participant.pk},
    )
    for year, taken in per_year.items():
        allowance = allowances[year]
        cap_filter = (
            {} if allowance.cap is None else {"minutes_consumed__lte": allowance.cap * 60 - taken}
        )
        if not Allowance.objects.filter(pk=allowance.pk, **cap_filter).update(
            minutes_consumed=F("minutes_consumed") + taken
        ):
            raise AccompanimentsError("Plafond annuel atteint.")
    amount = rate * minutes // 60
    beneficiary_served_by(beneficiary_id=beneficiary.pk, structure=structure)
    return _answer(
        O.CONSUMED,
        f"{minutes // 60} h {minutes % 60:02d} décomptées pour {beneficiary.first_name}.",
        minutes=minutes,
        amount_cents=amount,
    )


def _is_final(answer: ConsumeResult) -> bool:
    """Only a use is remembered under its key; a refusal (wrong code, expired…) is not, so
    the same key can be tried again once the mistake is fixed."""
    return answer.outcome == O.CONSUMED


def unit_consume(
    *,
    actor,
    structure,
    idempotency_key: str = "",
    serial: str = "",
    code: str = "",
    participant: Participant | None = None,
    test: bool = False,
    record: "ServiceRecord | None" = None,
    fingerprint: str = "",
) -> ConsumeResult:
    """The one way units are used. A voucher (serial and secret code) for money programs, or a
    participant's session for hours programs. Holds DOMAIN.md invariants 1 to 4 and 7: rows
    locked in a fixed order (allowance, units by primary key, session), state changed only by
    conditional updates, an event per change, and a replayed idempotency key gets the first
    answer (`fingerprint`: see core.services.idempotent_call). `test` checks a voucher
    without using it; `record` says what service the voucher paid for (an accompaniment
    recorded or linked in the same transaction)."""
    if participant is not None:
        # The participant row itself makes a session's hours counted once.
        return idempotent_call(
            organisation_id=structure.pk,
            scope="unit_consume",
            key=idempotency_key,
            compute=lambda: _hours(actor=actor, structure=structure, participant=participant),
            keep=_is_final,
            encode=ConsumeResult.as_dict,
            decode=ConsumeResult.from_dict,
        )
    normalized = serial_normalize(serial)
    if normalized is None:
        return _answer(
            O.UNKNOWN, "Numéro de chèque invalide : vérifiez chaque chiffre.", serial=serial
        )
    # A voucher's work is all in the database (its messages wait for the commit), and a
    # replay finds the unit used first: no lookup of the key before the work.
    return idempotent_call(
        organisation_id=structure.pk,
        scope="unit_check" if test else "unit_consume",
        key="" if test else idempotency_key,
        fingerprint="" if test else fingerprint,
        look_first=False,
        compute=lambda: _voucher(
            actor=actor,
            structure=structure,
            serial=normalized,
            code=code,
            test=test,
            record=record,
        ),
        keep=_is_final,
        encode=ConsumeResult.as_dict,
        decode=ConsumeResult.from_dict,
    )


# --- Sessions and workshops ---------------------------------------------------------------


def _session_rules(
    *, structure, place, program: Program, kind: str, starts_at, mediator, capacity: int, track
) -> int:
    """The rules a session holds when it is created or changed; returns its capacity."""
    if place.structure_id != structure.pk:
        raise AccompanimentsError("Ce lieu n'appartient pas à votre structure.", field="place")
    if not agreement_active(
        program=program, structure=structure, on=program_today(program, starts_at)
    ):
        raise AccompanimentsError(
            f"Aucune convention active pour {program.name} à cette date.", field="starts_at"
        )
    if not mediator.memberships.filter(organisation=structure, is_active=True).exists():
        raise AccompanimentsError(
            "Le médiateur doit faire partie de votre structure.", field="mediator"
        )
    if track is not None and track.program_id != program.pk:
        raise AccompanimentsError(f"Ce parcours n'est pas un parcours de {program.name}.", "track")
    if kind == SessionKind.INDIVIDUAL:
        return 1
    if capacity > program.max_group_size:
        raise AccompanimentsError(
            f"Un atelier de {program.name} accueille {program.max_group_size} personnes au plus.",
            field="capacity",
        )
    return capacity


def session_create(
    *,
    actor,
    structure,
    place,
    program: Program,
    kind: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    mediator,
    capacity: int = 1,
    track=None,
    themes=(),
    title: str = "",
) -> Session:
    capacity = _session_rules(
        structure=structure,
        place=place,
        program=program,
        kind=kind,
        starts_at=starts_at,
        mediator=mediator,
        capacity=capacity,
        track=track,
    )
    session = Session.objects.create(
        structure=structure,
        place=place,
        program=program,
        kind=kind,
        title=title,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mediator=mediator,
        track=track,
        themes=list(themes),
        max_group_size=program.max_group_size,
        capacity=capacity,
    )
    audit_record(actor=actor, action="session.created", obj=session, organisation_id=structure.pk)
    return session


# What session_update may change (a session keeps its structure, program and kind).
SESSION_CHANGES = ("place", "starts_at", "duration_minutes", "mediator", "capacity", "track")
SESSION_TEXTS = ("title", "themes")


def _still_to_come(session: Session) -> None:
    if session.status != SessionStatus.PLANNED or session.starts_at <= timezone.now():
        raise AccompanimentsError(
            "Cette séance a commencé, est terminée ou annulée : elle ne se modifie plus."
        )


def session_update(*, actor, session: Session, **changes) -> Session:
    """Changes a session still to come, under the rules of its creation; capacity never goes
    under the seats taken. People booked are told of a new hour or place."""
    unknown = set(changes) - set(SESSION_CHANGES) - set(SESSION_TEXTS)
    if unknown:
        raise AccompanimentsError(f"Ne se modifie pas : {', '.join(sorted(unknown))}.")
    _still_to_come(session)
    merged = {name: changes.get(name, getattr(session, name)) for name in SESSION_CHANGES}
    capacity = _session_rules(
        structure=session.structure,
        place=merged["place"],
        program=session.program,
        kind=session.kind,
        starts_at=merged["starts_at"],
        mediator=merged["mediator"],
        capacity=merged["capacity"],
        track=merged["track"],
    )
    if merged["starts_at"] <= timezone.now():
        raise AccompanimentsError("Le nouveau début doit être à venir.", field="starts_at")
    values = {
        "place": merged["place"],
        "starts_at": merged["starts_at"],
        "duration_minutes": merged["duration_minutes"],
        "mediator": merged["mediator"],
        "capacity": capacity,
        "track": merged["track"],
        "title": changes.get("title", session.title),
        "themes": list(changes.get("themes", session.themes)),
    }
    moved = values["starts_at"] != session.starts_at or values["place"].pk != session.place_id
    with transaction.atomic():
        if not Session.objects.filter(
            pk=session.pk,
            status=SessionStatus.PLANNED,
            starts_at__gt=timezone.now(),
            seats_taken__lte=capacity,
        ).update(**values, **({"reminder_sent_at": None} if moved else {})):
            raise AccompanimentsError(
                f"{session.seats_taken} personnes sont déjà inscrites : gardez au moins "
                f"{session.seats_taken} places.",
                field="capacity",
            )
        session.refresh_from_db()
        audit_record(
            actor=actor,
            action="session.updated",
            obj=session,
            organisation_id=session.structure_id,
            data={"fields": sorted(changes)},
        )
        if moved:
            _tell_participants(
                session, subject=f"Changement : {session}", text="Nouvel horaire ou lieu : "
            )
    return session


def session_cancel(*, actor, session: Session, reason: str) -> Session:
    """Cancels a session still to come; the people booked or waiting are told."""
    reason = reason.strip()
    if not reason:
        raise AccompanimentsError("Motif : dites pourquoi la séance est annulée.", field="reason")
    _still_to_come(session)
    with transaction.atomic():
        if not Session.objects.filter(
            pk=session.pk, status=SessionStatus.PLANNED, starts_at__gt=timezone.now()
        ).update(status=SessionStatus.CANCELLED):
            raise AccompanimentsError("Cette séance ne peut plus être annulée.")
        session.refresh_from_db()
        audit_record(
            actor=actor,
            action="session.cancelled",
            obj=session,
            organisation_id=session.structure_id,
            data={"reason": reason[:300]},
        )
        _tell_participants(
            session, subject=f"Séance annulée : {session}", text=f"Annulé ({reason[:200]}) : "
        )
    return session


def _tell_participants(session: Session, *, subject: str, text: str) -> None:
    waiting = (ParticipantStatus.BOOKED, ParticipantStatus.WAITING)
    people = session.participants.filter(status__in=waiting).select_related("beneficiary")
    for participant in people.order_by("pk"):
        _notify_person(participant.beneficiary, subject=subject, text=text + _session_line(session))


def participant_book(*, actor, session: Session, beneficiary, booked_by=None) -> Participant:
    """A seat if one is left (conditional update on the session), else the waiting list.
    Another organisation than the session's structure may only book its own people into a
    collective workshop still to come."""
    if session.status != SessionStatus.PLANNED:
        raise AccompanimentsError("Cette séance n'accepte plus d'inscription.")
    if booked_by is not None and booked_by.pk != session.structure_id:
        if session.kind != SessionKind.COLLECTIVE or session.starts_at <= timezone.now():
            raise AccompanimentsError("On ne peut s'inscrire qu'aux ateliers à venir.")
        if beneficiary.prescriber_id != booked_by.pk:
            raise AccompanimentsError("Cette personne n'est pas suivie par votre organisation.")
    with transaction.atomic():
        if Participant.objects.filter(session=session, beneficiary=beneficiary).exists():
            raise AccompanimentsError(
                f"{beneficiary.first_name} est déjà inscrit(e) à cette séance."
            )
        seated = Session.objects.filter(pk=session.pk, seats_taken__lt=F("capacity")).update(
            seats_taken=F("seats_taken") + 1
        )
        if seated:
            participant = Participant.objects.create(
                session=session,
                beneficiary=beneficiary,
                status=ParticipantStatus.BOOKED,
                booked_by=booked_by,
            )
        else:
            if session.kind == SessionKind.INDIVIDUAL:
                raise AccompanimentsError("Ce créneau individuel est déjà pris.")
            Session.objects.select_for_update().filter(pk=session.pk).first()  # queue in order
            last = (
                Participant.objects.filter(
                    session=session, status=ParticipantStatus.WAITING
                ).aggregate(m=Max("waiting_position"))["m"]
                or 0
            )
            participant = Participant.objects.create(
                session=session,
                beneficiary=beneficiary,
                status=ParticipantStatus.WAITING,
                waiting_position=last + 1,
                booked_by=booked_by,
            )
        if booked_by is not None and booked_by.pk == session.structure_id:
            orientations_mark_came(actor=actor, beneficiary_id=beneficiary.pk, structure=booked_by)
        audit_record(
            actor=actor,
            action="session.booked",
            obj=participant,
            organisation_id=session.structure_id,
            data={"status": participant.status},
        )
    return participant


def participant_cancel(*, actor, participant: Participant) -> Participant | None:
    """Frees the seat and gives it to the first person waiting. Returns who got the seat."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("place", "program")
            .get(pk=participant.session_id)
        )
        current = Participant.objects.filter(pk=participant.pk).first()
        if current is None:
            raise AccompanimentsError("Cette inscription a déjà été annulée.")
        if not Participant.objects.filter(pk=current.pk, consumed_minutes=0).delete()[0]:
            raise AccompanimentsError("Des heures ont déjà été décomptées pour cette personne.")
        promoted = None
        if current.status != ParticipantStatus.WAITING:
            promoted = (
                Participant.objects.filter(session=session, status=ParticipantStatus.WAITING)
                .select_related("beneficiary")
                .order_by("waiting_position")
                .first()
            )
            if promoted:
                Participant.objects.filter(pk=promoted.pk).update(
                    status=ParticipantStatus.BOOKED, waiting_position=None
                )
                _notify_person(
                    promoted.beneficiary,
                    subject=f"Une place s'est libérée : {session}",
                    text=f"Bonne nouvelle : une place s'est libérée pour {_session_line(session)}. "
                    "Vous êtes inscrit(e).",
                )
            else:
                Session.objects.filter(pk=session.pk, seats_taken__gt=0).update(
                    seats_taken=F("seats_taken") - 1
                )
        audit_record(actor=actor, action="session.cancelled_booking", obj=session)
    return promoted


def session_add_anonymous(*, actor, session: Session, count: int) -> None:
    """People who come without a carnet: counted, seated, consume nothing."""
    if count <= 0:
        raise AccompanimentsError("Indiquez un nombre positif.")
    if not Session.objects.filter(pk=session.pk, seats_taken__lte=F("capacity") - count).update(
        seats_taken=F("seats_taken") + count, anonymous_count=F("anonymous_count") + count
    ):
        raise AccompanimentsError(f"L'atelier est complet ({session.capacity} personnes au plus).")
    audit_record(actor=actor, action="session.anonymous_added", obj=session, data={"count": count})


def _attendance_window(session: Session, now: dt.datetime) -> None:
    if now < session.starts_at:
        raise AccompanimentsError(
            "La séance n'a pas encore commencé : la présence se note à partir du "
            f"{session.starts_local:%d/%m/%Y à %H:%M}."
        )


def attendance_record(
    *, actor, structure, participant: Participant, status: str, reason: str = ""
) -> ConsumeResult:
    """Present: the session's hours are deducted (hours programs). Excused or absent: nothing.
    Only from the session's start. A mark already given is corrected the same day with a
    reason; hours already deducted are given back by a compensating ledger event."""
    session = participant.session
    if session.structure_id != structure.pk:
        raise AccompanimentsError("Cette séance n'est pas celle de votre structure.")
    if participant.status == ParticipantStatus.WAITING:
        raise AccompanimentsError(
            "Cette personne est sur liste d'attente : pas de place pour elle."
        )
    if status not in (
        ParticipantStatus.PRESENT,
        ParticipantStatus.EXCUSED,
        ParticipantStatus.ABSENT,
    ):
        raise AccompanimentsError("Choisissez : présent, excusé ou absent.")
    now = timezone.now()
    _attendance_window(session, now)
    correcting = participant.status != ParticipantStatus.BOOKED
    if correcting:
        if participant.status == status:
            raise AccompanimentsError(
                f"{participant.beneficiary.first_name} est déjà noté(e) {participant.get_status_display()}."
            )
        if program_today(session.program, now) != session.starts_local.date():
            raise AccompanimentsError(
                "Une présence se corrige le jour même de la séance. Après, contactez l'opérateur."
            )
        if not reason.strip():
            raise AccompanimentsError("Motif de la correction : indiquez pourquoi vous corrigez.")
    with transaction.atomic():
        if participant.consumed_minutes and status != ParticipantStatus.PRESENT:
            answer = _hours_reverse(
                actor=actor,
                structure=structure,
                participant=participant,
                status=status,
                reason=reason.strip(),
            )
        elif status == ParticipantStatus.PRESENT and session.program.is_hours:
            answer = unit_consume(actor=actor, structure=structure, participant=participant)
        else:
            Participant.objects.filter(pk=participant.pk).update(status=status)
            label = ParticipantStatus(status).label
            answer = _answer(
                O.VALID,
                f"{participant.beneficiary.first_name} : {label}."
                + (
                    " Utilisez son chèque sur « Valider un chèque »."
                    if status == ParticipantStatus.PRESENT
                    else ""
                ),
            )
        if correcting and answer.ok:
            audit_record(
                actor=actor,
                action="session.attendance_corrected",
                obj=participant,
                organisation_id=structure.pk,
                data={"from": participant.status, "to": status, "reason": reason.strip()[:300]},
            )
        _session_close_if_recorded(session)
    return answer


def _session_close_if_recorded(session: Session) -> None:
    """A session whose every seated person has a mark is done."""
    if not session.participants.filter(status=ParticipantStatus.BOOKED).exists():
        Session.objects.filter(pk=session.pk, status=SessionStatus.PLANNED).update(
            status=SessionStatus.DONE
        )


def _hours_reverse(
    *, actor, structure, participant: Participant, status: str, reason: str
) -> ConsumeResult:
    """Gives back the hours a participant's presence deducted: a REVERSED event per CONSUMED
    event, units, yearly allowance and budget moved back by conditional updates, in the lock
    order of the consumption (allowances, units, session, program)."""
    session = participant.session
    program = session.program
    mine = UnitEvent.objects.filter(data__participant=participant.pk, data__session=session.pk)
    reversed_ids = set(
        mine.filter(kind=UnitEventKind.REVERSED).values_list("data__reverses", flat=True)
    )
    consumed = [
        event
        for event in mine.filter(kind=UnitEventKind.CONSUMED).select_related("unit__carnet")
        if event.pk not in reversed_ids
    ]
    years = sorted({event.unit.carnet.program_year for event in consumed})
    identity = participant.beneficiary.identity_key
    allowances = {
        allowance.year: allowance
        for allowance in Allowance.objects.select_for_update()
        .filter(program=program, identity_key=identity, year__in=years)
        .order_by("year")
    }
    units = {
        unit.pk: unit
        for unit in Unit.objects.select_for_update()
        .filter(pk__in=[event.unit_id for event in consumed])
        .order_by("pk")
    }
    Session.objects.select_for_update().filter(pk=session.pk).first()
    minutes = sum(event.minutes for event in consumed)
    if not consumed or not Participant.objects.filter(
        pk=participant.pk, consumed_minutes=minutes
    ).update(consumed_minutes=0, status=status):
        raise AccompanimentsError("Présence modifiée en même temps : rechargez la page.")
    per_year: dict[int, int] = {}
    for event in consumed:
        event.unit = units[event.unit_id]
        year = event.unit.carnet.program_year
        per_year[year] = per_year.get(year, 0) + event.minutes
    ledger.reverse(
        consumed=consumed,
        program=program,
        structure=structure,
        actor=actor,
        reason=reason,
        data={"session": session.pk, "participant": participant.pk},
    )
    for year, taken in per_year.items():
        if not Allowance.objects.filter(pk=allowances[year].pk, minutes_consumed__gte=taken).update(
            minutes_consumed=F("minutes_consumed") - taken
        ):
            raise AccompanimentsError("Compteur d'heures incohérent : contactez l'opérateur.")
    label = ParticipantStatus(status).label
    return _answer(
        O.VALID,
        f"Présence corrigée : {participant.beneficiary.first_name} {label}. "
        f"{minutes // 60} h {minutes % 60:02d} rendues sur son carnet.",
        minutes=minutes,
    )


# --- The counter: a person comes with a carnet --------------------------------------------


@dataclass(frozen=True)
class ServiceRecord:
    """What a voucher paid for: a session of today to link to, or a new one to record."""

    place: object = None
    kind: str = SessionKind.INDIVIDUAL
    duration_minutes: int = 60
    themes: tuple = ()
    mediator: object = None
    session: Session | None = None


def _service_record(*, actor, structure, carnet: Carnet, record: ServiceRecord, now) -> Session:
    beneficiary = carnet.beneficiary
    if record.session is not None:
        session = Session.objects.filter(
            pk=record.session.pk, structure=structure, program=carnet.program
        ).first()
        if session is None:
            raise AccompanimentsError("Séance : choisissez une séance de votre structure.")
    else:
        session = session_create(
            actor=actor,
            structure=structure,
            place=record.place,
            program=carnet.program,
            kind=record.kind,
            starts_at=now,
            duration_minutes=record.duration_minutes,
            mediator=record.mediator,
            capacity=1 if record.kind == SessionKind.INDIVIDUAL else carnet.program.max_group_size,
            themes=record.themes,
        )
    participant = Participant.objects.filter(session=session, beneficiary=beneficiary).first()
    if participant is None:
        participant = participant_book(
            actor=actor,
            session=session,
            beneficiary=beneficiary,
            booked_by=structure,
        )
    if participant.status == ParticipantStatus.WAITING:
        raise AccompanimentsError(f"Séance complète ({session.capacity} personnes au plus).")
    Participant.objects.filter(pk=participant.pk).update(status=ParticipantStatus.PRESENT)
    if record.session is None:
        _session_close_if_recorded(session)
    return session


@dataclass(frozen=True)
class Welcome:
    """A person welcomed at a structure's counter with their carnet's number and code."""

    carnet: Carnet
    minutes_left: int
    units_left: int
    orientations_came: int = 0
    sessions: list = field(default_factory=list)


def carnet_welcome(*, actor, structure, number: str, code: str) -> Welcome:
    """Opens a carnet at the counter (number + code, the same throttled check as the balance
    page): the structure may then see and enrol the person; an orientation it received for
    them is marked as "came"."""
    try:
        carnet = carnet_open(number=number, code=code)
    except VouchersError as error:
        raise AccompanimentsError(str(error)) from error
    program = carnet.program
    today = program_today(program)
    if carnet.status == CarnetStatus.OPPOSED:
        raise AccompanimentsError(
            "Ce carnet a été déclaré perdu ou volé : la personne en a reçu un nouveau."
        )
    if carnet.status == CarnetStatus.EXPIRED or today > carnet.accepted_until:
        raise AccompanimentsError(
            f"Carnet expiré : il était valable jusqu'au {carnet.valid_until:%d/%m/%Y} "
            f"et accepté jusqu'au {carnet.accepted_until:%d/%m/%Y}."
        )
    if not agreement_active(program=program, structure=structure, on=today):
        raise AccompanimentsError(
            f"Pas valable dans votre structure : aucune convention active pour {program.name}."
        )
    with transaction.atomic():
        beneficiary_served_by(beneficiary_id=carnet.beneficiary_id, structure=structure)
        came = orientations_mark_came(
            actor=actor, beneficiary_id=carnet.beneficiary_id, structure=structure
        )
        audit_record(
            actor=actor,
            action="carnet.welcomed",
            obj=carnet,
            organisation_id=structure.pk,
        )
    usable = Unit.objects.filter(carnet=carnet, state=UnitState.ISSUED)
    return Welcome(
        carnet=carnet,
        minutes_left=sum(usable.values_list("minutes_left", flat=True)),
        units_left=usable.count(),
        orientations_came=came,
        sessions=list(sessions_bookable(structure=structure, program=program)),
    )


def session_walk_in(
    *, actor, structure, beneficiary, program: Program, place, mediator, duration_minutes: int
) -> Participant:
    """An individual session that starts now for a person who came without an appointment."""
    with transaction.atomic():
        session = session_create(
            actor=actor,
            structure=structure,
            place=place,
            program=program,
            kind=SessionKind.INDIVIDUAL,
            starts_at=timezone.now(),
            duration_minutes=duration_minutes,
            mediator=mediator,
        )
        return participant_book(
            actor=actor,
            session=session,
            beneficiary=beneficiary,
            booked_by=structure,
        )


def survey_record(
    *, beneficiary, program, helped: int, confident: int, recommend: bool
) -> SatisfactionSurvey:
    if not (1 <= helped <= 4 and 1 <= confident <= 4):
        raise AccompanimentsError("Répondez de 1 à 4.")
    survey, _ = SatisfactionSurvey.objects.update_or_create(
        beneficiary=beneficiary,
        program=program,
        defaults={"helped": helped, "confident": confident, "recommend": recommend},
    )
    return survey


def _notify_person(person, *, subject: str, text: str) -> bool:
    """SMS if the person gave a mobile number, else e-mail; after the transaction commits."""
    if person.phone and sms_enabled():
        send_after_commit(text=text, phone=person.phone)
    elif person.email:
        send_after_commit(subject=subject, text=text, emails=[person.email])
    else:
        return False
    return True


def _session_line(session: Session) -> str:
    when = program_local(session.program, session.starts_at)
    return (
        f"{session} le {when:%d/%m à %H:%M}, {session.place.nom}, "
        f"{session.place.adresse}, {session.place.commune}"
    )


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """48 hours before a session, each booked person gets a reminder by SMS or e-mail."""
    sent = 0
    for session in sessions_needing_reminder(now=now).select_related("place", "program"):
        if not Session.objects.filter(pk=session.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=timezone.now()
        ):
            continue
        text = f"Rappel : {_session_line(session)}. Pensez à votre carnet."
        booked = session.participants.filter(status=ParticipantStatus.BOOKED)
        for participant in booked.select_related("beneficiary"):
            sent += _notify_person(
                participant.beneficiary, subject=f"Rappel : {session}", text=text
            )
    return sent
