import io

import pytest
from pypdf import PdfReader

from accounts.enums import OrganisationKind as K
from beneficiaries.enums import OrientationStatus
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.models import Orientation
from beneficiaries.services import orientation_create, orientation_record_outcome
from places.models import Place


@pytest.fixture
def setup(reunion_places, make_organisation, make_member):
    prescriber = make_organisation(name="CCAS test", kinds=(K.PRESCRIBER,))
    structure = make_organisation(name="Kaz test", kinds=(K.STRUCTURE,))
    other_structure = make_organisation(name="Autre structure", kinds=(K.STRUCTURE,))
    place = Place.objects.get(source_id="ultra-num-974-002")
    place.structure = structure
    place.save()
    other_place = Place.objects.get(source_id="ultra-num-974-083")
    other_place.structure = other_structure
    other_place.save()
    return {
        "prescriber": prescriber,
        "structure": structure,
        "place": place,
        "other_place": other_place,
        "advisor": make_member(prescriber),
        "mediator": make_member(structure),
        "other_mediator": make_member(other_structure),
    }


def test_orientation_loop_end_to_end(client, setup):
    s = setup
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


def test_a_structure_never_sees_another_structures_orientations(client, setup):
    s = setup
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


def test_the_prescriber_cannot_record_the_outcome_and_outcome_is_given_once(client, setup):
    s = setup
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


def test_only_prescribers_orient_and_the_form_keeps_what_was_typed(client, setup):
    s = setup
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


def test_orientation_to_a_place_off_the_platform_still_prints(client, setup):
    s = setup
    place = Place.objects.filter(structure__isnull=True).first()
    orientation = orientation_create(
        actor=s["advisor"], prescriber=s["prescriber"], place=place, person_name="A", need="B"
    )
    assert orientation.structure is None
    client.force_login(s["advisor"])
    assert client.get(f"/beneficiaires/orientations/{orientation.pk}/fiche.pdf").status_code == 200


def test_an_orientation_can_name_a_person_already_followed(client, setup, make_beneficiary):
    s = setup
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


def test_markup_typed_in_names_is_printed_as_text_on_the_sheet(client, setup):
    """ReportLab reads <img>, <font>… in a Paragraph: every typed string is escaped."""
    s = setup
    orientation = orientation_create(
        actor=s["advisor"],
        prescriber=s["prescriber"],
        place=s["place"],
        person_name='Marie <img src="/etc/hostname" width="50" height="50"/>',
        need='Démarches <font name="NoSuchFont">CAF</font> & <b>impôts',
    )
    client.force_login(s["advisor"])
    response = client.get(f"/beneficiaires/orientations/{orientation.pk}/fiche.pdf")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert '<img src="/etc/hostname"' in text
    assert '<font name="NoSuchFont">CAF</font> & <b>impôts' in text
