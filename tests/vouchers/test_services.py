"""vouchers.services: issuing carnets (sizes, caps, budget, the program's eligibility rules),
their codes, sending, opposition and expiry."""

import datetime as dt

import pytest
from django.db import connection

from accounts.enums import OrganisationKind as K
from beneficiaries.services import diagnostic_record
from core.sms import outbox
from programs import services as program_services
from programs.exceptions import BudgetExceeded
from programs.models import PrescriberQuota, Program
from territories.models import Commune
from tests.factories import CarnetFactory
from tests.vouchers.helpers import ANSWERS, new_person, set_rules, use_all_units
from vouchers import services
from vouchers.codes import serial_normalize
from vouchers.eligibility import age_on
from vouchers.enums import Delivery, UnitState
from vouchers.exceptions import VouchersError
from vouchers.models import Allowance, Carnet, Unit
from vouchers.pdf import balance_url


def test_a_child_gets_no_carnet_of_a_program_for_adults_and_nothing_is_kept(
    hours_program, prescriber, advisor
):
    set_rules(hours_program, min_age=18)
    child = new_person(prescriber, advisor, birth_date=dt.date(2020, 5, 1))
    with pytest.raises(VouchersError) as refused:
        CarnetFactory(program=hours_program, beneficiary=child)
    assert str(refused.value) == (
        "Ce programme est réservé aux personnes de 18 ans et plus : Léa a 6 ans."
    )
    hours_program.refresh_from_db()
    assert Carnet.objects.count() == 0 and hours_program.committed_cents == 0
    assert PrescriberQuota.objects.get(program=hours_program).units_issued == 0
    assert not Allowance.objects.filter(units_issued__gt=0).exists()
    adult = new_person(prescriber, advisor, first_name="Paul")
    assert CarnetFactory(program=hours_program, beneficiary=adult).carnet.units_count == 10


def test_age_is_counted_on_the_day_of_the_programs_time_zone(
    hours_program, prescriber, advisor, time_machine
):
    """25 November, 22:00 in Paris is already 26 November, 01:00 in La Réunion."""
    time_machine.move_to(dt.datetime(2026, 11, 25, 21, tzinfo=dt.UTC))
    person = new_person(prescriber, advisor, birth_date=dt.date(2008, 11, 26))
    assert age_on(person.birth_date, dt.date(2026, 11, 25)) == 17
    assert age_on(person.birth_date, dt.date(2026, 11, 26)) == 18
    set_rules(hours_program, min_age=18, time_zone="Europe/Paris")
    with pytest.raises(VouchersError, match="Léa a 17 ans"):
        CarnetFactory(program=hours_program, beneficiary=person)
    set_rules(hours_program, time_zone="Indian/Reunion")
    assert CarnetFactory(program=hours_program, beneficiary=person).carnet.beneficiary == person


def test_residence_in_the_programs_territory(hours_program, prescriber, advisor):
    set_rules(hours_program, residence_required=True)
    in_agen = new_person(prescriber, advisor, commune="47001")
    with pytest.raises(VouchersError) as refused:
        CarnetFactory(program=hours_program, beneficiary=in_agen)
    assert str(refused.value).startswith(
        "Kap Konèk.t 2026 est réservé aux habitants de son territoire : Léa habite Agen"
    )
    assert CarnetFactory(
        program=hours_program, beneficiary=new_person(prescriber, advisor, first_name="Paul")
    )
    hours_program.communes.add(Commune.objects.get(code="47001"))  # a commune in addition
    assert CarnetFactory(program=hours_program, beneficiary=in_agen).carnet.beneficiary == in_agen


def test_public_categories(money_program, prescriber, advisor):
    set_rules(money_program, eligible_categories=["job_seeker", "young_unqualified"])
    senior = new_person(prescriber, advisor, categories=["senior"])
    with pytest.raises(VouchersError) as refused:
        CarnetFactory(program=money_program, beneficiary=senior, units=5)
    assert str(refused.value) == (
        "Pass numérique test est réservé aux personnes dans l'une de ces situations : "
        "Demandeur d'emploi, Jeune sans qualification. La fiche de Léa n'indique aucune de ces "
        "situations."
    )
    with pytest.raises(VouchersError, match="situations"):
        CarnetFactory(
            program=money_program,
            beneficiary=new_person(prescriber, advisor, first_name="Sans"),
            units=5,
        )
    seeker = new_person(prescriber, advisor, first_name="Paul", categories=["senior", "job_seeker"])
    assert CarnetFactory(program=money_program, beneficiary=seeker, units=5).carnet.units_count == 5


