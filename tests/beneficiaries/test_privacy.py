"""Personal data (issue 14, point 7): what a structure sees of a person, the journal of every
read of a record, correction and right of access by the prescriber, anonymisation after the
retention period."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command

from accompaniments.services import participant_book, unit_consume
from accounts.enums import OrganisationKind as K
from beneficiaries.enums import ERASED_TEXT, AuditAction
from beneficiaries.models import Beneficiary, BeneficiaryStructure, Diagnostic, Orientation
from beneficiaries.services import (
    beneficiaries_anonymise,
    beneficiary_served_by,
    diagnostic_record,
    orientation_create,
)
from core.models import AuditEntry
from places.models import Place
from tests.beneficiaries.test_views import ANSWERS
from tests.controls.helpers import give_place
from tests.factories import CarnetFactory, SessionFactory
from vouchers.models import Allowance, Carnet

AFTER_RETENTION = dt.datetime(2030, 6, 1, 9, tzinfo=dt.UTC)  # 36 months after late 2026, and more


@pytest.fixture
def followed(kk, beneficiary, advisor, make_organisation, make_member, make_agreement):
    """Marie: a diagnostic, a carnet of hours, a session at the test structure and one at
    another structure; both structures served her."""
    program, structure = kk["program"], kk["structure"]
    other = give_place(make_organisation(name="Autre kaz", kinds=(K.STRUCTURE,)))
    make_agreement(program, other)
    make_member(other)
    diagnostic_record(
        actor=advisor,
        beneficiary=beneficiary,
        program=program,
        kind="entry",
        answers=ANSWERS,
        chosen_units=10,
        override_reason="Elle vit seule et loin du bourg",
    )
    CarnetFactory(program=program, beneficiary=beneficiary)
    ours = SessionFactory(structure=structure, program=program, title="Atelier courriel")
    theirs = SessionFactory(structure=other, program=program, title="Atelier santé en ligne")
    for session in (ours, theirs):
        participant_book(
            actor=None, session=session, beneficiary=beneficiary, booked_by=session.structure
        )
        beneficiary_served_by(beneficiary_id=beneficiary.pk, structure=session.structure)
    return {"beneficiary": beneficiary, "structure": structure, "mediator": kk["mediator"]}


def _page(client, user, beneficiary) -> str:
    client.force_login(user)
    response = client.get(f"/beneficiaires/personnes/{beneficiary.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_structure_sees_the_name_the_hours_left_and_its_own_sessions_only(client, followed):
    page = _page(client, followed["mediator"], followed["beneficiary"])
    assert "Marie Payet" in page
    assert "10 / 10 restantes" in page
    assert "Atelier courriel" in page
    for hidden in (
        "Atelier santé en ligne",  # another structure's session
        "1950",  # birth date
        "0692123456",
        "marie@example.org",
        "Diagnostic",
        "Elle vit seule",
        "Ce qui s'est passé",  # the timeline names other structures
    ):
        assert hidden not in page, hidden


def test_the_prescriber_sees_the_whole_record(client, followed, advisor):
    page = _page(client, advisor, followed["beneficiary"])
    for shown in ("1950", "0692123456", "Elle vit seule", "Atelier courriel", "Atelier santé"):
        assert shown in page, shown


def test_a_structure_list_shows_no_birth_date(client, followed):
    client.force_login(followed["mediator"])
    page = client.get(
        f"/beneficiaires/organisations/{followed['structure'].pk}/personnes/"
    ).content.decode()
    assert "Payet" in page and "1950" not in page and "né(e)" not in page


def test_every_read_of_a_record_is_journaled_with_who_which_organisation_and_page(
    client, followed, advisor
):
    beneficiary = followed["beneficiary"]
    _page(client, followed["mediator"], beneficiary)
    _page(client, advisor, beneficiary)
    carnet = Carnet.objects.get(beneficiary=beneficiary)
    assert client.get(f"/carnets/{carnet.pk}/").status_code == 200
    reads = AuditEntry.objects.filter(
        action=AuditAction.RECORD_READ, object_id=str(beneficiary.pk)
    ).order_by("pk")
    assert [(e.actor, e.organisation_id, e.data["page"]) for e in reads] == [
        (followed["mediator"], followed["structure"].pk, "beneficiaries:beneficiary_detail"),
        (advisor, beneficiary.prescriber_id, "beneficiaries:beneficiary_detail"),
        (advisor, beneficiary.prescriber_id, "vouchers:carnet_detail"),
    ]
    assert all(e.object_type == "beneficiaries.beneficiary" for e in reads)


def test_a_refused_read_is_not_journaled(client, beneficiary, make_organisation, make_member):
    stranger = make_member(make_organisation(name="Autre", kinds=(K.STRUCTURE,)))
    client.force_login(stranger)
    assert client.get(f"/beneficiaires/personnes/{beneficiary.pk}/").status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.RECORD_READ).exists()


def test_the_prescriber_corrects_a_person_and_the_journal_names_the_fields(
    client, followed, advisor
):
    beneficiary = followed["beneficiary"]
    key = beneficiary.identity_key
    client.force_login(advisor)
    url = f"/beneficiaires/personnes/{beneficiary.pk}/modifier/"
    form = client.get(url).content.decode()
    assert 'value="Payet"' in form and "0692123456" in form
    response = client.post(
        url,
        {
            "first_name": "Marie-Anne",
            "last_name": "Payet",
            "birth_date": "1950-01-02",
            "commune": beneficiary.commune.pk,
            "phone": "",
            "email": "marie@example.org",
        },
    )
    assert response.status_code == 302, response.content.decode()
    beneficiary.refresh_from_db()
    assert (beneficiary.first_name, beneficiary.phone) == ("Marie-Anne", "")
    assert beneficiary.birth_date == dt.date(1950, 1, 2)
    assert "marie anne" in beneficiary.search_name.replace("-", " ")
    assert beneficiary.identity_key == key  # the yearly caps still count under it
    entry = AuditEntry.objects.get(action=AuditAction.RECORD_UPDATED)
    assert set(entry.data["fields"]) == {"first_name", "birth_date", "phone"}
    assert "Marie-Anne" not in json.dumps(entry.data)


def test_a_correction_keeps_what_was_typed_and_names_the_field(client, followed, advisor):
    beneficiary = followed["beneficiary"]
    client.force_login(advisor)
    response = client.post(
        f"/beneficiaires/personnes/{beneficiary.pk}/modifier/",
        {
            "first_name": "Marie",
            "last_name": "Payet",
            "birth_date": "2031-01-01",
            "commune": beneficiary.commune.pk,
            "phone": "0692 99 88 77",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "La date de naissance doit être dans le passé" in page and "0692 99 88 77" in page
    beneficiary.refresh_from_db()
    assert beneficiary.birth_date.year == 1950


def test_a_structure_can_neither_correct_nor_export(client, followed):
    client.force_login(followed["mediator"])
    pk = followed["beneficiary"].pk
    assert client.get(f"/beneficiaires/personnes/{pk}/modifier/").status_code == 403
    assert client.get(f"/beneficiaires/personnes/{pk}/donnees.json").status_code == 403


def test_the_right_of_access_file_holds_everything_about_the_person(client, followed, advisor):
    beneficiary = followed["beneficiary"]
    orientation_create(
        actor=advisor,
        prescriber=beneficiary.prescriber,
        place=Place.objects.filter(structure=followed["structure"]).first(),
        person_name="Marie Payet",
        need="Prendre rendez-vous chez le médecin en ligne",
        beneficiary=beneficiary,
    )
    _page(client, followed["mediator"], beneficiary)
    client.force_login(advisor)
    response = client.get(f"/beneficiaires/personnes/{beneficiary.pk}/donnees.json")
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["personne"]["date de naissance"] == "1950-01-01"
    assert data["personne"]["téléphone"] == "0692123456"
    assert data["diagnostics"][0]["raison du changement"] == "Elle vit seule et loin du bourg"
    assert data["orientations"][0]["besoin"].startswith("Prendre rendez-vous")
    assert len(data["carnets"]) == 1 and len(data["chèques et heures"]) == 10
    assert {s["titre"] for s in data["séances"]} == {"Atelier courriel", "Atelier santé en ligne"}
    readers = {(e["action"], e["organisation"]) for e in data["consultations et changements"]}
    assert ("Fiche d'une personne lue", "Cyber-case test") in readers
    assert AuditEntry.objects.filter(action=AuditAction.RECORD_EXPORTED).count() == 1


# --- Anonymisation after the retention period ---------------------------------------------


@pytest.fixture
def used_hours(kk, beneficiary):
    """Marie's carnet of hours, one used at the structure (its unit event)."""
    issued = CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    beneficiary_served_by(beneficiary_id=beneficiary.pk, structure=kk["structure"])
    return issued


