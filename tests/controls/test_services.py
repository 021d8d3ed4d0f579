import datetime as dt

import pytest

from beneficiaries.enums import ConsentMethod
from beneficiaries.services import beneficiary_create
from controls.models import ControlFinding
from controls.services import CheckOutcome, id_runs, lines_check
from core import registry
from programs.enums import AgreementStatus
from programs.models import Agreement
from programs.services import agreement_set_status
from settlement.models import PricingLine
from settlement.services import lines_control
from territories.models import Commune
from tests.controls.helpers import issue, priced, use


@pytest.fixture
def from_agen(advisor, prescriber):
    return beneficiary_create(
        actor=advisor,
        prescriber=prescriber,
        first_name="Paul",
        last_name="Martin",
        birth_date=dt.date(1960, 5, 1),
        commune=Commune.objects.get(code="47001"),
        consent_method=ConsentMethod.ORAL,
    )


@pytest.fixture
def three_kinds_of_lines(
    pass_structure,
    money_program,
    make_agreed_structure,
    make_beneficiary,
    from_agen,
    advisor,
    prescriber,
    funder_user,
):
    """One clean use, one by a person living outside the territory, and two at a structure
    whose agreement was suspended since (one of them also by the person from Agen)."""
    suspended = make_agreed_structure(money_program, "Médiathèque test")
    clean = use(
        pass_structure, issue(money_program, make_beneficiary(), **_by(advisor, prescriber)), 0
    )
    away = issue(money_program, from_agen, **_by(advisor, prescriber))
    use(pass_structure, away, 0)
    use(suspended, issue(money_program, make_beneficiary(), **_by(advisor, prescriber)), 0)
    use(suspended, away, 1)
    agreement_set_status(
        actor=funder_user,
        agreement=Agreement.objects.get(program=money_program, structure=suspended),
        status=AgreementStatus.SUSPENDED,
        reason="Contrôle sur place en cours",
    )
    assert clean.outcome == "consumed"
    return priced()


def _by(advisor, prescriber):
    return {"actor": advisor, "prescriber": prescriber}


def test_controls_are_registered():
    assert lines_check in registry.contributions(registry.LINE_CHECKS)
    assert "controls" in registry.contributions(registry.HOME_LINKS)


@pytest.mark.parametrize("as_queryset", [False, True])
def test_each_line_leaves_priced_with_the_right_status(three_kinds_of_lines, as_queryset):
    lines = three_kinds_of_lines
    # settlement's entry point runs the registered checks, on instances or on a queryset
    lines_control(lines=PricingLine.objects.all() if as_queryset else lines)
    statuses = dict(PricingLine.objects.values_list("pk", "status"))
    assert [statuses[line.pk] for line in lines] == [
        "accepted",
        "suspicious",
        "rejected",
        "rejected",
    ]
    rejected = PricingLine.objects.get(pk=lines[2].pk)
    assert rejected.review_reason == (
        "Unité utilisée le 25/11/2026 hors convention pour Pass numérique test : la convention "
        "de Médiathèque test est « suspendue » (motif : Contrôle sur place en cours)."
    )
    findings = set(ControlFinding.objects.values_list("line_id", "rule", "verdict"))
    assert findings == {
        (lines[1].pk, "OUTSIDE_TERRITORY", "suspicious"),
        (lines[2].pk, "OUTSIDE_AGREEMENT", "ko"),
        (lines[3].pk, "OUTSIDE_AGREEMENT", "ko"),
        (lines[3].pk, "OUTSIDE_TERRITORY", "suspicious"),
    }
    # A refusal wins over a doubt, and its reason is the refusal's explanation.
    assert PricingLine.objects.get(pk=lines[3].pk).review_reason.startswith(
        "Unité utilisée le 25/11/2026 hors convention"
    )


def test_a_second_run_adds_nothing_and_moves_nothing(three_kinds_of_lines):
    first = lines_check(lines=three_kinds_of_lines)
    assert first == CheckOutcome(accepted=1, suspicious=1, rejected=2)
    findings = list(ControlFinding.objects.values_list("pk", "line_id", "rule"))
    statuses = dict(PricingLine.objects.values_list("pk", "status"))
    # The same objects again, still PRICED in memory: no duplicate finding, no status change.
    again = lines_check(lines=three_kinds_of_lines)
    assert again == CheckOutcome()
    assert list(ControlFinding.objects.values_list("pk", "line_id", "rule")) == findings
    assert dict(PricingLine.objects.values_list("pk", "status")) == statuses
    assert lines_check(lines=priced()) == CheckOutcome()  # nothing left to control


def test_a_large_batch_is_checked_in_a_bounded_number_of_queries(
    pass_structure,
    money_program,
    make_beneficiary,
    advisor,
    prescriber,
    django_assert_max_num_queries,
):
    for _ in range(6):
        issued = issue(money_program, make_beneficiary(), actor=advisor, prescriber=prescriber)
        for index in range(5):
            use(pass_structure, issued, index)
    lines = priced()
    assert len(lines) == 30
    with django_assert_max_num_queries(15):
        outcome = lines_check(lines=lines)
    assert outcome == CheckOutcome(suspicious=30)  # 5 units of a carnet on one day each


def test_only_the_lines_given_are_moved(three_kinds_of_lines):
    lines = three_kinds_of_lines
    assert lines_check(lines=[lines[0], lines[2]]) == CheckOutcome(accepted=1, rejected=1)
    statuses = dict(PricingLine.objects.values_list("pk", "status"))
    assert [statuses[line.pk] for line in lines] == ["accepted", "priced", "rejected", "priced"]


def test_ids_are_named_by_runs_of_consecutive_ids():
    assert id_runs([7, 1, 3, 2, 9, 10]) == [(1, 3), (7, 7), (9, 10)]
    assert id_runs([]) == []