def test_entry_diagnostic_of_the_same_program_first(
    money_program, hours_program, prescriber, advisor
):
    set_rules(money_program, entry_diagnostic_required=True)
    person = new_person(prescriber, advisor)
    diagnostic_record(
        actor=advisor, beneficiary=person, program=hours_program, kind="entry", answers=ANSWERS
    )
    with pytest.raises(VouchersError) as refused:
        CarnetFactory(program=money_program, beneficiary=person, units=5)
    assert str(refused.value) == (
        "Faites d'abord le diagnostic d'entrée de Léa pour Pass numérique test : "
        "il est obligatoire avant de remettre un carnet."
    )
    diagnostic_record(
        actor=advisor, beneficiary=person, program=money_program, kind="entry", answers=ANSWERS
    )
    assert (
        CarnetFactory(program=money_program, beneficiary=person, units=5).carnet.program
        == money_program
    )


def test_one_carnet_in_progress_per_person_and_program(
    money_program, hours_program, prescriber, advisor, make_organisation, make_member, funder_user
):
    person = new_person(prescriber, advisor)
    first = CarnetFactory(program=money_program, beneficiary=person, units=5).carnet
    with pytest.raises(VouchersError) as refused:
        CarnetFactory(program=money_program, beneficiary=person, units=10)
    assert str(refused.value).startswith(
        f"Léa a déjà un carnet Pass numérique test en cours (n° {first.number})."
    )
    assert (
        CarnetFactory(program=hours_program, beneficiary=person).carnet.program == hours_program
    )  # another one
    # The same person registered by another prescriber: same identity key, same refusal.
    other = make_organisation(kinds=(K.PRESCRIBER,))
    program_services.quota_set(actor=funder_user, program=money_program, prescriber=other, units=50)
    twin = new_person(other, make_member(other))
    with pytest.raises(VouchersError, match=f"n° {first.number}"):
        CarnetFactory(program=money_program, beneficiary=twin, units=5)
    # The replacement of a lost carnet is in progress too.
    replacement = services.carnet_oppose(
        actor=advisor, carnet=first, reason="perdu", delivery="paper"
    ).carnet
    with pytest.raises(VouchersError, match=f"n° {replacement.number}"):
        CarnetFactory(program=money_program, beneficiary=person, units=5)
    # Once every unit is used, a new carnet may be issued.
    use_all_units(replacement, other)
    assert (
        CarnetFactory(program=money_program, beneficiary=person, units=10).carnet.units_count == 10
    )
    assert Carnet.objects.filter(program=money_program).count() == 3


def test_the_yearly_cap_still_holds_once_the_first_carnet_is_used(
    hours_program, prescriber, advisor, structure
):
    person = new_person(prescriber, advisor)
    use_all_units(CarnetFactory(program=hours_program, beneficiary=person).carnet, structure)
    with pytest.raises(VouchersError, match="plafond est de 10"):
        CarnetFactory(program=hours_program, beneficiary=person)


def test_no_secret_code_is_stored_in_clear(client, money_program, beneficiary):
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary, units=10)
    secrets_in_clear = [code for _serial, code in issued.codes] + [
        issued.access_code,
        issued.link_token,
    ]
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump += [str(value) for row in cursor.fetchall() for value in row]
    text = "\n".join(dump)
    for secret in secrets_in_clear:
        assert secret not in text
        assert f"{secret[:4]}-{secret[4:]}" not in text


def test_one_wrong_digit_in_a_serial_is_caught_by_the_check_digit(money_program, beneficiary):
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    serial = issued.codes[0][0]
    assert serial_normalize(serial) == serial
    assert serial_normalize(serial.replace("-", "").lower()) == serial
    prefix, digits, check = serial.split("-")
    for position in range(len(digits)):
        for replacement in "0123456789":
            if replacement == digits[position]:
                continue
            wrong = digits[:position] + replacement + digits[position + 1 :]
            assert serial_normalize(f"{prefix}-{wrong}-{check}") is None


def test_serials_form_a_continuous_series(money_program, make_beneficiary):
    first = CarnetFactory(program=money_program, beneficiary=make_beneficiary())
    second = CarnetFactory(program=money_program, beneficiary=make_beneficiary(), units=10)
    numbers = [int(s.split("-")[1]) for s, _ in first.codes + second.codes]
    assert numbers == list(range(1, 16))


