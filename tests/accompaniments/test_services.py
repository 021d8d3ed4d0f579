"""accompaniments.services: vouchers used at the counter (unit_consume), sessions and workshops,
attendance that follows time and counts hours, corrections by compensating events."""

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from accompaniments import services
from accompaniments.exceptions import AccompanimentsError
from accompaniments.models import Participant, Session
from core.models import IdempotencyRecord
from core.sms import outbox
from places.models import Place
from programs.models import Agreement, Program
from tests.factories import CarnetFactory
from tests.fixtures_vouchers import during, make_session
from vouchers.enums import UnitEventKind, UnitState
from vouchers.models import Allowance, Carnet, Unit, UnitEvent
from vouchers.services import carnet_oppose, units_expire

REUNION = ZoneInfo("Indian/Reunion")
_workshop = partial(make_session, minutes=120, capacity=5, kind="collective")


def _consume(structure, issued, index=0, **kwargs):
    serial, code = issued.codes[index]
    return services.unit_consume(
        actor=None, structure=structure, serial=serial, code=code, **kwargs
    )


def _mark(kk, participant, status, reason=""):
    """Attendance noted by the structure of `kk`."""
    return services.attendance_record(
        actor=None, structure=kk["structure"], participant=participant, status=status, reason=reason
    )


def _present(kk, session, beneficiary):
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    with during(session):
        return _mark(kk, participant, "present")


def test_a_voucher_is_tested_then_used_once(voucher_setup, agreed_money_structure, money_program):
    tested = _consume(agreed_money_structure, voucher_setup, test=True)
    assert tested.outcome == "valid" and "Rien n'a été utilisé" in tested.message
    assert Unit.objects.filter(state=UnitState.CONSUMED).count() == 0
    used = _consume(agreed_money_structure, voucher_setup)
    assert used.outcome == "consumed" and used.value_cents == 1000
    again = _consume(agreed_money_structure, voucher_setup)
    assert again.outcome == "already_used" and again.message.startswith("Déjà utilisé le ")
    money_program.refresh_from_db()
    assert (money_program.consumed_cents, money_program.committed_cents) == (1000, 4000)
    unit = Unit.objects.get(serial=voucher_setup.codes[0][0])
    assert list(unit.events.values_list("kind", flat=True)) == ["issued", "consumed"]


