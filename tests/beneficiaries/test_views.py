"""beneficiaries.views: people followed by a prescriber, their diagnostics, orientations to a
place and what the structure answers."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.enums import DEFAULT_SKILLS, OrientationStatus
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.models import Beneficiary, Diagnostic, Orientation
from beneficiaries.services import diagnostic_record, orientation_create, orientation_record_outcome
from places.models import Place

ANSWERS = dict.fromkeys((key for key, _label in DEFAULT_SKILLS), 1)
ANSWERS_BEGINNER = {f"skill_{key}": "0" for key, _label in DEFAULT_SKILLS}


def test_the_person_page_offers_the_exit_diagnostic_after_the_entry_one(
    client, money_program, beneficiary, advisor
):
    client.force_login(advisor)
    page_url = f"/beneficiaires/personnes/{beneficiary.pk}/"
    exit_url = f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{money_program.pk}/?type=exit"
    assert "Diagnostic de sortie" not in client.get(page_url).content.decode()
    answers = {f"skill_{key}": "1" for key, _label in DEFAULT_SKILLS}
    response = client.post(exit_url, answers)
    assert "Faites d&#x27;abord le diagnostic d&#x27;entrée" in response.content.decode()
    assert not Diagnostic.objects.exists()
    diagnostic_record(
        actor=advisor, beneficiary=beneficiary, program=money_program, kind="entry", answers=ANSWERS
    )
    assert "Diagnostic de sortie" in client.get(page_url).content.decode()


def test_orientation_loop_end_to_end(client, orientation_world):
    s = orientation_world
    client.force_login(s["advisor"])
    page = client.get(f"/lieux/{s['place'].pk}/").content.decode()
    assert "Orienter une personne vers ce lieu" in page
    response = client.post(
        f"/beneficiaires/orienter/{s['place'].pk}/",
        {
            "prescriber": s["prescriber"].pk,
            "person_name": "Marie Hoarau",
            "need": "Créer une adresse e-mail",
        },
    )
    orientation = Orientation.objects.get()
    assert response.url == f"/beneficiaires/orientations/{orientation.pk}/"
    sheet = client.get(response.url).content.decode()
    assert (
        "Fiche d'orientation" in sheet
        and "Marie Hoarau" in sheet
        and "Samedi : 8 h à 16 h" in sheet
    )
    pdf = client.get(f"/beneficiaires/orientations/{orientation.pk}/fiche.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Marie Hoarau" in text and s["place"].nom in text

    client.force_login(s["mediator"])
    received = client.get(f"/beneficiaires/organisations/{s['structure'].pk}/orientations-recues/")
    assert "Marie Hoarau" in received.content.decode()
    client.post(f"/beneficiaires/orientations/{orientation.pk}/venue/", {"came": "yes"})
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.CAME and orientation.outcome_by == s["mediator"]

    client.force_login(s["advisor"])
    sent = client.get(f"/beneficiaires/organisations/{s['prescriber'].pk}/orientations-envoyees/")
    assert "Marie Hoarau" in sent.content.decode() and "venue" in sent.content.decode()


def test_a_structure_never_sees_another_structures_orientations(client, orientation_world):
    s = orientation_world
    mine = orientation_create(
        actor=s["advisor"], prescriber=s["prescriber"], place=s["place"], person_name="A", need="B"
    )
    client.force_login(s["other_mediator"])
    assert client.get(f"/beneficiaires/orientations/{mine.pk}/").status_code == 403
    assert client.get(f"/beneficiaires/orientations/{mine.pk}/fiche.pdf").status_code == 403
    assert (
        client.post(f"/beneficiaires/orientations/{mine.pk}/venue/", {"came": "no"}).status_code
        == 403
    )
    assert (
        client.get(
            f"/beneficiaires/organisations/{s['structure'].pk}/orientations-recues/"
        ).status_code
        == 403
    )
    other_list = client.get(
        f"/beneficiaires/organisations/{s['other_place'].structure_id}/orientations-recues/"
    )
    assert "Aucune personne" in other_list.content.decode()
    mine.refresh_from_db()
    assert mine.status == OrientationStatus.SENT


def test_the_prescriber_cannot_record_the_outcome_and_outcome_is_given_once(
    client, orientation_world
):
    s = orientation_world
    orientation = orientation_create(
        actor=s["advisor"], prescriber=s["prescriber"], place=s["place"], person_name="A", need="B"
    )
    client.force_login(s["advisor"])
    assert (
        client.post(
            f"/beneficiaires/orientations/{orientation.pk}/venue/", {"came": "yes"}
        ).status_code
        == 403
    )
    orientation_record_outcome(actor=s["mediator"], orientation=orientation, came=False)
    with pytest.raises(BeneficiariesError):
        orientation_record_outcome(actor=s["mediator"], orientation=orientation, came=True)
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.NO_SHOW


def test_only_prescribers_orient_and_the_form_keeps_what_was_typed(client, orientation_world):
    s = orientation_world
    client.force_login(s["mediator"])
    assert client.get(f"/beneficiaires/orienter/{s['place'].pk}/").status_code == 403
    client.force_login(s["advisor"])
    response = client.post(
        f"/beneficiaires/orienter/{s['place'].pk}/",
        {"prescriber": s["prescriber"].pk, "person_name": "Jean Payet", "need": ""},
    )
    content = response.content.decode()
    assert 'value="Jean Payet"' in content and "Ce champ est obligatoire" in content
    assert not Orientation.objects.exists()


def test_orientation_to_a_place_off_the_platform_still_prints(client, orientation_world):
    s = orientation_world
    place = Place.objects.filter(structure__isnull=True).first()
    orientation = orientation_create(
        actor=s["advisor"], prescriber=s["prescriber"], place=place, person_name="A", need="B"
    )
    assert orientation.structure is None
    client.force_login(s["advisor"])
    assert client.get(f"/beneficiaires/orientations/{orientation.pk}/fiche.pdf").status_code == 200


def test_an_orientation_can_name_a_person_already_followed(
    client, orientation_world, make_beneficiary
):
    s = orientation_world
    person = make_beneficiary(organisation=s["prescriber"], first_name="Lucette")
    client.force_login(s["advisor"])
    form = client.get(
        f"/beneficiaires/orienter/{s['place'].pk}/?personne={person.pk}"
    ).content.decode()
    assert f'<option value="{person.pk}" selected>' in form
    client.post(
        f"/beneficiaires/orienter/{s['place'].pk}/",
        {
            "prescriber": s["prescriber"].pk,
            "beneficiary": person.pk,
            "person_name": "",
            "need": "Courriels",
        },
    )
    orientation = Orientation.objects.get()
    assert (orientation.beneficiary, orientation.person_name) == (person, "Lucette Payet")
    timeline = client.get(f"/beneficiaires/personnes/{person.pk}/").content.decode()
    assert f"Orientée vers {s['place'].nom}" in timeline
    response = client.post(
        f"/beneficiaires/orienter/{s['place'].pk}/",
        {"prescriber": s["prescriber"].pk, "person_name": "", "need": "x"},
    )
    assert "Écrivez le nom de la personne" in response.content.decode()


def test_duplicate_is_proposed_and_records_stay_with_their_prescriber(
    client, beneficiary, advisor, prescriber, make_organisation, make_member
):
    client.force_login(advisor)
    data = {
        "first_name": "MARIE",
        "last_name": "payet",
        "birth_date": beneficiary.birth_date.isoformat(),
        "commune": "97410",
        "consent_method": "paper",
    }
    response = client.post(
        f"/beneficiaires/organisations/{prescriber.pk}/personnes/nouvelle/", data
    )
    content = response.content.decode()
    assert "peut-être déjà inscrite" in content
    assert reverse("beneficiaries:beneficiary_detail", args=[beneficiary.pk]) in content
    assert Beneficiary.objects.count() == 1
    client.post(
        f"/beneficiaires/organisations/{prescriber.pk}/personnes/nouvelle/",
        data | {"confirm_new": "on"},
    )
    assert Beneficiary.objects.count() == 2
    other = make_member(make_organisation(kinds=("prescriber",)))
    client.force_login(other)
    assert client.get(f"/beneficiaires/personnes/{beneficiary.pk}/").status_code == 403
    assert client.get(f"/carnets/remettre/{beneficiary.pk}/").status_code == 403


def test_changing_the_recommendation_needs_a_reason(client, money_program, beneficiary, advisor):
    client.force_login(advisor)
    url = f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{money_program.pk}/"
    response = client.post(url, ANSWERS_BEGINNER | {"chosen_units": "5", "override_reason": ""})
    assert "Expliquez pourquoi" in response.content.decode()
    client.post(
        url, ANSWERS_BEGINNER | {"chosen_units": "5", "override_reason": "Ne peut venir que 5 fois"}
    )
    assert Diagnostic.objects.get().chosen_units == 5


def test_list_pages_query_count_does_not_grow(
    client, make_beneficiary, advisor, prescriber, django_assert_max_num_queries
):
    for _ in range(3):
        make_beneficiary()
    client.force_login(advisor)
    url = f"/beneficiaires/organisations/{prescriber.pk}/personnes/"
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(20):
        make_beneficiary()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_orienting_from_the_person_page_keeps_program_commune_and_person(
    client, money_program, beneficiary, advisor, reunion_places, funder_user
):
    """Person page → search filtered on their program and commune → place → orientation form
    with the person already chosen."""
    from places.services import place_program_accept

    place, other = Place.objects.filter(commune_ref=beneficiary.commune).order_by("pk")[:2]
    place_program_accept(actor=funder_user, place=place, program=money_program)
    diagnostic_record(
        actor=advisor, beneficiary=beneficiary, program=money_program, kind="entry", answers=ANSWERS
    )
    client.force_login(advisor)
    person_page = client.get(f"/beneficiaires/personnes/{beneficiary.pk}/").content.decode()
    search_url = (
        f"/lieux/?commune={beneficiary.commune_id}&amp;radius=20&amp;program={money_program.pk}"
        f"&amp;personne={beneficiary.pk}"
    )
    assert search_url in person_page and "Orienter vers un lieu" in person_page

    search = client.get(search_url.replace("&amp;", "&")).content.decode()
    assert f'<input type="hidden" name="personne" value="{beneficiary.pk}">' in search
    assert f'<option value="{money_program.pk}" selected>' in search
    assert f"/lieux/{place.pk}/?personne={beneficiary.pk}" in search
    assert f"/lieux/{other.pk}/?personne=" not in search  # filtered on the program

    detail = client.get(f"/lieux/{place.pk}/?personne={beneficiary.pk}").content.decode()
    form_url = f"/beneficiaires/orienter/{place.pk}/?personne={beneficiary.pk}"
    assert form_url in detail
    form = client.get(form_url).content.decode()
    assert f'<option value="{beneficiary.pk}" selected>' in form


def test_the_person_is_not_carried_for_someone_who_does_not_orient(client, reunion_places):
    place = Place.objects.get(source_id="ultra-num-974-002")
    detail = client.get(f"/lieux/{place.pk}/?personne=12").content.decode()
    assert "personne=12" not in detail
    search = client.get("/lieux/?commune=97415&radius=20&personne=12").content.decode()
    assert 'name="personne"' not in search and "?personne=12" not in search


def test_without_a_diagnostic_the_program_is_the_prescribers_only_one(
    money_program, beneficiary, prescriber
):
    from beneficiaries.selectors import beneficiary_program, orientation_search_query

    assert beneficiary_program(beneficiary=beneficiary) == money_program
    # No place accepts the program: the search is not filtered on it (it would find nothing).
    query = orientation_search_query(beneficiary=beneficiary)
    assert "program=" not in query and f"personne={beneficiary.pk}" in query


def test_the_orientation_sheet_prints_the_opening_hours(client, orientation_world):
    s = orientation_world
    orientation = orientation_create(
        actor=s["advisor"], prescriber=s["prescriber"], place=s["place"], person_name="A", need="B"
    )
    client.force_login(s["advisor"])
    sheet = client.get(f"/beneficiaires/orientations/{orientation.pk}/").content.decode()
    article = sheet.split('<article class="passnum-sheet">')[1].split("</article>")[0]
    assert "Quand y aller" in article and "Samedi : 8 h à 16 h" in article
    pdf = client.get(f"/beneficiaires/orientations/{orientation.pk}/fiche.pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Quand y aller" in text and "8 h à 16 h" in text

    Place.objects.filter(pk=s["place"].pk).update(horaires="", horaires_valid=False)
    sheet = client.get(f"/beneficiaires/orientations/{orientation.pk}/").content.decode()
    assert "Les horaires ne sont pas connus" in sheet
