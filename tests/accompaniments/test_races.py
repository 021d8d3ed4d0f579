"""Invariants 3, 4 and 7 of DOMAIN.md under concurrent requests (PostgreSQL)."""

import datetime as dt
from functools import partial

import pytest

from accompaniments import services
from accompaniments.models import Participant
from programs.models import Program
from tests.concurrency import race
from tests.factories import CarnetFactory
from tests.fixtures_vouchers import make_session
from vouchers.models import Allowance, UnitEvent

_session = partial(make_session, minutes=120, kind="collective", capacity=5)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_20_concurrent_consumptions_of_one_unit_exactly_one_succeeds(
    voucher_setup, agreed_money_structure
):
    serial, code = voucher_setup.codes[0]
    outcomes = race(
        [
            lambda: (
                services.unit_consume(
                    actor=None, structure=agreed_money_structure, serial=serial, code=code
                ).outcome
            )
        ]
        * 20
    )
    assert sorted(outcomes) == ["already_used"] * 19 + ["consumed"]
    assert UnitEvent.objects.filter(kind="consumed").count() == 1
    program = Program.objects.get(pk=voucher_setup.carnet.program_id)
    assert program.consumed_cents == 1000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_bookings_fill_five_seats_and_queue_three(kk, make_beneficiary):
    workshop = _session(kk, day=3)
    people = [make_beneficiary() for _ in range(8)]
    results = race(
        [
            lambda p=p: (
                services.participant_book(actor=None, session=workshop, beneficiary=p).status
            )
            for p in people
        ]
    )
    assert sorted(results) == ["booked"] * 5 + ["waiting"] * 3
    workshop.refresh_from_db()
    assert workshop.seats_taken == 5
    positions = sorted(
        Participant.objects.filter(status="waiting").values_list("waiting_position", flat=True)
    )
    assert positions == [1, 2, 3]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sessions_past_the_yearly_cap_exactly_one_is_counted(
    kk, beneficiary, time_machine
):
    CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    participants = [
        services.participant_book(
            actor=None,
            session=_session(kk, day=day, minutes=360, kind="individual"),
            beneficiary=beneficiary,
        )
        for day in (4, 5)
    ]
    time_machine.move_to(dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC))  # both have started
    results = race(
        [
            lambda p=p: (
                services.attendance_record(
                    actor=None, structure=kk["structure"], participant=p, status="present"
                ).outcome
            )
            for p in participants
        ]
    )
    assert sorted(results) == ["cap_reached", "consumed"]
    assert Allowance.objects.get().minutes_consumed == 360