def test_messages_for_wrong_serial_other_structure_opposed_and_expired(
    voucher_setup, agreed_money_structure, make_organisation, advisor, time_machine
):
    serial, code = voucher_setup.codes[1]
    wrong_digit = serial[:-3] + str((int(serial[-3]) + 1) % 10) + serial[-2:]
    assert (
        "invalide"
        in services.unit_consume(
            actor=None, structure=agreed_money_structure, serial=wrong_digit, code=code
        ).message
    )
    elsewhere = make_organisation(kinds=("structure",))
    answer = services.unit_consume(actor=None, structure=elsewhere, serial=serial, code=code)
    assert answer.outcome == "not_here" and "pas utilisable dans votre structure" in answer.message
    time_machine.move_to(dt.datetime(2027, 2, 2, 9, tzinfo=dt.UTC))
    assert _consume(agreed_money_structure, voucher_setup, 1).outcome == "expired"
    time_machine.move_to(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    carnet_oppose(actor=advisor, carnet=voucher_setup.carnet, reason="perdu", delivery="paper")
    answer = _consume(agreed_money_structure, voucher_setup, 1)
    assert answer.outcome == "cancelled" and "perdu ou volé" in answer.message


def test_wrong_codes_block_the_voucher_for_15_minutes(
    client, voucher_setup, agreed_money_structure, time_machine, make_organisation, make_member
):
    operator_user = make_member(make_organisation(kinds=("operator",)))
    time_machine.move_to(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    serial, code = voucher_setup.codes[2]
    for _attempt in range(4):
        answer = services.unit_consume(
            actor=None, structure=agreed_money_structure, serial=serial, code="ZZZZZZZZ"
        )
        assert answer.outcome == "wrong_code"
    answer = services.unit_consume(
        actor=None, structure=agreed_money_structure, serial=serial, code="ZZZZZZZZ"
    )
    assert answer.outcome == "blocked"
    assert (
        services.unit_consume(
            actor=None, structure=agreed_money_structure, serial=serial, code=code
        ).outcome
        == "blocked"
    )
    assert UnitEvent.objects.filter(kind="blocked").count() == 1
    client.force_login(operator_user)
    page = client.get("/carnets/bloques/").content.decode()
    assert serial in page and "oui, jusqu" in page
    client.force_login(make_member(agreed_money_structure))
    assert client.get("/carnets/bloques/").status_code == 403
    time_machine.move_to(dt.datetime(2026, 11, 25, 9, 16, tzinfo=dt.UTC))
    assert (
        services.unit_consume(
            actor=None, structure=agreed_money_structure, serial=serial, code=code
        ).outcome
        == "consumed"
    )


def test_a_replayed_idempotency_key_returns_the_first_answer(voucher_setup, agreed_money_structure):
    first = _consume(agreed_money_structure, voucher_setup, 3, idempotency_key="cle-1")
    replay = _consume(agreed_money_structure, voucher_setup, 3, idempotency_key="cle-1")
    assert first == replay and first.outcome == "consumed"
    assert UnitEvent.objects.filter(kind="consumed").count() == 1
    assert IdempotencyRecord.objects.count() == 1
    other_key = _consume(agreed_money_structure, voucher_setup, 3, idempotency_key="cle-2")
    assert other_key.outcome == "already_used"


def test_a_wrong_code_then_the_right_one_with_the_same_key(voucher_setup, agreed_money_structure):
    serial, code = voucher_setup.codes[0]
    wrong = services.unit_consume(
        actor=None,
        structure=agreed_money_structure,
        serial=serial,
        code="ZZZZZZZZ",
        idempotency_key="k",
    )
    assert wrong.outcome == "wrong_code"
    right = services.unit_consume(
        actor=None, structure=agreed_money_structure, serial=serial, code=code, idempotency_key="k"
    )
    assert right.outcome == "consumed"
    replay = services.unit_consume(
        actor=None, structure=agreed_money_structure, serial=serial, code=code, idempotency_key="k"
    )
    assert replay == right


def test_the_tolerance_month_is_honoured(
    voucher_setup, agreed_money_structure, money_program, time_machine
):
    """Valid to 31/12, still accepted to 31/01: the agreement covers that month too."""
    carnet = voucher_setup.carnet
    assert (carnet.valid_until, carnet.accepted_until) == (
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 31),
    )
    paris = dt.timezone(dt.timedelta(hours=1))
    time_machine.move_to(dt.datetime(2026, 12, 20, 12, tzinfo=paris))
    assert _consume(agreed_money_structure, voucher_setup, 0).outcome == "consumed"
    time_machine.move_to(dt.datetime(2027, 1, 15, 12, tzinfo=paris))
    assert _consume(agreed_money_structure, voucher_setup, 1).outcome == "consumed"
    time_machine.move_to(dt.datetime(2027, 2, 1, 12, tzinfo=paris))
    refused = _consume(agreed_money_structure, voucher_setup, 2)
    assert refused.outcome == "expired"
    assert refused.message == (
        "Chèque expiré : il était valable jusqu'au 31/12/2026 et accepté jusqu'au 31/01/2027."
    )


def test_attendance_only_from_the_start_and_the_session_is_then_done(kk, beneficiary):
    CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    session = make_session(kk, day=3, hour=14)
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    with pytest.raises(AccompanimentsError, match="à partir du 03/12/2026 à 14:00"):
        _mark(kk, participant, "present")
    assert Allowance.objects.get().minutes_consumed == 0
    with during(session):
        answer = _mark(kk, participant, "present")
    assert answer.outcome == "consumed"
    session.refresh_from_db()
    assert session.status == "done"


def test_a_wrong_mark_is_corrected_the_same_day_by_a_compensating_event(
    kk, beneficiary, time_machine
):
    issued = CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    program = Program.objects.get(pk=kk["program"].pk)
    before = (program.committed_cents, program.consumed_cents)
    session = make_session(kk, day=3, hour=14, minutes=90)
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    time_machine.move_to(dt.datetime(2026, 12, 3, 15, tzinfo=REUNION))
    _mark(kk, participant, "present")
    participant.refresh_from_db()
    assert participant.consumed_minutes == 90
    with pytest.raises(AccompanimentsError, match="Motif de la correction"):
        _mark(kk, participant, "absent")
    answer = _mark(kk, participant, "absent", reason="Erreur de ligne : c'était sa sœur")
    assert answer.ok and "1 h 30 rendues" in answer.message
    participant.refresh_from_db()
    assert (participant.status, participant.consumed_minutes) == ("absent", 0)
    assert Allowance.objects.get().minutes_consumed == 0
    units = Unit.objects.filter(carnet=issued.carnet)
    assert all(u.state == UnitState.ISSUED and u.minutes_left == 60 for u in units)
    program.refresh_from_db()
    assert (program.committed_cents, program.consumed_cents) == before
    kinds = list(
        UnitEvent.objects.filter(unit__carnet=issued.carnet)
        .exclude(kind=UnitEventKind.ISSUED)
        .values_list("kind", "minutes", "amount_cents")
    )
    assert sorted(kinds) == sorted(  # individual rate: 30 EUR an hour
        [
            ("consumed", 60, 3000),
            ("consumed", 30, 1500),
            ("reversed", 60, -3000),
            ("reversed", 30, -1500),
        ]
    )
    # Present again the same day, then too late to correct the next day.
    _mark(kk, participant, "present", reason="Elle était bien là")
    participant.refresh_from_db()
    assert participant.consumed_minutes == 90
    _mark(kk, participant, "excused", reason="Finalement partie avant le début")
    participant.refresh_from_db()
    assert (participant.status, participant.consumed_minutes) == ("excused", 0)
    assert Allowance.objects.get().minutes_consumed == 0
    assert UnitEvent.objects.filter(kind="reversed").count() == 4
    time_machine.move_to(dt.datetime(2026, 12, 4, 9, tzinfo=REUNION))
    with pytest.raises(AccompanimentsError, match="le jour même"):
        _mark(kk, participant, "absent", reason="trop tard")


def test_a_voucher_records_the_service_it_paid_for(
    money_program, structure, make_agreement, beneficiary, make_member
):
    make_agreement(money_program, structure)
    mediator = make_member(structure)
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    place = Place.objects.filter(structure=structure).first()
    serial, code = issued.codes[0]
    answer = services.unit_consume(
        actor=mediator,
        structure=structure,
        serial=serial,
        code=code,
        record=services.ServiceRecord(
            place=place,
            kind="individual",
            duration_minutes=45,
            themes=("Aide aux démarches administratives",),
            mediator=mediator,
        ),
    )
    assert answer.outcome == "consumed" and "Accompagnement noté" in answer.message
    session = Session.objects.get()
    assert (session.status, session.duration_minutes, session.place, session.mediator) == (
        "done",
        45,
        place,
        mediator,
    )
    assert session.themes == ["Aide aux démarches administratives"]
    assert session.participants.get().status == "present"
    event = UnitEvent.objects.get(kind="consumed")
    assert event.data == {"session": session.pk}
    # A second voucher linked to the same session does not create another one.
    serial, code = issued.codes[1]
    services.unit_consume(
        actor=mediator,
        structure=structure,
        serial=serial,
        code=code,
        record=services.ServiceRecord(session=session),
    )
    assert Session.objects.count() == 1
    assert UnitEvent.objects.filter(kind="consumed", data__session=session.pk).count() == 2


def test_a_voucher_of_an_hours_carnet_is_not_used_at_the_counter(kk, beneficiary):
    issued = CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    serial, code = issued.codes[0]
    answer = services.unit_consume(actor=None, structure=kk["structure"], serial=serial, code=code)
    assert answer.outcome == "unknown" and "Accueillir une personne" in answer.message
    assert Unit.objects.get(serial=serial).state == UnitState.ISSUED


def test_partly_used_hours_expire_and_are_reissued_at_their_real_value(
    kk, beneficiary, advisor, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC))
    issued = CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    assert (
        _present(
            kk,
            make_session(kk, when=dt.datetime(2026, 11, 27, 9, tzinfo=REUNION), minutes=90),
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
    kk, beneficiary, time_machine
):
    time_machine.move_to(dt.datetime(2026, 12, 20, 8, tzinfo=dt.UTC))
    CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    time_machine.move_to(dt.datetime(2027, 1, 10, 8, tzinfo=dt.UTC))
    Program.objects.filter(pk=kk["program"].pk).update(ends_on=dt.date(2027, 12, 31))

    Agreement.objects.update(ends_on=dt.date(2027, 12, 31))
    answer = _present(
        kk,
        make_session(kk, when=dt.datetime(2027, 1, 12, 9, tzinfo=REUNION), minutes=60),
        beneficiary,
    )
    assert answer.outcome == "consumed", answer
    assert Allowance.objects.get(year=2026).minutes_consumed == 60


def test_a_session_before_the_carnet_was_issued_uses_nothing(kk, beneficiary, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 10, 8, tzinfo=dt.UTC))
    session = make_session(kk, when=dt.datetime(2026, 12, 2, 9, tzinfo=REUNION), minutes=60)
    CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    answer = _present(kk, session, beneficiary)
    assert answer.outcome in ("no_hours", "cap_reached") and not answer.ok