def test_a_person_with_no_program_is_anonymised_36_months_after_registration(
    make_beneficiary,
):
    person = make_beneficiary(first_name="Jeanne")
    assert beneficiaries_anonymise(now=dt.datetime(2029, 11, 20, tzinfo=dt.UTC)) == 0
    assert beneficiaries_anonymise(now=dt.datetime(2029, 11, 26, tzinfo=dt.UTC)) == 1
    assert Beneficiary.objects.get(pk=person.pk).anonymised_at is not None


def test_a_person_is_anonymised_36_months_after_the_last_activity_and_statistics_stay(
    followed, advisor
):
    beneficiary = followed["beneficiary"]
    Beneficiary.objects.filter(pk=beneficiary.pk).update(categories=["senior"])
    orientation_create(
        actor=advisor,
        prescriber=beneficiary.prescriber,
        place=Place.objects.filter(structure=followed["structure"]).first(),
        person_name="Marie Payet",
        need="Faire sa déclaration CAF",
        beneficiary=beneficiary,
    )
    before = {
        "carnets": Carnet.objects.filter(beneficiary=beneficiary).count(),
        "served": BeneficiaryStructure.objects.filter(beneficiary=beneficiary).count(),
        "diagnostics": Diagnostic.objects.filter(beneficiary=beneficiary).count(),
    }
    # the sessions are in December 2026: 36 months later is December 2029
    assert beneficiaries_anonymise(now=dt.datetime(2029, 11, 1, tzinfo=dt.UTC)) == 0
    assert beneficiaries_anonymise(now=AFTER_RETENTION) == 1
    person = Beneficiary.objects.get(pk=beneficiary.pk)
    assert (person.first_name, person.last_name) == ("Personne", "anonymisée")
    assert person.birth_date is None and person.phone == "" and person.email == ""
    assert person.identity_key == "" and person.search_name == ""
    assert person.age_band == "75 et plus"  # born in 1950, registered in 2026
    assert person.commune_id == beneficiary.commune_id and person.categories == ["senior"]
    assert person.anonymised_at == AFTER_RETENTION
    orientation = Orientation.objects.get(beneficiary=beneficiary)
    assert orientation.need == ERASED_TEXT and "Payet" not in orientation.person_name
    diagnostic = Diagnostic.objects.get(beneficiary=beneficiary)
    assert diagnostic.override_reason == ERASED_TEXT and diagnostic.score  # scores stay
    assert before == {
        "carnets": Carnet.objects.filter(beneficiary=beneficiary).count(),
        "served": BeneficiaryStructure.objects.filter(beneficiary=beneficiary).count(),
        "diagnostics": Diagnostic.objects.filter(beneficiary=beneficiary).count(),
    }
    assert AuditEntry.objects.filter(
        action=AuditAction.ANONYMISED, object_id=str(beneficiary.pk)
    ).exists()
    assert beneficiaries_anonymise(now=AFTER_RETENTION) == 0  # once


