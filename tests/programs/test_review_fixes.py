"""Programs and diagnostic cases found by a review."""

import datetime as dt

import pytest

from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.services import diagnostic_evaluate, diagnostic_record
from places.models import Place
from programs import services
from programs.exceptions import ProgramsError
from programs.models import Program
from programs.selectors import program_coverage
from tests.fixtures_programs import VALID_BIC, VALID_IBAN


@pytest.mark.parametrize(
    ("sizes", "cap", "minimum", "expected"),
    [
        ([5, 10], 8, 5, [5, 5, 5]),
        ([5, 10, 20], 15, 1, [10, 10, 5]),
        ([5, 10], None, 5, [10, 10, 5]),
    ],
)
def test_recommendations_stay_within_sizes_and_the_cap(make_program, sizes, cap, minimum, expected):
    """Programs made before the service refused sizes above the cap still recommend within it."""
    program = make_program(carnet_sizes=sizes, yearly_cap_units=None)
    Program.objects.filter(pk=program.pk).update(
        yearly_cap_units=cap, min_units_per_beneficiary=minimum
    )
    program.refresh_from_db()
    got = [
        diagnostic_evaluate(program=program, answers={"a": value, "b": value}).recommended_units
        for value in (0, 1, 2)
    ]
    assert got == expected


def test_a_chosen_number_must_be_a_carnet_size(make_program, beneficiary, advisor):
    program = make_program(carnet_sizes=[5, 10], yearly_cap_units=12, min_units_per_beneficiary=5)
    answers = dict.fromkeys((key for key, _label in DEFAULT_SKILLS), 0)
    with pytest.raises(BeneficiariesError, match="5, 10"):
        diagnostic_record(
            actor=advisor,
            beneficiary=beneficiary,
            program=program,
            kind="entry",
            answers=answers,
            chosen_units=7,
            override_reason="entre les deux",
        )


def _draft(open_call, structure, user):
    return services.application_save(
        actor=user,
        call=open_call,
        structure=structure,
        rna=structure.rna,
        places=list(Place.objects.filter(structure=structure)),
        services=["Aide aux démarches administratives"],
        weekly_opening_hours=30,
        iban=VALID_IBAN,
        bic=VALID_BIC,
    )


def test_the_closing_date_holds_for_drafts_not_for_applications_sent_back(
    open_call, structure, structure_user, funder_user, time_machine
):
    first = _draft(open_call, structure, structure_user)
    services.application_submit(actor=structure_user, application=first)
    services.application_request_changes(actor=funder_user, application=first, message="RIB")
    open_call.closes_on = dt.date(2026, 11, 30)
    open_call.save()
    time_machine.move_to(dt.datetime(2026, 12, 2, 8, tzinfo=dt.UTC))
    services.application_save(
        actor=structure_user,
        call=open_call,
        structure=structure,
        application=first,
        presentation="complété",
    )
    services.application_submit(actor=structure_user, application=first)
    services.application_withdraw(actor=structure_user, application=first)
    with pytest.raises(ProgramsError, match="pas ouvert"):
        _draft(open_call, structure, structure_user)


def test_no_agreement_after_the_program_ended(
    open_call, structure, structure_user, funder_user, program
):
    application = _draft(open_call, structure, structure_user)
    services.application_submit(actor=structure_user, application=application)
    Program.objects.filter(pk=program.pk).update(ends_on=dt.date(2026, 11, 1))
    application.refresh_from_db()
    with pytest.raises(ProgramsError, match="s'est terminé le 01/11/2026"):
        services.application_accept(actor=funder_user, application=application)


def test_coverage_names_the_structure_of_the_agreement(
    open_call, structure, structure_user, funder_user, program
):
    application = _draft(open_call, structure, structure_user)
    services.application_submit(actor=structure_user, application=application)
    services.application_accept(actor=funder_user, application=application)
    Place.objects.filter(structure=structure).update(structure=None)
    rows = {row.commune.name: row for row in program_coverage(program=program)}
    assert rows["Saint-Benoît"].structures == [structure.name]


def test_an_hours_program_needs_a_rate_and_sizes_within_the_cap(
    client, communes, funder, funder_user
):
    client.force_login(funder_user)
    data = {
        "name": "Heures",
        "slug": "heures",
        "lead_funder": funder.pk,
        "unit_kind": "hours",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "time_zone": "Indian/Reunion",
        "carnet_sizes_text": "10, 20",
        "unit_value_euros": "1",
        "hourly_rate_individual_euros": "0",
        "hourly_rate_collective_euros": "0",
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
    content = client.post("/programmes/nouveau/", data).content.decode()
    assert "ne peut pas dépasser le plafond annuel de 10 unités" in content
    assert 'value="10, 20"' in content  # what was typed is kept
    content = client.post("/programmes/nouveau/", data | {"carnet_sizes_text": "10"}).content
    assert "Indiquez ce que rapporte une heure" in content.decode()
    assert not Program.objects.filter(slug="heures").exists()
