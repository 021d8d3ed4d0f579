"""What vouchers reads without writing: who may not receive a carnet, and why."""

import datetime as dt

from tests.factories import CarnetFactory
from tests.vouchers.helpers import new_person, set_rules
from vouchers.eligibility import eligibility_refusals


def test_bulk_refusals_give_each_persons_reason_in_few_queries(
    money_program, prescriber, advisor, django_assert_max_num_queries
):
    set_rules(money_program, min_age=18, residence_required=True)
    adult = new_person(prescriber, advisor, first_name="Paul")
    child = new_person(prescriber, advisor, birth_date=dt.date(2015, 1, 1))
    away = new_person(prescriber, advisor, first_name="Jean", commune="47001")
    holder = new_person(prescriber, advisor, first_name="Rose")
    CarnetFactory(program=money_program, beneficiary=holder)
    people = [adult, child, away, holder]
    with django_assert_max_num_queries(3):
        refusals = eligibility_refusals(
            program=money_program, beneficiaries=people, on=dt.date(2026, 11, 25)
        )
    assert set(refusals) == {child.pk, away.pk, holder.pk}
    assert "Léa a 11 ans" in refusals[child.pk]
    assert "Jean habite Agen" in refusals[away.pk]
    assert "Rose a déjà un carnet" in refusals[holder.pk]
