"""Invariants 3, 4 and 7 of DOMAIN.md under concurrent requests (PostgreSQL) and in the database."""

import datetime as dt
import threading
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction

from accompaniments import services
from accompaniments.models import Participant, Session
from tests.fixtures_vouchers import make_session
from vouchers.models import Allowance, UnitEvent
from vouchers.services import carnet_issue

REUNION = ZoneInfo("Indian/Reunion")
_session = partial(make_session, minutes=120, kind="collective", capacity=5)


def _race(targets):
    barrier = threading.Barrier(len(targets))
    results = []

    def run(target):
        close_old_connections()
        try:
            barrier.wait()
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_bookings_fill_five_seats_and_queue_three(kk, make_beneficiary):
    workshop = _session(kk, day=3)
    people = [make_beneficiary() for _ in range(8)]
    results = _race(
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
    kk, beneficiary, advisor, prescriber, time_machine
):
    carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=kk["program"],
        units=10,
        delivery="paper",
    )
    participants = [
        services.participant_book(
            actor=None,
            session=_session(kk, day=day, minutes=360, kind="individual"),
            beneficiary=beneficiary,
        )
        for day in (4, 5)
    ]
    time_machine.move_to(dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC))  # both have started
    results = _race(
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


def test_the_database_refuses_to_change_or_delete_a_unit_event(
    kk, beneficiary, advisor, prescriber
):
    carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=kk["program"],
        units=10,
        delivery="paper",
    )
    event = UnitEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE vouchers_unitevent SET kind = 'consumed' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM vouchers_unitevent WHERE id = %s", [event.pk])
    assert UnitEvent.objects.get(pk=event.pk).kind == "issued"
    assert Session.objects.count() == 0
