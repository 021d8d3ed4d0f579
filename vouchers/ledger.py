"""The unit ledger: every change of a unit's state, and its event, is made here and only here
(DOMAIN.md invariants 1, 5, 6 and 7). Each transition is a conditional update from the state
it expects, appends its events and moves the program's budget through
programs.services.budget_move, in the caller's transaction. Callers lock rows in the fixed
order of ARCHITECTURE.md (allowances, units by primary key, session, program) before calling.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from core import rawsql, registry
from core.services import failure_record
from programs.services import budget_move
from vouchers.enums import UnitEventKind, UnitState
from vouchers.exceptions import VouchersError
from vouchers.models import CodeGuard, Unit, UnitEvent

MAX_WRONG_CODES = 5
BLOCK_MINUTES = 15
MAX_WRONG_CODES_PER_ORGANISATION = 20


class LedgerConflict(VouchersError):
    """A unit changed between its reading and its update: nothing of the transition is kept."""


@dataclass(frozen=True)
class Entry:
    """What one transition did: its kind, the units and minutes it moved, the amount due to
    the structure (negative for a reversal) and the events it appended."""

    kind: UnitEventKind
    units: int
    minutes: int
    amount_cents: int
    events: tuple[UnitEvent, ...]


@dataclass(frozen=True)
class Attempt:
    """A wrong secret code: how many tries are left, or until when the unit is blocked."""

    tries_left: int
    blocked_until: dt.datetime | None


def _event(unit: Unit, kind: UnitEventKind, **fields) -> UnitEvent:
    """Every event of the ledger is built here: it carries its unit's program and carnet."""
    return UnitEvent(
        unit=unit, program_id=unit.program_id, carnet_id=unit.carnet_id, kind=kind, **fields
    )


def _write(unit: Unit, kind: UnitEventKind, **fields) -> UnitEvent:
    return rawsql.insert(_event(unit, kind, **fields))


def _remaining_value(unit: Unit, minutes_left: int) -> int:
    return unit.value_cents * minutes_left // 60


def issue(*, units: list[Unit], actor, organisation, data: dict) -> Entry:
    """Units just created on a carnet: one ISSUED event each (their value was reserved on the
    budget by programs.services.budget_reserve)."""
    events = UnitEvent.objects.bulk_create(
        _event(unit, UnitEventKind.ISSUED, actor=actor, organisation=organisation, data=data)
        for unit in units
    )
    return Entry(UnitEventKind.ISSUED, len(units), 0, 0, tuple(events))


def consume_voucher(*, unit: Unit, structure, actor, now: dt.datetime, data: dict) -> Entry:
    """A voucher used whole: ISSUED → CONSUMED, its face value due to the structure."""
    # Written by hand once (run for every voucher used): the ORM's update cost more to build.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Unit._meta.db_table} SET state = %s, consumed_at = %s,"  # noqa: S608
            " consumed_by_id = %s, failed_attempts = 0, minutes_left = 0"
            " WHERE id = %s AND state = %s",
            [UnitState.CONSUMED, rawsql.moment(now), structure.pk, unit.pk, UnitState.ISSUED],
        )
        if not cursor.rowcount:
            raise LedgerConflict("Déjà utilisé.")
    value = _remaining_value(unit, unit.minutes_left)
    budget_move(program=unit.program, committed=-value, consumed=value)
    event = _write(
        unit,
        UnitEventKind.CONSUMED,
        actor=actor,
        organisation=structure,
        amount_cents=value,
        data=data,
    )
    _announce([event])
    return Entry(UnitEventKind.CONSUMED, 1, 0, value, (event,))


