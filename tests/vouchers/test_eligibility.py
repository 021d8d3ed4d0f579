"""Point 7: a program's eligibility rules are checked when a carnet is issued, and the pages
only offer to issue a carnet to people who may receive one."""

import datetime as dt
import re

import pytest

from accounts.enums import OrganisationKind as K
from beneficiaries.enums import DEFAULT_SKILLS, ConsentMethod
from beneficiaries.services import beneficiary_create, diagnostic_record
from programs import services as program_services
from programs.models import PrescriberQuota, Program
from territories.models import Commune
from vouchers import services
from vouchers.eligibility import age_on, eligibility_refusals
from vouchers.enums import UnitState
from vouchers.exceptions import VouchersError
from vouchers.models import Allowance, Carnet, Unit

ANSWERS = dict.fromkeys((key for key, _label in DEFAULT_SKILLS), 1)


def _person(
    prescriber,
    advisor,
    *,
    first_name="Léa",
    last_name="Hoarau",
    birth_date=dt.date(1980, 5, 1),
    commune="97410",
    **extra,
):
    return beneficiary_create(
        actor=advisor,
        prescriber=prescriber,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        commune=Commune.objects.get(code=commune),
        consent_method=ConsentMethod.ORAL,
        **extra,
    )


def _rules(program, **rules):
    Program.objects.filter(pk=program.pk).update(**rules)
    program.refresh_from_db()
    return program


def _issue(program, person, advisor, units=10, delivery="paper"):
    return services.carnet_issue(
        actor=advisor,
        prescriber=person.prescriber,
        beneficiary=person,
        program=program,
        units=units,
        delivery=delivery,
    )


def _use_all_units(carnet, structure_org):
    Unit.objects.filter(carnet=carnet).update(
        state=UnitState.CONSUMED,
        consumed_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        consumed_by=structure_org,
    )


def test_a_child_gets_no_carnet_of_a_program_for_adults_and_nothing_is_kept(
    hours_program, prescriber, advisor
):
    _rules(hours_program, min_age=18)
    child = _person(prescriber, advisor, birth_date=dt.date(2020, 5, 1))
    with pytest.raises(VouchersError) as refused:
        _issue(hours_program, child, advisor)
    assert str(refused.value) == (
        "Ce programme est réservé aux personnes de 18 ans et plus : Léa a 6 ans."
    )
    hours_program.refresh_from_db()
    assert Carnet.objects.count() == 0 and hours_program.committed_cents == 0
    assert PrescriberQuota.objects.get(program=hours_program).units_issued == 0
    assert not Allowance.objects.filter(units_issued__gt=0).exists()
    adult = _person(prescriber, advisor, first_name="Paul")
    assert _issue(hours_program, adult, advisor).carnet.units_count == 10


def test_age_is_counted_on_the_day_of_the_programs_time_zone(
    hours_program, prescriber, advisor, time_machine
):
    """25 November, 22:00 in Paris is already 26 November, 01:00 in La Réunion."""
    time_machine.move_to(dt.datetime(2026, 11, 25, 21, tzinfo=dt.UTC))
    person = _person(prescriber, advisor, birth_date=dt.date(2008, 11, 26))
    assert age_on(person.birth_date, dt.date(2026, 11, 25)) == 17
    assert age_on(person.birth_date, dt.date(2026, 11, 26)) == 18
    _rules(hours_program, min_age=18, time_zone="Europe/Paris")
    with pytest.raises(VouchersError, match="Léa a 17 ans"):
        _issue(hours_program, person, advisor)
    _rules(hours_program, time_zone="Indian/Reunion")
    assert _issue(hours_program, person, advisor).carnet.beneficiary == person


def test_residence_in_the_programs_territory(hours_program, prescriber, advisor):
    _rules(hours_program, residence_required=True)
    in_agen = _person(prescriber, advisor, commune="47001")
    with pytest.raises(VouchersError) as refused:
        _issue(hours_program, in_agen, advisor)
    assert str(refused.value).startswith(
        "Kap Konèk.t 2026 est réservé aux habitants de son territoire : Léa habite Agen"
    )
    assert _issue(hours_program, _person(prescriber, advisor, first_name="Paul"), advisor)
    hours_program.communes.add(Commune.objects.get(code="47001"))  # a commune in addition
    assert _issue(hours_program, in_agen, advisor).carnet.beneficiary == in_agen


