"""Point 7: the exit diagnostic measures the way travelled since the entry one, so it needs it."""

import pytest

from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.models import Diagnostic
from beneficiaries.services import diagnostic_record

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
