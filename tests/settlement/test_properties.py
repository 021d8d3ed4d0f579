"""Properties over random inputs (Hypothesis): funder shares add up to the cent; random
sequences of ledger and settlement steps keep DOMAIN.md's invariants after every step."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accompaniments import services as counter
from accompaniments.models import Participant
from core.exceptions import PassnumError
from programs.exceptions import ProgramsError
from programs.models import Program
from settlement import services as settlement
from settlement.enums import TransferStatus
from settlement.models import PricingLine, Transfer
from tests.fixtures_vouchers import make_session
from tests.settlement.conftest import accept_all
from vouchers import services as vouchers
from vouchers.enums import UnitEventKind, UnitState
from vouchers.models import Unit, UnitEvent

commitment = st.tuples(
    st.integers(min_value=1, max_value=10_000_000),
    st.one_of(st.none(), st.integers(min_value=1, max_value=10_000)),
)


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    commitments=st.lists(commitment, min_size=1, max_size=6),
)
def test_funder_shares_add_up_to_the_batch_to_the_cent(amount, commitments):
    rows = [
        SimpleNamespace(funder_id=index, amount_cents=committed, share_cap_bp=cap)
        for index, (committed, cap) in enumerate(commitments)
    ]
    shares = settlement.shares_split(amount_cents=amount, commitments=rows)
    assert sum(shares.values()) == amount
    assert all(share >= 0 for share in shares.values())
    if any(row.share_cap_bp is None for row in rows):
        for row in rows:
            if row.share_cap_bp is not None:
                assert shares[row.funder_id] * 10000 <= amount * row.share_cap_bp


def _unit_replay(unit: Unit) -> tuple[str, int]:
    """The state and minutes a unit's events say it has."""
    state, minutes = UnitState.ISSUED, 60
    for event in unit.events.order_by("pk"):
        if event.kind == UnitEventKind.CONSUMED:
            minutes = 0 if not unit.program.is_hours else minutes - event.minutes
            state = UnitState.CONSUMED if minutes == 0 else UnitState.ISSUED
        elif event.kind == UnitEventKind.REVERSED:
            minutes += event.minutes
            state = UnitState.ISSUED
        elif event.kind == UnitEventKind.EXPIRED:
            state = UnitState.EXPIRED
        elif event.kind == UnitEventKind.CANCELLED:
            state = UnitState.CANCELLED
        elif event.kind == UnitEventKind.REIMBURSED:
            state = UnitState.REIMBURSED
    return state, minutes