def test_a_refusal_is_not_remembered_once_the_person_gets_a_seat(kk, make_beneficiary):
    workshop = make_session(
        kk,
        when=dt.datetime(2026, 12, 3, 9, tzinfo=REUNION),
        minutes=60,
        kind="collective",
        capacity=1,
    )
    first, second = make_beneficiary(), make_beneficiary()
    for person in (first, second):
        CarnetFactory(program=kk["program"], beneficiary=person)
    seated = services.participant_book(actor=None, session=workshop, beneficiary=first)
    waiting = services.participant_book(actor=None, session=workshop, beneficiary=second)
    with pytest.raises(AccompanimentsError, match="liste d'attente"):
        _mark(kk, waiting, "present")
    refused = services.unit_consume(
        actor=None, structure=kk["structure"], participant=waiting, idempotency_key="k"
    )
    assert refused.outcome == "group_full"
    services.participant_cancel(actor=None, participant=seated)
    waiting.refresh_from_db()
    assert waiting.status == "booked"
    with during(workshop):
        answer = _mark(kk, waiting, "present")
    assert answer.outcome == "consumed"


def test_cancelling_with_a_stale_copy_after_the_hours_were_counted_is_refused(kk, beneficiary):
    CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    session = make_session(kk, when=dt.datetime(2026, 12, 4, 9, tzinfo=REUNION), minutes=60)
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    stale = Participant.objects.get(pk=participant.pk)
    with during(session):
        _mark(kk, participant, "present")
    with pytest.raises(AccompanimentsError, match="déjà été décomptées"):
        services.participant_cancel(actor=None, participant=stale)
    assert Carnet.objects.count() == 1