def test_public_categories(money_program, prescriber, advisor):
    _rules(money_program, eligible_categories=["job_seeker", "young_unqualified"])
    senior = _person(prescriber, advisor, categories=["senior"])
    with pytest.raises(VouchersError) as refused:
        _issue(money_program, senior, advisor, units=5)
    assert str(refused.value) == (
        "Pass numérique test est réservé aux personnes dans l'une de ces situations : "
        "Demandeur d'emploi, Jeune sans qualification. La fiche de Léa n'indique aucune de ces "
        "situations."
    )
    with pytest.raises(VouchersError, match="situations"):
        _issue(money_program, _person(prescriber, advisor, first_name="Sans"), advisor, units=5)
    seeker = _person(prescriber, advisor, first_name="Paul", categories=["senior", "job_seeker"])
    assert _issue(money_program, seeker, advisor, units=5).carnet.units_count == 5


def test_entry_diagnostic_of_the_same_program_first(
    money_program, hours_program, prescriber, advisor
):
    _rules(money_program, entry_diagnostic_required=True)
    person = _person(prescriber, advisor)
    diagnostic_record(
        actor=advisor, beneficiary=person, program=hours_program, kind="entry", answers=ANSWERS
    )
    with pytest.raises(VouchersError) as refused:
        _issue(money_program, person, advisor, units=5)
    assert str(refused.value) == (
        "Faites d'abord le diagnostic d'entrée de Léa pour Pass numérique test : "
        "il est obligatoire avant de remettre un carnet."
    )
    diagnostic_record(
        actor=advisor, beneficiary=person, program=money_program, kind="entry", answers=ANSWERS
    )
    assert _issue(money_program, person, advisor, units=5).carnet.program == money_program


def test_one_carnet_in_progress_per_person_and_program(
    money_program, hours_program, prescriber, advisor, make_organisation, make_member, funder_user
):
    person = _person(prescriber, advisor)
    first = _issue(money_program, person, advisor, units=5).carnet
    with pytest.raises(VouchersError) as refused:
        _issue(money_program, person, advisor, units=10)
    assert str(refused.value).startswith(
        f"Léa a déjà un carnet Pass numérique test en cours (n° {first.number})."
    )
    assert _issue(hours_program, person, advisor).carnet.program == hours_program  # another one
    # The same person registered by another prescriber: same identity key, same refusal.
    other = make_organisation(kinds=(K.PRESCRIBER,))
    program_services.quota_set(actor=funder_user, program=money_program, prescriber=other, units=50)
    twin = _person(other, make_member(other))
    with pytest.raises(VouchersError, match=f"n° {first.number}"):
        _issue(money_program, twin, advisor, units=5)
    # The replacement of a lost carnet is in progress too.
    replacement = services.carnet_oppose(
        actor=advisor, carnet=first, reason="perdu", delivery="paper"
    ).carnet
    with pytest.raises(VouchersError, match=f"n° {replacement.number}"):
        _issue(money_program, person, advisor, units=5)
    # Once every unit is used, a new carnet may be issued.
    _use_all_units(replacement, other)
    assert _issue(money_program, person, advisor, units=10).carnet.units_count == 10
    assert Carnet.objects.filter(program=money_program).count() == 3


def test_the_yearly_cap_still_holds_once_the_first_carnet_is_used(
    hours_program, prescriber, advisor, structure
):
    person = _person(prescriber, advisor)
    _use_all_units(_issue(hours_program, person, advisor).carnet, structure)
    with pytest.raises(VouchersError, match="plafond est de 10"):
        _issue(hours_program, person, advisor)


