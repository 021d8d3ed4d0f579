"""Point 7: a program's eligibility rules are settings of the program."""

import io

import pytest
from django.core.management import call_command

from programs.exceptions import ProgramsError
from programs.models import Program

FORM = {
    "name": "Kap test",
    "slug": "kap-test",
    "departements": ["974"],
    "unit_kind": "hours",
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
    "time_zone": "Indian/Reunion",
    "carnet_sizes_text": "10",
    "unit_value_euros": "1",
    "hourly_rate_individual_euros": "30",
    "hourly_rate_collective_euros": "10",
    "min_units_per_beneficiary": "1",
    "yearly_cap_units": "10",
    "max_group_size": "5",
    "validity_mode": "fixed_end",
    "validity_end_on": "2026-12-31",
    "validity_tolerance_days": "31",
    "target_beneficiaries_per_year": "1000",
    "operator_fee_purchase_bp": "0",
    "operator_fee_per_place_cents": "0",
    "min_weekly_opening_hours": "24",
}


def test_the_funder_sets_the_eligibility_rules_in_the_program_form(
    client, communes, funder, funder_user
):
    client.force_login(funder_user)
    response = client.post(
        "/programmes/nouveau/",
        FORM
        | {
            "lead_funder": funder.pk,
            "min_age": "18",
            "residence_required": "on",
            "eligible_categories": ["senior", "job_seeker"],
            "entry_diagnostic_required": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    program = Program.objects.get(slug="kap-test")
    assert (program.min_age, program.residence_required, program.entry_diagnostic_required) == (
        18,
        True,
        True,
    )
    assert program.eligible_categories == ["job_seeker", "senior"]
    page = client.get("/programmes/kap-test/").content.decode()
    assert "les personnes de 18 ans et plus qui habitent le territoire du programme" in page
    assert "Personne âgée (plus de 60 ans)" in page
    assert "le diagnostic d'entrée se fait avant la remise du carnet" in page


def test_a_program_without_rules_is_open_to_everyone(client, communes, funder, funder_user):
    client.force_login(funder_user)
    client.post("/programmes/nouveau/", FORM | {"lead_funder": funder.pk})
    program = Program.objects.get(slug="kap-test")
    assert (program.min_age, program.residence_required, program.eligible_categories) == (
        None,
        False,
        [],
    )
    assert not program.entry_diagnostic_required


def test_the_service_refuses_unknown_categories_and_odd_ages(make_program):
    with pytest.raises(ProgramsError, match="situation inconnue"):
        make_program(eligible_categories=["astronaut"])
    with pytest.raises(ProgramsError, match="Âge minimum"):
        make_program(min_age=0)
    with pytest.raises(ProgramsError, match="Âge minimum"):
        make_program(min_age=200)
    assert not Program.objects.exists()


def test_the_demo_programs_carry_their_rules(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", stdout=io.StringIO())
    kap = Program.objects.get(slug__startswith="kap-konekt")
    assert (kap.min_age, kap.residence_required, kap.entry_diagnostic_required) == (18, True, True)
    pass_47 = Program.objects.get(slug__startswith="pass-numerique-47")
    assert pass_47.entry_diagnostic_required and pass_47.residence_required