def test_the_yearly_counts_stay_and_no_longer_name_the_anonymised_person(
    kk, used_hours, beneficiary, make_beneficiary
):
    key = beneficiary.identity_key
    counts = list(Allowance.objects.filter(identity_key=key).values_list("units_issued", "year"))
    assert counts
    # The same person, registered again by another prescriber later: the link stays for them.
    again = make_beneficiary()
    Beneficiary.objects.filter(pk=again.pk).update(
        identity_key=key, created_at=dt.datetime(2029, 11, 1, tzinfo=dt.UTC)
    )
    assert beneficiaries_anonymise(now=AFTER_RETENTION) == 1
    assert Allowance.objects.filter(identity_key=key).count() == len(counts)
    Beneficiary.objects.filter(pk=again.pk).update(created_at=beneficiary.created_at)
    assert beneficiaries_anonymise(now=AFTER_RETENTION) == 1
    assert not Allowance.objects.filter(identity_key=key).exists()
    left = Allowance.objects.filter(program=kk["program"])
    assert list(left.values_list("units_issued", "year")) == counts
    assert all(allowance.identity_key.startswith("anonyme-") for allowance in left)


def test_a_running_program_keeps_the_person(kk, used_hours):
    program = kk["program"]
    program.__class__.objects.filter(pk=program.pk).update(ends_on=dt.date(2030, 12, 31))
    assert beneficiaries_anonymise(now=AFTER_RETENTION) == 0  # the program still runs
    program.__class__.objects.filter(pk=program.pk).update(ends_on=dt.date(2026, 12, 31))
    assert beneficiaries_anonymise(now=AFTER_RETENTION) == 1