def test_bulk_refusals_give_each_persons_reason_in_few_queries(
    money_program, prescriber, advisor, django_assert_max_num_queries
):
    _rules(money_program, min_age=18, residence_required=True)
    adult = _person(prescriber, advisor, first_name="Paul")
    child = _person(prescriber, advisor, birth_date=dt.date(2015, 1, 1))
    away = _person(prescriber, advisor, first_name="Jean", commune="47001")
    holder = _person(prescriber, advisor, first_name="Rose")
    _issue(money_program, holder, advisor, units=5)
    people = [adult, child, away, holder]
    with django_assert_max_num_queries(3):
        refusals = eligibility_refusals(
            program=money_program, beneficiaries=people, on=dt.date(2026, 11, 25)
        )
    assert set(refusals) == {child.pk, away.pk, holder.pk}
    assert "Léa a 11 ans" in refusals[child.pk]
    assert "Jean habite Agen" in refusals[away.pk]
    assert "Rose a déjà un carnet" in refusals[holder.pk]


def test_pages_offer_no_second_carnet_and_link_the_one_in_progress(
    client, money_program, prescriber, advisor
):
    holder = _person(prescriber, advisor)
    carnet = _issue(money_program, holder, advisor, units=5).carnet
    newcomer = _person(prescriber, advisor, first_name="Paul")
    client.force_login(advisor)
    issue_link = "Remettre un carnet — Pass numérique test"
    page = client.get(f"/beneficiaires/personnes/{holder.pk}/").content.decode()
    assert issue_link not in page
    assert "Carnet en cours" in page and f'href="/carnets/{carnet.pk}/">n° {carnet.number}' in page
    assert issue_link in client.get(f"/beneficiaires/personnes/{newcomer.pk}/").content.decode()
    page = client.get(
        f"/carnets/remettre/{holder.pk}/?programme={money_program.pk}"
    ).content.decode()
    assert "Carnet en cours" in page and f"/carnets/{carnet.pk}/" in page
    assert "Remettre le carnet</button>" not in page
    page = client.get(
        f"/carnets/remettre/{newcomer.pk}/?programme={money_program.pk}"
    ).content.decode()
    assert "Remettre le carnet</button>" in page


def test_a_refusal_shows_on_the_issue_form_with_what_was_typed(
    client, money_program, prescriber, advisor
):
    _rules(money_program, min_age=18)
    child = _person(prescriber, advisor, birth_date=dt.date(2020, 5, 1), email="parent@example.org")
    client.force_login(advisor)
    page = client.get(f"/carnets/remettre/{child.pk}/").content.decode()
    assert "Léa a 6 ans" in page and "Remettre le carnet</button>" not in page
    response = client.post(
        f"/carnets/remettre/{child.pk}/",
        {"program": money_program.pk, "units": "5", "delivery": "email"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ce programme est réservé aux personnes de 18 ans et plus : Léa a 6 ans." in content
    assert 'value="5" selected' in content
    assert re.search(r'<input type="radio" name="delivery" value="email"[^>]* checked>', content)
    assert Carnet.objects.count() == 0


def test_batch_issuance_reports_who_may_not_receive_a_carnet_and_why(
    client, money_program, prescriber, advisor
):
    _rules(money_program, min_age=18)
    adult = _person(prescriber, advisor, first_name="Paul")
    child = _person(prescriber, advisor, birth_date=dt.date(2020, 5, 1))
    for person in (adult, child):
        diagnostic_record(
            actor=advisor, beneficiary=person, program=money_program, kind="entry", answers=ANSWERS
        )
    client.force_login(advisor)
    page = client.get(f"/carnets/lot/{prescriber.pk}/").content.decode()
    assert f'id="b-{adult.pk}"' in page and f'id="b-{child.pk}"' not in page
    assert "Ne peuvent pas recevoir de carnet Pass numérique test" in page
    assert "Léa a 6 ans" in page
    response = client.post(
        f"/carnets/lot/{prescriber.pk}/",
        {"program": money_program.pk, "beneficiaries": [adult.pk, child.pk]},
    )
    assert "1 carnets remis" in response.content.decode()
    assert list(Carnet.objects.values_list("beneficiary", flat=True)) == [adult.pk]