def consume_minutes(
    *, plan: list[tuple[Unit, int]], program, structure, actor, rate_cents: int, data: dict
) -> Entry:
    """Minutes of hour units used at a session, unit by unit as planned. The structure is due
    rate × minutes // 60 for the whole session (rounded once: the amounts of the units
    telescope); a unit with no minute left is CONSUMED."""
    now, done, released, events = timezone.now(), 0, 0, []
    for unit, take in plan:
        before, after = unit.minutes_left, unit.minutes_left - take
        changes = {"minutes_left": after}
        if after == 0:
            changes |= {"state": UnitState.CONSUMED, "consumed_at": now, "consumed_by": structure}
        if not Unit.objects.filter(pk=unit.pk, state=UnitState.ISSUED, minutes_left=before).update(
            **changes
        ):
            raise LedgerConflict("Heures modifiées en même temps : recommencez.")
        released += _remaining_value(unit, before) - _remaining_value(unit, after)
        amount = rate_cents * (done + take) // 60 - rate_cents * done // 60
        done += take
        events.append(
            _event(
                unit,
                UnitEventKind.CONSUMED,
                actor=actor,
                organisation=structure,
                minutes=take,
                amount_cents=amount,
                data=data,
            )
        )
    events = UnitEvent.objects.bulk_create(events)
    total = rate_cents * done // 60
    budget_move(program=program, committed=-released, consumed=total)
    _announce(events)
    return Entry(UnitEventKind.CONSUMED, len(plan), done, total, tuple(events))


def reverse(
    *, consumed: list[UnitEvent], program, structure, actor, reason: str, data: dict
) -> Entry:
    """Gives back what CONSUMED events took (a wrong attendance corrected): a REVERSED event
    each, with the opposite amount; minutes back on their units, which are usable again."""
    released, amount_back, minutes, events = 0, 0, 0, []
    for event in consumed:
        unit = event.unit
        before = unit.minutes_left
        after = before + event.minutes
        if after > 60 or unit.state not in (
            UnitState.ISSUED,
            UnitState.CONSUMED,
            UnitState.REIMBURSED,
        ):
            raise LedgerConflict(
                "Ces heures ont changé depuis (carnet remplacé ou expiré) : contactez l'opérateur."
            )
        if not Unit.objects.filter(pk=unit.pk, minutes_left=before, state=unit.state).update(
            minutes_left=after, state=UnitState.ISSUED, consumed_at=None, consumed_by=None
        ):
            raise LedgerConflict("Heures modifiées en même temps : recommencez.")
        unit.minutes_left, unit.state = after, UnitState.ISSUED
        released += _remaining_value(unit, after) - _remaining_value(unit, before)
        amount_back += event.amount_cents
        minutes += event.minutes
        events.append(
            _event(
                unit,
                UnitEventKind.REVERSED,
                actor=actor,
                organisation=structure,
                minutes=event.minutes,
                amount_cents=-event.amount_cents,
                reason=reason[:300],
                data=data | {"reverses": event.pk},
            )
        )
    events = UnitEvent.objects.bulk_create(events)
    budget_move(program=program, committed=released, consumed=-amount_back)
    _announce(events)
    return Entry(UnitEventKind.REVERSED, len(consumed), minutes, -amount_back, tuple(events))


def expire(*, units: list[Unit], program, reason: str) -> Entry:
    """Units still unused after their acceptance date: what they hold goes back to the
    budget."""
    count = Unit.objects.filter(pk__in=[u.pk for u in units], state=UnitState.ISSUED).update(
        state=UnitState.EXPIRED
    )
    if count != len(units):
        raise LedgerConflict("Unités modifiées pendant l'expiration : relancez.")
    value = sum(_remaining_value(u, u.minutes_left) for u in units)
    if value:
        budget_move(program=program, committed=-value, released=value)
    events = UnitEvent.objects.bulk_create(
        _event(u, UnitEventKind.EXPIRED, reason=reason) for u in units
    )
    return Entry(UnitEventKind.EXPIRED, count, 0, 0, tuple(events))


