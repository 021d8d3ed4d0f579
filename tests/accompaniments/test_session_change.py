"""A structure changes or cancels a session still to come from its page (the API does the
same through the same services)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accompaniments.enums import SessionStatus
from accompaniments.services import participant_book
from accounts.enums import OrganisationKind
from tests.fixtures_vouchers import make_session

REUNION = ZoneInfo("Indian/Reunion")
NOW = dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)


@pytest.fixture
def workshop(kk, beneficiary):
    session = make_session(kk, kind="collective", capacity=5, day=3, hour=14)
    participant_book(
        actor=None, session=session, beneficiary=beneficiary, booked_by=kk["structure"]
    )
    return session


def _form(session, **changes) -> dict:
    data = {
        "place": session.place_id,
        "title": session.title,
        "date": "2026-12-03",
        "time": "14:00",
        "duration": "60",
        "custom_duration": "",
        "capacity": "5",
        "mediator": session.mediator_id,
        "track": "",
    }
    return data | changes


@pytest.mark.django_db
def test_a_mediator_moves_a_workshop_in_local_time(client, kk, workshop):
    with time_machine.travel(NOW, tick=False):
        client.force_login(kk["mediator"])
        detail = client.get(f"/accompagnements/seances/{workshop.pk}/").content.decode()
        assert "Modifier la séance" in detail and "Annuler la séance" in detail
        form = client.get(f"/accompagnements/seances/{workshop.pk}/modifier/").content.decode()
        assert 'value="14:00"' in form and 'value="2026-12-03"' in form
        assert "heure de La Réunion" in form and "Programme" not in form
        response = client.post(
            f"/accompagnements/seances/{workshop.pk}/modifier/",
            _form(workshop, time="15:30", duration="90"),
        )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.starts_at == dt.datetime(2026, 12, 3, 15, 30, tzinfo=REUNION)
    assert workshop.duration_minutes == 90


@pytest.mark.django_db
def test_a_change_breaking_a_rule_is_refused_and_keeps_what_was_typed(client, kk, workshop):
    with time_machine.travel(NOW, tick=False):
        client.force_login(kk["mediator"])
        page = client.post(
            f"/accompagnements/seances/{workshop.pk}/modifier/",
            _form(workshop, capacity="9", title="Atelier photos"),
        ).content.decode()
    assert "accueille 5 personnes au plus" in page
    assert 'value="Atelier photos"' in page
    workshop.refresh_from_db()
    assert workshop.capacity == 5 and workshop.title == "Atelier smartphone"


@pytest.mark.django_db
def test_a_workshop_is_cancelled_with_a_reason(client, kk, workshop):
    url = f"/accompagnements/seances/{workshop.pk}/annuler/"
    with time_machine.travel(NOW, tick=False):
        client.force_login(kk["mediator"])
        empty = client.post(url, {"reason": ""}).content.decode()
        assert "Pourquoi la séance est-elle annulée" in empty and "obligatoire" in empty
        assert client.post(url, {"reason": "Médiateur malade"}).status_code == 302
        workshop.refresh_from_db()
        assert workshop.status == SessionStatus.CANCELLED
        detail = client.get(f"/accompagnements/seances/{workshop.pk}/").content.decode()
        assert "Séance annulée." in detail and "Modifier la séance" not in detail
        again = client.get(url, follow=True).content.decode()
    assert "elle ne se modifie plus" in again


@pytest.mark.django_db
def test_a_started_session_no_longer_changes(client, kk, workshop):
    after_start = dt.datetime(2026, 12, 3, 14, 10, tzinfo=REUNION)
    with time_machine.travel(after_start, tick=False):
        client.force_login(kk["mediator"])
        response = client.post(
            f"/accompagnements/seances/{workshop.pk}/modifier/", _form(workshop, time="16:00")
        )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.starts_at == dt.datetime(2026, 12, 3, 14, tzinfo=REUNION)


@pytest.mark.django_db
def test_another_structure_cannot_change_the_session(
    client, workshop, make_organisation, make_member
):
    other = make_member(make_organisation(name="Autre", kinds=(OrganisationKind.STRUCTURE,)))
    with time_machine.travel(NOW, tick=False):
        client.force_login(other)
        assert client.get(f"/accompagnements/seances/{workshop.pk}/modifier/").status_code == 403
        assert (
            client.post(
                f"/accompagnements/seances/{workshop.pk}/annuler/", {"reason": "x"}
            ).status_code
            == 403
        )
    workshop.refresh_from_db()
    assert workshop.status == SessionStatus.PLANNED


@pytest.mark.django_db
def test_changing_only_the_title_keeps_a_start_given_to_the_second(client, kk, workshop):
    """A session published by the API may start at 14:00:30; the form shows minutes."""
    start = dt.datetime(2026, 12, 3, 14, 0, 30, tzinfo=REUNION)
    type(workshop).objects.filter(pk=workshop.pk).update(starts_at=start)
    workshop.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        client.force_login(kk["mediator"])
        client.post(
            f"/accompagnements/seances/{workshop.pk}/modifier/",
            _form(workshop, title="Atelier photos"),
        )
    workshop.refresh_from_db()
    assert workshop.title == "Atelier photos" and workshop.starts_at == start
