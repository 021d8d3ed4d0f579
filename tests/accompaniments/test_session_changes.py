"""Changing and cancelling a session still to come (accompaniments.services.session_update,
session_cancel): the rules of its creation hold, capacity never goes under the seats taken,
people booked are told."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accompaniments import services
from accompaniments.enums import SessionStatus
from accompaniments.exceptions import AccompanimentsError
from accompaniments.models import Session
from core import sms
from places.models import Place
from tests.fixtures_vouchers import during, make_session

REUNION = ZoneInfo("Indian/Reunion")


@pytest.fixture
def workshop(kk, beneficiary):
    session = make_session(kk, kind="collective", capacity=5, minutes=120)
    services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    session.refresh_from_db()
    return session


def test_a_workshop_moves_to_another_hour_and_the_person_booked_is_told(
    workshop, django_capture_on_commit_callbacks
):
    sms.outbox.clear()
    later = dt.datetime(2026, 12, 10, 14, tzinfo=REUNION)
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.session_update(
            actor=None, session=workshop, starts_at=later, title="Atelier courriels"
        )
    assert (changed.starts_at, changed.title, changed.capacity) == (later, "Atelier courriels", 5)
    assert len(sms.outbox) == 1 and "10/12 à 14:00" in sms.outbox[0]["text"]
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(actor=None, session=changed, title="Sans déplacement")
    assert sms.outbox == []  # same hour, same place: nobody to tell


def test_the_rules_of_creation_hold_when_a_session_changes(kk, workshop, make_organisation):
    with pytest.raises(AccompanimentsError, match="5 personnes au plus") as refused:
        services.session_update(actor=None, session=workshop, capacity=6)
    assert refused.value.field == "capacity"
    elsewhere = Place.objects.exclude(structure=kk["structure"]).order_by("pk").first()
    with pytest.raises(AccompanimentsError) as refused:
        services.session_update(actor=None, session=workshop, place=elsewhere)
    assert refused.value.field == "place"
    with pytest.raises(AccompanimentsError) as refused:
        services.session_update(
            actor=None, session=workshop, starts_at=dt.datetime(2027, 3, 1, 9, tzinfo=REUNION)
        )
    assert refused.value.field == "starts_at"  # no agreement that day
    with pytest.raises(AccompanimentsError, match="Ne se modifie pas : program"):
        services.session_update(actor=None, session=workshop, program=None)
    assert Session.objects.get(pk=workshop.pk).capacity == 5


def test_capacity_never_goes_under_the_seats_taken(workshop):
    Session.objects.filter(pk=workshop.pk).update(seats_taken=3)
    workshop.refresh_from_db()
    with pytest.raises(AccompanimentsError, match="3 personnes sont déjà inscrites"):
        services.session_update(actor=None, session=workshop, capacity=2)
    assert services.session_update(actor=None, session=workshop, capacity=3).capacity == 3


def test_an_individual_session_keeps_one_seat(kk):
    session = make_session(kk)
    assert services.session_update(actor=None, session=session, capacity=4).capacity == 1


def test_a_session_that_started_neither_changes_nor_is_cancelled(workshop):
    with during(workshop):
        with pytest.raises(AccompanimentsError, match="ne se modifie plus"):
            services.session_update(actor=None, session=workshop, title="Trop tard")
        with pytest.raises(AccompanimentsError, match="ne se modifie plus"):
            services.session_cancel(actor=None, session=workshop, reason="Trop tard")


def test_a_cancelled_session_says_why_to_the_people_booked(
    workshop, django_capture_on_commit_callbacks
):
    with pytest.raises(AccompanimentsError) as refused:
        services.session_cancel(actor=None, session=workshop, reason="  ")
    assert refused.value.field == "reason"
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.session_cancel(actor=None, session=workshop, reason="Salle inondée")
    assert cancelled.status == SessionStatus.CANCELLED
    assert len(sms.outbox) == 1 and "Salle inondée" in sms.outbox[0]["text"]
    with pytest.raises(AccompanimentsError, match="ne se modifie plus"):
        services.session_cancel(actor=None, session=cancelled, reason="Encore")