def test_a_longer_retention_of_the_program_keeps_the_person_longer(kk, used_hours, beneficiary):
    program = kk["program"]
    program.__class__.objects.filter(pk=program.pk).update(retention_months=60)
    assert beneficiaries_anonymise(now=AFTER_RETENTION) == 0
    assert beneficiaries_anonymise(now=dt.datetime(2032, 1, 1, tzinfo=dt.UTC)) == 1


def test_a_voucher_used_later_moves_the_last_activity(
    money_program, structure, make_agreement, beneficiary
):
    make_agreement(money_program, structure)
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary, units=5)
    serial, code = issued.codes[0]
    with time_machine.travel(dt.datetime(2026, 12, 20, 10, tzinfo=dt.UTC), tick=False):
        assert unit_consume(actor=None, structure=structure, serial=serial, code=code).ok
    # registered and carnet issued on 25 November 2026, voucher used on 20 December 2026
    assert beneficiaries_anonymise(now=dt.datetime(2029, 12, 10, tzinfo=dt.UTC)) == 0
    assert beneficiaries_anonymise(now=dt.datetime(2029, 12, 21, tzinfo=dt.UTC)) == 1


def test_a_session_later_moves_the_last_activity(followed):
    """The sessions are on 2 December 2026, a week after the registration."""
    assert beneficiaries_anonymise(now=dt.datetime(2029, 11, 28, tzinfo=dt.UTC)) == 0
    assert beneficiaries_anonymise(now=dt.datetime(2029, 12, 3, tzinfo=dt.UTC)) == 1


def test_the_daily_command_anonymises_only_with_wet_run(used_hours, beneficiary):
    with time_machine.travel(AFTER_RETENTION, tick=False):
        out = io.StringIO()
        call_command("vouchers_daily", stdout=out)
        assert "Simulation" in out.getvalue()
        assert "personnes rendues anonymes : 1" in out.getvalue()
        assert Beneficiary.objects.get(pk=beneficiary.pk).anonymised_at is None
        call_command("vouchers_daily", "--wet-run", stdout=io.StringIO())
    assert Beneficiary.objects.get(pk=beneficiary.pk).anonymised_at is not None


def test_an_anonymised_record_cannot_be_corrected(client, used_hours, beneficiary, advisor):
    beneficiaries_anonymise(now=AFTER_RETENTION)
    client.force_login(advisor)
    page = client.get(f"/beneficiaires/personnes/{beneficiary.pk}/").content.decode()
    assert "Rendue anonyme le" in page and "75 et plus" in page
    assert "Corriger ses informations" not in page
    assert client.get(f"/beneficiaires/personnes/{beneficiary.pk}/modifier/").status_code == 403


def test_a_person_only_oriented_to_the_structure_is_listed_and_opens_after_coming(
    client, followed, advisor, make_beneficiary
):
    """The structure may book a person oriented to it; their record opens (the structure's
    view) once it served them, and the list says so rather than linking to a refusal."""
    oriented = make_beneficiary(first_name="Josiane", last_name="Hoarau")
    orientation_create(
        actor=advisor,
        prescriber=oriented.prescriber,
        place=Place.objects.filter(structure=followed["structure"]).first(),
        person_name="Josiane Hoarau",
        need="Envoyer des photos à sa fille",
        beneficiary=oriented,
    )
    client.force_login(followed["mediator"])
    url = f"/beneficiaires/organisations/{followed['structure'].pk}/personnes/"
    detail = f"/beneficiaires/personnes/{oriented.pk}/"
    page = client.get(url).content.decode()
    assert "Hoarau Josiane — orientée vers vous : sa fiche s'ouvre après" in page
    assert detail not in page and f"/beneficiaires/personnes/{followed['beneficiary'].pk}/" in page
    assert client.get(detail).status_code == 403
    beneficiary_served_by(beneficiary_id=oriented.pk, structure=followed["structure"])
    assert detail in client.get(url).content.decode()
    assert client.get(detail).status_code == 200