def test_a_prescriber_books_only_its_people_into_workshops_to_come(
    kk, beneficiary, prescriber, make_organisation, make_beneficiary
):
    individual = make_session(kk, kind="individual")
    with pytest.raises(AccompanimentsError, match="ateliers à venir"):
        services.participant_book(
            actor=None, session=individual, beneficiary=beneficiary, booked_by=prescriber
        )
    workshop = make_session(kk, kind="collective", capacity=5)
    other_prescriber = make_organisation(kinds=("prescriber",))
    with pytest.raises(AccompanimentsError, match="pas suivie par votre organisation"):
        services.participant_book(
            actor=None, session=workshop, beneficiary=beneficiary, booked_by=other_prescriber
        )
    services.participant_book(
        actor=None, session=workshop, beneficiary=beneficiary, booked_by=prescriber
    )


def test_a_sixth_participant_waits_and_a_workshop_above_5_is_refused(
    kk, make_beneficiary, prescriber, django_capture_on_commit_callbacks
):
    with pytest.raises(AccompanimentsError, match="5 personnes au plus"):
        _workshop(kk, capacity=6)
    workshop = _workshop(kk)
    people = [make_beneficiary() for _ in range(6)]
    statuses = [
        services.participant_book(
            actor=None, session=workshop, beneficiary=p, booked_by=prescriber
        ).status
        for p in people
    ]
    assert statuses == ["booked"] * 5 + ["waiting"]
    workshop.refresh_from_db()
    assert workshop.seats_taken == 5
    with pytest.raises(AccompanimentsError, match="complet"):
        services.session_add_anonymous(actor=None, session=workshop, count=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=workshop.pk).update(seats_taken=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=workshop.pk).update(capacity=6)
    first = Participant.objects.get(session=workshop, beneficiary=people[0])
    outbox.clear()
    people[5].phone = "0692000006"
    people[5].save()
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.participant_cancel(actor=None, participant=first)
    assert outbox[-1]["to"] == "0692000006" and "place s'est libérée" in outbox[-1]["text"]
    assert promoted.beneficiary == people[5]
    assert Participant.objects.get(pk=promoted.pk).status == "booked"
    workshop.refresh_from_db()
    assert workshop.seats_taken == 5


def test_an_eleventh_hour_in_a_program_year_is_refused(kk, beneficiary):
    CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    for day in range(1, 6):  # five sessions of 2 hours: 10 hours
        session = _workshop(kk, day=day, kind="individual", minutes=120)
        participant = services.participant_book(
            actor=None, session=session, beneficiary=beneficiary
        )
        with during(session):
            answer = _mark(kk, participant, "present")
        assert answer.outcome == "consumed", answer
    session = _workshop(kk, day=7, kind="individual", minutes=60)
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    with during(session):
        answer = _mark(kk, participant, "present")
    assert answer.outcome == "cap_reached" and "10 h déjà utilisées sur 10 h" in answer.message
    allowance = Allowance.objects.get()
    assert allowance.minutes_consumed == 600
    with pytest.raises(IntegrityError), transaction.atomic():
        Allowance.objects.filter(pk=allowance.pk).update(minutes_consumed=660)


def test_anonymous_participants_are_counted_but_consume_nothing(kk, beneficiary):
    CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    workshop = _workshop(kk)
    services.session_add_anonymous(actor=None, session=workshop, count=2)
    workshop.refresh_from_db()
    assert (workshop.anonymous_count, workshop.seats_taken) == (2, 2)
    assert UnitEvent.objects.filter(kind="consumed").count() == 0
