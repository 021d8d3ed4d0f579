"""accompaniments.views: the voucher page, welcoming a person with their card, sessions and
their bookings, the satisfaction survey; one whole Kap Konèk.t path through the pages."""

import re
from functools import partial

from accompaniments import services
from accompaniments.models import Participant, Session
from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.models import BeneficiaryStructure, Diagnostic, Orientation
from beneficiaries.services import orientation_create
from places.models import Place
from tests.factories import CarnetFactory
from tests.fixtures_vouchers import during, make_session
from vouchers.models import Allowance, UnitEvent

_workshop = partial(make_session, minutes=120, capacity=5, kind="collective")
ALL_SKILLS = [key for key, _label in DEFAULT_SKILLS]


def test_the_redemption_page_tests_and_uses_a_voucher(
    client, voucher_setup, agreed_money_structure, make_member
):
    client.force_login(make_member(agreed_money_structure))
    serial, code = voucher_setup.codes[4]
    place = Place.objects.filter(structure=agreed_money_structure).first()
    record = {
        "place": place.pk,
        "kind": "individual",
        "duration": "45",
        "themes": ["Aide aux démarches administratives"],
    }
    page = client.get(f"/accompagnements/valider/?serie={serial}").content.decode()
    assert f'value="{serial}"' in page
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    tested = client.post(
        "/accompagnements/valider/",
        {"serial": serial, "code": code.lower(), "idempotency_key": key, "action": "test"} | record,
    )
    assert "Chèque valable" in tested.content.decode()
    used = client.post(
        "/accompagnements/valider/",
        {"serial": serial, "code": code, "idempotency_key": key, "action": "consume"} | record,
    )
    assert "Chèque utilisé" in used.content.decode()
    replay = client.post(
        "/accompagnements/valider/",
        {"serial": serial, "code": code, "idempotency_key": key, "action": "consume"} | record,
    )
    assert "Chèque utilisé" in replay.content.decode()
    assert UnitEvent.objects.filter(kind="consumed").count() == 1
    dashboard = client.get(
        f"/accompagnements/structure/{agreed_money_structure.pk}/"
    ).content.decode()
    assert "10,00" in dashboard


def test_a_walk_in_is_welcomed_with_the_card_and_enrolled_and_the_orientation_is_marked(
    client, kk, beneficiary, advisor, prescriber, time_machine
):
    issued = CarnetFactory(program=kk["program"], beneficiary=beneficiary)
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
    client, kk, beneficiary, make_organisation, make_member
):
    issued = CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    other = make_organisation(name="Autre structure")
    client.force_login(make_member(other))
    page = client.post(
        "/accompagnements/accueil/",
        {"number": issued.carnet.number, "code": issued.access_code},
    ).content.decode()
    assert "aucune convention active pour Kap Konèk.t 2026" in page
    assert not BeneficiaryStructure.objects.filter(structure=other).exists()


def test_an_hours_serial_typed_on_the_voucher_page_points_to_the_welcome(client, kk, beneficiary):
    issued = CarnetFactory(program=kk["program"], beneficiary=beneficiary)
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


def test_the_structure_sees_first_names_and_initials_only(client, kk, beneficiary, prescriber):
    workshop = make_session(kk, kind="collective", capacity=5)
    services.participant_book(
        actor=None, session=workshop, beneficiary=beneficiary, booked_by=prescriber
    )
    client.force_login(kk["mediator"])
    page = client.get(f"/accompagnements/seances/{workshop.pk}/").content.decode()
    assert "Marie P." in page and "Payet" not in page


def test_diagnostic_and_survey_only_for_the_person_programs(
    client, kk, beneficiary, advisor, make_program
):
    other = make_program(name="Autre programme", slug="autre")
    client.force_login(advisor)
    assert (
        client.get(f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{other.pk}/").status_code
        == 404
    )
    assert (
        client.get(
            f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{kk['program'].pk}/"
        ).status_code
        == 200
    )
    assert (
        client.get(f"/accompagnements/avis/{beneficiary.pk}/{kk['program'].pk}/").status_code == 404
    )
    CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    assert (
        client.get(f"/accompagnements/avis/{beneficiary.pk}/{kk['program'].pk}/").status_code == 200
    )


def test_a_whole_kap_konekt_path(client, kk, beneficiary, advisor, make_beneficiary):
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
