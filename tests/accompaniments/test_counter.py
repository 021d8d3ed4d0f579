"""At the counter: the hours card, walk-ins, attendance that follows time, corrections by
compensating events, and a voucher that records the service it paid for."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from accompaniments import services
from accompaniments.exceptions import AccompanimentsError
from accompaniments.models import Participant, Session
from beneficiaries.models import BeneficiaryStructure, Orientation
from beneficiaries.services import orientation_create
from places.models import Place
from programs.models import Program
from tests.fixtures_vouchers import during, make_session
from tests.vouchers.helpers import qr_texts
from vouchers.enums import UnitEventKind, UnitState
from vouchers.models import Allowance, Unit, UnitEvent
from vouchers.pdf import carnets_pdf, welcome_url
from vouchers.services import carnet_issue

REUNION = ZoneInfo("Indian/Reunion")


def _card(kk, beneficiary, advisor, prescriber):
    return carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=kk["program"],
        units=10,
        delivery="paper",
    )


def _pdf_text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_an_hours_carnet_is_one_card_whose_paper_says_what_the_place_does(
    kk, beneficiary, advisor, prescriber
):
    issued = _card(kk, beneficiary, advisor, prescriber)
    pdf = carnets_pdf([issued])
    text = _pdf_text(pdf)
    assert "Carte de Marie" in text and "10 heures d'accompagnement" in text
    assert "Donnez un chèque" not in text and "Code secret" not in text
    assert "127.0.0.1:8000/carnets/solde/" in text  # the balance address in words
    assert issued.carnet.number in text
    texts = qr_texts(pdf)
    assert welcome_url(issued.carnet.number) in texts
    assert any("/carnets/c/" in t for t in texts) and len(texts) == 2


def test_a_walk_in_is_welcomed_with_the_card_and_enrolled_and_the_orientation_is_marked(
    client, kk, beneficiary, advisor, prescriber, time_machine
):
    issued = _card(kk, beneficiary, advisor, prescriber)
    structure = kk["structure"]
    place = Place.objects.filter(structure=structure).first()
    orientation = orientation_create(
        actor=advisor,
        prescriber=prescriber,
        place=place,
        person_name="Marie Payet",
        need="démarches",
        beneficiary=beneficiary,
    )
    workshop = make_session(kk, day=3, hour=14, kind="collective", capacity=5)
    client.force_login(kk["mediator"])
    page = client.get(f"/accompagnements/accueil/?carnet={issued.carnet.number}").content.decode()
    assert f'value="{issued.carnet.number}"' in page

    wrong = client.post(
        "/accompagnements/accueil/", {"number": issued.carnet.number, "code": "AAAA-AAAA"}
    ).content.decode()
    assert "Numéro de carnet ou code incorrect" in wrong
    assert not BeneficiaryStructure.objects.filter(structure=structure).exists()

    welcomed = client.post(
        "/accompagnements/accueil/",
        {"number": issued.carnet.number.lower(), "code": issued.access_code},
    ).content.decode()
    assert "Il reste <strong>10 h</strong>" in welcomed
    assert "Son orientation vers votre structure est notée « venue »" in welcomed
    assert "jeudi 3 décembre à 14:00" in welcomed
    orientation.refresh_from_db()
    assert orientation.status == "came"

    client.post(
        f"/accompagnements/seances/{workshop.pk}/inscrire/", {"beneficiary": beneficiary.pk}
    )
    assert Participant.objects.get(session=workshop).beneficiary == beneficiary

    response = client.post(
        "/accompagnements/accueil/seance-immediate/",
        {
            "beneficiary": beneficiary.pk,
            "program": kk["program"].pk,
            "place": place.pk,
            "duration": "30",
        },
    )
    now_session = Session.objects.exclude(pk=workshop.pk).get()
    assert response.url == f"/accompagnements/seances/{now_session.pk}/"
    participant = now_session.participants.get()
    with during(now_session, minutes=1):
        client.force_login(kk["mediator"])
        client.post(
            f"/accompagnements/participants/{participant.pk}/presence/", {"status": "present"}
        )
    assert Allowance.objects.get().minutes_consumed == 30


def test_the_welcome_refuses_a_structure_without_agreement(
    client, kk, beneficiary, advisor, prescriber, make_organisation, make_member
):
    issued = _card(kk, beneficiary, advisor, prescriber)
    other = make_organisation(name="Autre structure")
    client.force_login(make_member(other))
    page = client.post(
        "/accompagnements/accueil/",
        {"number": issued.carnet.number, "code": issued.access_code},
    ).content.decode()
    assert "aucune convention active pour Kap Konèk.t 2026" in page
    assert not BeneficiaryStructure.objects.filter(structure=other).exists()


def test_attendance_only_from_the_start_and_the_session_is_then_done(
    kk, beneficiary, advisor, prescriber
):
    _card(kk, beneficiary, advisor, prescriber)
    session = make_session(kk, day=3, hour=14)
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    with pytest.raises(AccompanimentsError, match="à partir du 03/12/2026 à 14:00"):
        services.attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="present"
        )
    assert Allowance.objects.get().minutes_consumed == 0
    with during(session):
        answer = services.attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="present"
        )
    assert answer.outcome == "consumed"
    session.refresh_from_db()
    assert session.status == "done"


def test_a_wrong_mark_is_corrected_the_same_day_by_a_compensating_event(
    kk, beneficiary, advisor, prescriber, time_machine
):
    issued = _card(kk, beneficiary, advisor, prescriber)
    program = Program.objects.get(pk=kk["program"].pk)
    before = (program.committed_cents, program.consumed_cents)
    session = make_session(kk, day=3, hour=14, minutes=90)
    participant = services.participant_book(actor=None, session=session, beneficiary=beneficiary)
    time_machine.move_to(dt.datetime(2026, 12, 3, 15, tzinfo=REUNION))
    services.attendance_record(
        actor=None, structure=kk["structure"], participant=participant, status="present"
    )
    participant.refresh_from_db()
    assert participant.consumed_minutes == 90
    with pytest.raises(AccompanimentsError, match="Motif de la correction"):
        services.attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="absent"
        )
    answer = services.attendance_record(
        actor=None,
        structure=kk["structure"],
        participant=participant,
        status="absent",
        reason="Erreur de ligne : c'était sa sœur",
    )
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
    services.attendance_record(
        actor=None,
        structure=kk["structure"],
        participant=participant,
        status="present",
        reason="Elle était bien là",
    )
    participant.refresh_from_db()
    assert participant.consumed_minutes == 90
    services.attendance_record(
        actor=None,
        structure=kk["structure"],
        participant=participant,
        status="excused",
        reason="Finalement partie avant le début",
    )
    participant.refresh_from_db()
    assert (participant.status, participant.consumed_minutes) == ("excused", 0)
    assert Allowance.objects.get().minutes_consumed == 0
    assert UnitEvent.objects.filter(kind="reversed").count() == 4
    time_machine.move_to(dt.datetime(2026, 12, 4, 9, tzinfo=REUNION))
    with pytest.raises(AccompanimentsError, match="le jour même"):
        services.attendance_record(
            actor=None,
            structure=kk["structure"],
            participant=participant,
            status="absent",
            reason="trop tard",
        )


def test_a_voucher_records_the_service_it_paid_for(
    money_program, structure, make_agreement, beneficiary, advisor, prescriber, make_member
):
    make_agreement(money_program, structure)
    mediator = make_member(structure)
    issued = carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=5,
        delivery="paper",
    )
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


def test_an_hours_serial_typed_on_the_voucher_page_points_to_the_welcome(
    client, kk, beneficiary, advisor, prescriber
):
    issued = _card(kk, beneficiary, advisor, prescriber)
    client.force_login(kk["mediator"])
    response = client.get(f"/accompagnements/valider/?serie={issued.carnet.number}")
    assert response.url == f"/accompagnements/accueil/?carnet={issued.carnet.number}"
    assert re.match(r"^[A-Z0-9]+-C\d{6}$", issued.carnet.number)
    orientation_count = Orientation.objects.count()
    assert orientation_count == 0


def test_a_structure_enrols_a_person_it_was_oriented_and_the_orientation_is_marked(
    client, kk, beneficiary, advisor, prescriber
):
    place = Place.objects.filter(structure=kk["structure"]).first()
    orientation = orientation_create(
        actor=advisor,
        prescriber=prescriber,
        place=place,
        person_name="Marie Payet",
        need="smartphone",
        beneficiary=beneficiary,
    )
    workshop = make_session(kk, day=3, hour=14, kind="collective", capacity=5)
    client.force_login(kk["mediator"])
    page = client.get(f"/accompagnements/seances/{workshop.pk}/").content.decode()
    assert f'<option value="{beneficiary.pk}"' in page
    client.post(
        f"/accompagnements/seances/{workshop.pk}/inscrire/", {"beneficiary": beneficiary.pk}
    )
    assert workshop.participants.get().beneficiary == beneficiary
    orientation.refresh_from_db()
    assert orientation.status == "came"
