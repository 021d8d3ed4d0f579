"""Who may book, diagnose, survey and attach (from a review of permissions)."""

from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accompaniments import services
from accompaniments.exceptions import AccompanimentsError
from places.models import Place
from tests.fixtures_vouchers import make_session
from vouchers.services import carnet_issue

REUNION = ZoneInfo("Indian/Reunion")
_session = make_session


def test_a_prescriber_books_only_its_people_into_workshops_to_come(
    kk, beneficiary, prescriber, make_organisation, make_beneficiary
):
    individual = _session(kk, kind="individual")
    with pytest.raises(AccompanimentsError, match="ateliers à venir"):
        services.participant_book(
            actor=None, session=individual, beneficiary=beneficiary, booked_by=prescriber
        )
    workshop = _session(kk, kind="collective", capacity=5)
    other_prescriber = make_organisation(kinds=("prescriber",))
    with pytest.raises(AccompanimentsError, match="pas suivie par votre organisation"):
        services.participant_book(
            actor=None, session=workshop, beneficiary=beneficiary, booked_by=other_prescriber
        )
    services.participant_book(
        actor=None, session=workshop, beneficiary=beneficiary, booked_by=prescriber
    )


def test_the_structure_sees_first_names_and_initials_only(client, kk, beneficiary, prescriber):
    workshop = _session(kk, kind="collective", capacity=5)
    services.participant_book(
        actor=None, session=workshop, beneficiary=beneficiary, booked_by=prescriber
    )
    client.force_login(kk["mediator"])
    page = client.get(f"/accompagnements/seances/{workshop.pk}/").content.decode()
    assert "Marie P." in page and "Payet" not in page


def test_diagnostic_and_survey_only_for_the_person_programs(
    client, kk, beneficiary, advisor, prescriber, make_program
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
    carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=kk["program"],
        units=10,
        delivery="paper",
    )
    assert (
        client.get(f"/accompagnements/avis/{beneficiary.pk}/{kk['program'].pk}/").status_code == 200
    )


def test_no_attachment_once_submitted_and_a_bad_review_keeps_what_was_typed(
    client, open_call, structure, structure_user, funder_user
):
    from programs import services as program_services
    from tests.fixtures_programs import VALID_BIC, VALID_IBAN

    application = program_services.application_save(
        actor=structure_user,
        call=open_call,
        structure=structure,
        rna=structure.rna,
        places=list(Place.objects.filter(structure=structure)),
        services=["Aide aux démarches administratives"],
        weekly_opening_hours=30,
        iban=VALID_IBAN,
        bic=VALID_BIC,
    )
    program_services.application_submit(actor=structure_user, application=application)
    client.force_login(structure_user)
    pdf = SimpleUploadedFile("rib.pdf", b"%PDF-1.4 rib")
    assert (
        client.post(
            f"/programmes/candidatures/{application.pk}/", {"kind": "rib", "file": pdf}
        ).status_code
        == 403
    )
    client.force_login(funder_user)
    response = client.post(
        f"/programmes/candidatures/{application.pk}/evaluation/",
        {"score_0": "12", "score_1": "3", "comment": "Très bon ancrage"},
    )
    content = response.content.decode()
    assert response.status_code == 200 and "Très bon ancrage" in content and 'value="3"' in content


def test_sms_is_refused_when_no_provider_is_configured(
    money_program, beneficiary, advisor, prescriber, settings
):
    from vouchers.exceptions import VouchersError

    settings.PASSNUM_SMS_BACKEND = ""
    with pytest.raises(VouchersError, match="SMS n'est pas configuré"):
        carnet_issue(
            actor=advisor,
            prescriber=prescriber,
            beneficiary=beneficiary,
            program=money_program,
            units=5,
            delivery="sms",
        )