def test_issuance_checks_size_minimum_cap_and_budget(
    hours_program, money_program, beneficiary, funder_user
):
    with pytest.raises(VouchersError, match="5 ou 10"):
        CarnetFactory(program=money_program, beneficiary=beneficiary, units=3)
    CarnetFactory(program=hours_program, beneficiary=beneficiary)
    with pytest.raises(VouchersError, match="plafond est de 10"):
        CarnetFactory(program=hours_program, beneficiary=beneficiary)
    Program.objects.filter(pk=money_program.pk).update(
        funded_cents=money_program.committed_cents + 5000
    )
    money_program.refresh_from_db()
    with pytest.raises(BudgetExceeded):
        CarnetFactory(program=money_program, beneficiary=beneficiary, units=10)
    assert Carnet.objects.count() == 1


def test_digital_carnet_goes_by_sms_with_its_link(
    money_program, beneficiary, django_capture_on_commit_callbacks
):
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        issued = CarnetFactory(
            program=money_program, beneficiary=beneficiary, delivery=Delivery.SMS
        )
    assert outbox[-1]["to"] == "0692123456"
    assert balance_url(issued.link_token) in outbox[-1]["text"]
    assert issued.codes[0][0] in outbox[-1]["text"]


def test_opposition_then_reissue_keeps_remaining_units_and_validity(
    money_program, beneficiary, advisor, prescriber
):
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary, units=10)
    Unit.objects.filter(carnet=issued.carnet, position__lte=3).update(
        state=UnitState.CONSUMED,
        consumed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        consumed_by=prescriber,
    )
    money_program.refresh_from_db()
    committed_before = money_program.committed_cents
    with pytest.raises(VouchersError, match="pourquoi"):
        services.carnet_oppose(actor=advisor, carnet=issued.carnet, reason=" ", delivery="paper")
    new = services.carnet_oppose(
        actor=advisor, carnet=issued.carnet, reason="Carnet volé", delivery="paper"
    )
    old = Carnet.objects.get(pk=issued.carnet.pk)
    assert old.status == "opposed"
    assert new.carnet.units_count == 7 and len(new.codes) == 7
    assert (new.carnet.valid_until, new.carnet.accepted_until) == (
        old.valid_until,
        old.accepted_until,
    )
    assert new.carnet.replaces == old
    assert Unit.objects.filter(carnet=old, state=UnitState.CANCELLED).count() == 7
    kinds = sorted(
        Unit.objects.filter(carnet=old, position=10).get().events.values_list("kind", flat=True)
    )
    assert kinds == ["cancelled", "issued", "reissued"]
    money_program.refresh_from_db()
    assert money_program.committed_cents == committed_before
    with pytest.raises(VouchersError):
        services.carnet_oppose(actor=advisor, carnet=old, reason="encore", delivery="paper")


def test_expiry_gives_the_budget_back_with_a_frozen_clock(money_program, beneficiary, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC))
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    money_program.refresh_from_db()
    available_before = money_program.available_cents
    assert issued.carnet.valid_until == dt.date(2026, 12, 31)
    assert issued.carnet.accepted_until == dt.date(2027, 1, 31)
    time_machine.move_to(dt.datetime(2027, 1, 31, 20, tzinfo=dt.UTC))
    assert services.units_expire() == 0  # still accepted on 31 January
    time_machine.move_to(dt.datetime(2027, 2, 1, 8, tzinfo=dt.UTC))
    assert services.units_expire() == 5
    money_program.refresh_from_db()
    assert money_program.available_cents == available_before + 5000
    assert money_program.released_cents == 5000
    assert Carnet.objects.get().status == "expired"
    assert services.units_expire() == 0


def test_expiry_warning_at_j30_and_unused_follow_up(
    client,
    money_program,
    beneficiary,
    advisor,
    prescriber,
    funder_user,
    time_machine,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    time_machine.move_to(dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC))
    CarnetFactory(program=money_program, beneficiary=beneficiary)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expiry_warnings_send() == 0  # 31 December is more than 30 days away
    time_machine.move_to(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expiry_warnings_send() == 1
        assert services.expiry_warnings_send() == 0
    assert funder_user.email in mailoutbox[-1].to and "5 chèques" in mailoutbox[-1].body
    client.force_login(advisor)
    page = client.get(f"/carnets/suivi/{prescriber.pk}/", {"days": "20"}).content.decode()
    assert "Marie" in page


def test_sms_is_refused_when_no_provider_is_configured(money_program, beneficiary, settings):
    settings.PASSNUM_SMS_BACKEND = ""
    with pytest.raises(VouchersError, match="SMS n'est pas configuré"):
        CarnetFactory(program=money_program, beneficiary=beneficiary, delivery=Delivery.SMS)
