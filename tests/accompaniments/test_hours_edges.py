"""Hours programs: partly used units, the turn of the year, stale requests (from a review)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accompaniments import services
from accompaniments.exceptions import AccompanimentsError
from accompaniments.models import Participant
from programs.models import Program
from tests.fixtures_vouchers import during, make_session
from vouchers.enums import UnitState
from vouchers.models import Allowance, Carnet, Unit
from vouchers.services import carnet_issue, carnet_oppose, units_expire

REUNION = ZoneInfo("Indian/Reunion")
_session = make_session


def _present(kk, session, beneficiary):
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    with during(session):
        return services.attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="present"
        )


def _issue(kk, beneficiary, advisor, prescriber):
    return carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=kk["program"],
        units=10,
        delivery="paper",
    )


def test_a_voucher_of_an_hours_carnet_is_not_used_at_the_counter(
    kk, beneficiary, advisor, prescriber
):
    issued = _issue(kk, beneficiary, advisor, prescriber)
    serial, code = issued.codes[0]
    answer = services.unit_consume(actor=None, structure=kk["structure"], serial=serial, code=code)
    assert answer.outcome == "unknown" and "Accueillir une personne" in answer.message
    assert Unit.objects.get(serial=serial).state == UnitState.ISSUED


def test_partly_used_hours_expire_and_are_reissued_at_their_real_value(
    kk, beneficiary, advisor, prescriber, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC))
    issued = _issue(kk, beneficiary, advisor, prescriber)
    assert (
        _present(
            kk,
            _session(kk, when=dt.datetime(2026, 11, 27, 9, tzinfo=REUNION), minutes=90),
            beneficiary,
        ).outcome
        == "consumed"
    )
    second = Unit.objects.get(carnet=issued.carnet, position=2)
    assert (second.state, second.minutes_left) == (UnitState.ISSUED, 30)
    program = Program.objects.get(pk=kk["program"].pk)
    committed = program.committed_cents
    new = carnet_oppose(actor=advisor, carnet=issued.carnet, reason="perdu", delivery="paper")
    assert sorted(Unit.objects.filter(carnet=new.carnet).values_list("minutes_left", flat=True))[
        :2
    ] == [30, 60]
    program.refresh_from_db()
    assert program.committed_cents == committed
    time_machine.move_to(dt.datetime(2027, 2, 2, 8, tzinfo=dt.UTC))
    assert units_expire() == 9
    program.refresh_from_db()
    assert program.committed_cents == 0
    assert program.released_cents == committed  # 8.5 hours at 30 EUR, not 9 hours


def test_hours_of_a_carnet_stay_usable_in_january_and_count_for_their_year(
    kk, beneficiary, advisor, prescriber, time_machine
):
    time_machine.move_to(dt.datetime(2026, 12, 20, 8, tzinfo=dt.UTC))
    _issue(kk, beneficiary, advisor, prescriber)
    time_machine.move_to(dt.datetime(2027, 1, 10, 8, tzinfo=dt.UTC))
    Program.objects.filter(pk=kk["program"].pk).update(ends_on=dt.date(2027, 12, 31))
    from programs.models import Agreement

    Agreement.objects.update(ends_on=dt.date(2027, 12, 31))
    answer = _present(
        kk, _session(kk, when=dt.datetime(2027, 1, 12, 9, tzinfo=REUNION), minutes=60), beneficiary
    )
    assert answer.outcome == "consumed", answer
    assert Allowance.objects.get(year=2026).minutes_consumed == 60


def test_a_session_before_the_carnet_was_issued_uses_nothing(
    kk, beneficiary, advisor, prescriber, time_machine
):
    time_machine.move_to(dt.datetime(2026, 12, 10, 8, tzinfo=dt.UTC))
    session = _session(kk, when=dt.datetime(2026, 12, 2, 9, tzinfo=REUNION), minutes=60)
    _issue(kk, beneficiary, advisor, prescriber)
    answer = _present(kk, session, beneficiary)
    assert answer.outcome in ("no_hours", "cap_reached") and not answer.ok


def test_a_refusal_is_not_remembered_once_the_person_gets_a_seat(
    kk, make_beneficiary, advisor, prescriber
):
    workshop = _session(
        kk,
        when=dt.datetime(2026, 12, 3, 9, tzinfo=REUNION),
        minutes=60,
        kind="collective",
        capacity=1,
    )
    first, second = make_beneficiary(), make_beneficiary()
    for person in (first, second):
        _issue(kk, person, advisor, prescriber)
    seated = services.participant_book(actor=None, session=workshop, beneficiary=first)
    waiting = services.participant_book(actor=None, session=workshop, beneficiary=second)
    with pytest.raises(AccompanimentsError, match="liste d'attente"):
        services.attendance_record(
            actor=None, structure=kk["structure"], participant=waiting, status="present"
        )
    refused = services.unit_consume(
        actor=None, structure=kk["structure"], participant=waiting, idempotency_key="k"
    )
    assert refused.outcome == "group_full"
    services.participant_cancel(actor=None, participant=seated)
    waiting.refresh_from_db()
    assert waiting.status == "booked"
    with during(workshop):
        answer = services.attendance_record(
            actor=None, structure=kk["structure"], participant=waiting, status="present"
        )
    assert answer.outcome == "consumed"


def test_cancelling_with_a_stale_copy_after_the_hours_were_counted_is_refused(
    kk, beneficiary, advisor, prescriber
):
    _issue(kk, beneficiary, advisor, prescriber)
    session = _session(kk, when=dt.datetime(2026, 12, 4, 9, tzinfo=REUNION), minutes=60)
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    stale = Participant.objects.get(pk=participant.pk)
    with during(session):
        services.attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="present"
        )
    with pytest.raises(AccompanimentsError, match="déjà été décomptées"):
        services.participant_cancel(actor=None, participant=stale)
    assert Carnet.objects.count() == 1