def _check_invariants(program: Program) -> None:
    program.refresh_from_db()
    units = list(Unit.objects.filter(program=program).select_related("program"))
    # Budget identity, to the cent: committed is the value still usable on issued units.
    usable = sum(u.value_cents * u.minutes_left // 60 for u in units if u.state == "issued")
    assert program.committed_cents == usable
    events = UnitEvent.objects.filter(unit__program=program)
    due = events.filter(kind__in=["consumed", "reversed"]).aggregate(s=Sum("amount_cents"))
    assert program.consumed_cents == (due["s"] or 0)
    assert program.committed_cents + program.consumed_cents <= program.funded_cents
    # No unit used twice: a voucher has at most one use more than its reversals.
    for unit in units:
        uses = unit.events.filter(kind="consumed").count()
        backs = unit.events.filter(kind="reversed").count()
        assert uses - backs <= (60 if program.is_hours else 1)
        # Events replay to the current state.
        assert _unit_replay(unit) == (unit.state, unit.minutes_left), unit.serial
    # Every use and reversal is priced once; what was paid is what the budget says.
    assert (
        PricingLine.objects.filter(program=program).count()
        == events.filter(kind__in=["consumed", "reversed"], organisation__isnull=False).count()
    )
    paid = PricingLine.objects.filter(
        program=program, transfer__status=TransferStatus.PAID
    ).aggregate(s=Sum("amount_cents"))
    assert program.reimbursed_cents == (paid["s"] or 0)
    transfers = (
        Transfer.objects.exclude(status=TransferStatus.REJECTED).aggregate(s=Sum("amount_cents"))[
            "s"
        ]
        or 0
    )
    lines = PricingLine.objects.filter(transfer__isnull=False).aggregate(s=Sum("amount_cents"))
    assert transfers == (lines["s"] or 0)  # every transfer is its lines, to the cent


@pytest.mark.django_db
def test_random_ledger_and_settlement_steps_keep_the_invariants(
    money_program,
    kk,
    structure,
    make_agreement,
    advisor,
    prescriber,
    make_beneficiary,
    time_machine,
):
    make_agreement(money_program, structure)
    hours_program = kk["program"]
    people = [make_beneficiary() for _ in range(3)]

    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.codes: list[tuple[str, str]] = []
            self.carnets = []
            self.participants: list[int] = []
            self.day = dt.date(2026, 11, 25)

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        @rule(person=st.sampled_from(range(3)), size=st.sampled_from([5, 10]))
        def issue(self, person, size):
            try:
                issued = vouchers.carnet_issue(
                    actor=advisor,
                    prescriber=prescriber,
                    beneficiary=people[person],
                    program=money_program,
                    units=size,
                    delivery="paper",
                )
            except vouchers.VouchersError:
                return
            self.codes += issued.codes
            self.carnets.append(issued.carnet)

        @rule(data=st.data())
        def consume(self, data):
            if not self.codes:
                return
            serial, code = data.draw(st.sampled_from(self.codes))
            counter.unit_consume(actor=None, structure=structure, serial=serial, code=code)

        @rule(data=st.data())
        def oppose(self, data):
            if not self.carnets:
                return
            carnet = data.draw(st.sampled_from(self.carnets))
            try:
                issued = vouchers.carnet_oppose(
                    actor=advisor, carnet=carnet, reason="perdu", delivery="paper"
                )
            except vouchers.VouchersError:
                return
            self.codes += issued.codes
            self.carnets.append(issued.carnet)

        @rule(person=st.sampled_from(range(3)))
        def give_hours(self, person):
            try:
                vouchers.carnet_issue(
                    actor=advisor,
                    prescriber=prescriber,
                    beneficiary=people[person],
                    program=hours_program,
                    units=10,
                    delivery="paper",
                )
            except (vouchers.VouchersError, ProgramsError):
                return

        @rule(person=st.sampled_from(range(3)), minutes=st.sampled_from([30, 60, 90]))
        def attend(self, person, minutes):
            session = make_session(
                kk, when=timezone.now() - dt.timedelta(minutes=10), minutes=minutes
            )
            participant = counter.participant_book(
                actor=None, session=session, beneficiary=people[person]
            )
            counter.attendance_record(
                actor=None, structure=structure, participant=participant, status="present"
            )
            self.participants.append(participant.pk)

        @rule(data=st.data())
        def correct(self, data):
            if not self.participants:
                return
            participant = Participant.objects.select_related("session__program").get(
                pk=data.draw(st.sampled_from(self.participants))
            )
            try:
                counter.attendance_record(
                    actor=None,
                    structure=structure,
                    participant=participant,
                    status="absent" if participant.consumed_minutes else "present",
                    reason="correction",
                )
            except PassnumError:  # e.g. the hours were expired or moved to a new carnet
                return

        @rule()
        def settle(self):
            accept_all()
            outcome = settlement.batch_build(actor=None, until=self.day)
            if outcome.batch:
                settlement.batch_mark_sent(actor=None, batch=outcome.batch)
                settlement.batch_mark_paid(actor=None, batch=outcome.batch)

        @rule()
        def expire(self):
            time_machine.move_to(dt.datetime(2027, 2, 2, 12, tzinfo=dt.UTC))
            vouchers.units_expire()
            time_machine.move_to(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC))

        @invariant()
        def holds(self):
            _check_invariants(money_program)
            _check_invariants(hours_program)

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            derandomize=True,  # the same sequences on every run: CI is reproducible
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