def cancel(*, units: list[Unit], actor, reason: str, new_carnet_number: str) -> Entry:
    """A lost or stolen carnet: its unused units are cancelled and their value moves to the
    new carnet's units (the budget does not move)."""
    count = Unit.objects.filter(pk__in=[u.pk for u in units], state=UnitState.ISSUED).update(
        state=UnitState.CANCELLED
    )
    if count != len(units):
        raise LedgerConflict(
            "Ce chèque ou cette heure vient d'être utilisé en même temps ailleurs : recommencez."
        )
    events = []
    for unit in units:
        events.append(_event(unit, UnitEventKind.CANCELLED, actor=actor, reason=reason[:300]))
        events.append(
            _event(
                unit,
                UnitEventKind.REISSUED,
                actor=actor,
                data={"carnet": new_carnet_number},
            )
        )
    events = UnitEvent.objects.bulk_create(events)
    return Entry(UnitEventKind.CANCELLED, count, 0, 0, tuple(events))


def organisation_blocked_until(
    *, organisation, now: dt.datetime, until: dt.datetime | None = None, known: bool = False
) -> dt.datetime | None:
    """Until when an organisation may type no secret code (too many wrong ones), if it is;
    `known`: `until` was read already (with the unit, by the voucher's lock)."""
    if not known:
        until = (
            CodeGuard.objects.filter(organisation=organisation)
            .values_list("blocked_until", flat=True)
            .first()
        )
    return until if until and until > now else None


def wrong_code(*, unit: Unit, structure, actor, now: dt.datetime) -> Attempt:
    """A wrong secret code typed for a unit by a structure under agreement for its program:
    counted on the unit (the fifth blocks it for 15 minutes) and on the structure (the
    twentieth across all units blocks the structure for 15 minutes)."""
    CodeGuard.objects.get_or_create(organisation=structure)
    structure_until = failure_record(
        row=CodeGuard.objects.filter(organisation=structure),
        attempts_field="failed_attempts",
        until_field="blocked_until",
        max_failures=MAX_WRONG_CODES_PER_ORGANISATION,
        block_minutes=BLOCK_MINUTES,
        now=now,
    )
    blocked_until = failure_record(
        row=Unit.objects.filter(pk=unit.pk),
        attempts_field="failed_attempts",
        until_field="blocked_until",
        max_failures=MAX_WRONG_CODES,
        block_minutes=BLOCK_MINUTES,
        now=now,
    )
    if blocked_until or structure_until:
        _write(
            unit,
            UnitEventKind.BLOCKED,
            actor=actor,
            organisation=structure,
            reason=(
                f"{MAX_WRONG_CODES} codes faux"
                if blocked_until
                else f"{MAX_WRONG_CODES_PER_ORGANISATION} codes faux de la structure"
            ),
        )
        return Attempt(0, blocked_until or structure_until)
    _write(unit, UnitEventKind.WRONG_CODE, actor=actor, organisation=structure)
    return Attempt(MAX_WRONG_CODES - unit.failed_attempts - 1, None)


def reimburse(*, units: list[Unit], actor, data: dict) -> Entry:
    """Units whose every use has been paid to the structure: CONSUMED → REIMBURSED."""
    pks = sorted({unit.pk for unit in units})
    to_mark = list(Unit.objects.filter(pk__in=pks, state=UnitState.CONSUMED).order_by("pk"))
    Unit.objects.filter(pk__in=[u.pk for u in to_mark], state=UnitState.CONSUMED).update(
        state=UnitState.REIMBURSED
    )
    events = UnitEvent.objects.bulk_create(
        _event(unit, UnitEventKind.REIMBURSED, actor=actor, data=data) for unit in to_mark
    )
    return Entry(UnitEventKind.REIMBURSED, len(to_mark), 0, 0, tuple(events))


def _announce(events) -> None:
    """Apps above (settlement) price consumption and reversal events in this transaction."""
    for hook in registry.contributions(registry.LEDGER_EVENTS):
        hook(events=events)
