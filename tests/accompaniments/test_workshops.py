import datetime as dt
import io
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accompaniments import services
from accompaniments.exceptions import AccompanimentsError
from accompaniments.models import Participant, Session
from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.models import Diagnostic
from core.sms import outbox
from tests.fixtures_vouchers import during, make_session
from vouchers.models import Allowance, UnitEvent
from vouchers.services import carnet_issue

REUNION = ZoneInfo("Indian/Reunion")
_workshop = partial(make_session, minutes=120, capacity=5, kind="collective")
ALL_SKILLS = [key for key, _label in DEFAULT_SKILLS]


def _carnet(kk, beneficiary, advisor, prescriber, units=10):
    return carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=kk["program"],
        units=units,
        delivery="paper",
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


def test_an_eleventh_hour_in_a_program_year_is_refused(kk, beneficiary, advisor, prescriber):
    _carnet(kk, beneficiary, advisor, prescriber)
    for day in range(1, 6):  # five sessions of 2 hours: 10 hours
        session = _workshop(kk, day=day, kind="individual", minutes=120)
        participant = services.participant_book(
            actor=None, session=session, beneficiary=beneficiary
        )
        with during(session):
            answer = services.attendance_record(
                actor=None, structure=kk["structure"], participant=participant, status="present"
            )
        assert answer.outcome == "consumed", answer
    session = _workshop(kk, day=7, kind="individual", minutes=60)
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    with during(session):
        answer = services.attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="present"
        )
    assert answer.outcome == "cap_reached" and "10 h déjà utilisées sur 10 h" in answer.message
    allowance = Allowance.objects.get()
    assert allowance.minutes_consumed == 600
    with pytest.raises(IntegrityError), transaction.atomic():
        Allowance.objects.filter(pk=allowance.pk).update(minutes_consumed=660)


def test_anonymous_participants_are_counted_but_consume_nothing(
    kk, beneficiary, advisor, prescriber
):
    _carnet(kk, beneficiary, advisor, prescriber)
    workshop = _workshop(kk)
    services.session_add_anonymous(actor=None, session=workshop, count=2)
    workshop.refresh_from_db()
    assert (workshop.anonymous_count, workshop.seats_taken) == (2, 2)
    assert UnitEvent.objects.filter(kind="consumed").count() == 0


def test_a_whole_kap_konekt_path(client, kk, beneficiary, advisor, prescriber, make_beneficiary):
    program = kk["program"]
    client.force_login(advisor)
    answers = {f"skill_{k}": "0" for k in ALL_SKILLS} | {"chosen_units": "", "override_reason": ""}
    client.post(f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{program.pk}/", answers)
    entry = Diagnostic.objects.get(kind="entry")
    assert (entry.level, entry.chosen_units, entry.chosen_track.name) == (
        "beginner",
        10,
        program.tracks.first().name,
    )
    response = client.post(
        f"/carnets/remettre/{beneficiary.pk}/",
        {"program": program.pk, "units": "10", "delivery": "paper", "track": entry.chosen_track.pk},
    )
    assert "Carnet remis" in response.content.decode()

    first, second = _workshop(kk, day=2, minutes=120), _workshop(kk, day=9, minutes=90)
    place = first.place
    page = client.get(f"/lieux/{place.pk}/").content.decode()
    assert "Prochains ateliers" in page and "5 places libres" in page
    client.post(f"/accompagnements/seances/{first.pk}/inscrire/", {"beneficiary": beneficiary.pk})
    client.post(f"/accompagnements/seances/{second.pk}/inscrire/", {"beneficiary": beneficiary.pk})
    assert Participant.objects.filter(beneficiary=beneficiary, status="booked").count() == 2

    for session in (first, second):
        participant = Participant.objects.get(session=session, beneficiary=beneficiary)
        with during(session):
            client.force_login(kk["mediator"])
            client.post(
                f"/accompagnements/participants/{participant.pk}/presence/", {"status": "present"}
            )
    allowance = Allowance.objects.get()
    assert allowance.minutes_consumed == 210
    program.refresh_from_db()
    assert program.consumed_cents == 1000 * 210 // 60  # collective rate: 10 EUR an hour
    assert (
        client.get(f"/beneficiaires/personnes/{beneficiary.pk}/").status_code == 200
    )  # served: visible

    client.force_login(advisor)
    exit_answers = {f"skill_{k}": "2" for k in ALL_SKILLS}
    client.post(
        f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{program.pk}/?type=exit",
        exit_answers,
    )
    exit_diagnostic = Diagnostic.objects.get(kind="exit")
    assert exit_diagnostic.score - entry.score == 20
    client.post(
        f"/accompagnements/avis/{beneficiary.pk}/{program.pk}/",
        {"helped": "4", "confident": "3", "recommend": "yes"},
    )
    timeline = client.get(f"/beneficiaires/personnes/{beneficiary.pk}/").content.decode()
    assert "Diagnostic à la sortie" in timeline and "utilisé" in timeline


def test_reminders_48_hours_before(
    kk, beneficiary, advisor, prescriber, time_machine, django_capture_on_commit_callbacks
):
    outbox.clear()
    workshop = _workshop(kk, day=4, hour=9)
    services.participant_book(actor=None, session=workshop, beneficiary=beneficiary)
    time_machine.move_to(dt.datetime(2026, 12, 1, 9, tzinfo=REUNION))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("accompaniments_daily", "--wet-run", stdout=io.StringIO())
    assert outbox == []
    time_machine.move_to(dt.datetime(2026, 12, 2, 10, tzinfo=REUNION))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("accompaniments_daily", "--wet-run", stdout=io.StringIO())
        call_command("accompaniments_daily", "--wet-run", stdout=io.StringIO())
    assert len(outbox) == 1 and "Atelier smartphone" in outbox[0]["text"]
