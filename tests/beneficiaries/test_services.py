"""beneficiaries.services: diagnostics (the recommended carnet, entry before exit)."""

import pytest

from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.services import diagnostic_evaluate, diagnostic_record
from programs.models import Program

ANSWERS = dict.fromkeys((key for key, _label in DEFAULT_SKILLS), 1)


def test_an_exit_diagnostic_needs_an_entry_one_of_the_same_program(
    money_program, hours_program, beneficiary, advisor
):
    with pytest.raises(BeneficiariesError) as refused:
        diagnostic_record(
            actor=advisor,
            beneficiary=beneficiary,
            program=money_program,
            kind="exit",
            answers=ANSWERS,
        )
    assert str(refused.value).startswith(
        "Faites d'abord le diagnostic d'entrée de Marie pour Pass numérique test"
    )
    diagnostic_record(
        actor=advisor, beneficiary=beneficiary, program=hours_program, kind="entry", answers=ANSWERS
    )
    with pytest.raises(BeneficiariesError, match="diagnostic d'entrée"):
        diagnostic_record(
            actor=advisor,
            beneficiary=beneficiary,
            program=money_program,
            kind="exit",
            answers=ANSWERS,
        )
    diagnostic_record(
        actor=advisor, beneficiary=beneficiary, program=money_program, kind="entry", answers=ANSWERS
    )
    exit_diagnostic = diagnostic_record(
        actor=advisor, beneficiary=beneficiary, program=money_program, kind="exit", answers=ANSWERS
    )
    assert exit_diagnostic.kind == "exit"


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
