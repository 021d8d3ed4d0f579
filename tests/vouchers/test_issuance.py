import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.models import Beneficiary, Diagnostic
from core.sms import outbox
from programs.exceptions import BudgetExceeded
from tests.vouchers.helpers import (
    access_code_from_issued_page,
    codes_from_issued_page,
    pdf_from_issued_page,
    qr_texts,
)
from vouchers import services
from vouchers.codes import serial_normalize, token_hash
from vouchers.enums import Delivery, UnitState
from vouchers.exceptions import VouchersError
from vouchers.models import Carnet, Unit
from vouchers.pdf import balance_url, redemption_url

ANSWERS_BEGINNER = {f"skill_{key}": "0" for key, _label in DEFAULT_SKILLS}


def test_register_diagnose_issue_print_and_see_the_balance(
    client, money_program, prescriber, advisor
):
    client.force_login(advisor)
    response = client.post(
        f"/beneficiaires/organisations/{prescriber.pk}/personnes/nouvelle/",
        {
            "first_name": "Josiane",
            "last_name": "Hoarau",
            "birth_date": "1948-03-12",
            "commune": "97410",
            "phone": "0692 12 34 56",
            "email": "",
            "categories": ["senior"],
            "consent_method": "oral",
        },
    )
    beneficiary = Beneficiary.objects.get()
    assert response.url == f"/beneficiaires/personnes/{beneficiary.pk}/"
    assert beneficiary.phone == "0692123456"

    client.post(
        f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{money_program.pk}/",
        ANSWERS_BEGINNER | {"chosen_units": "", "override_reason": ""},
    )
    diagnostic = Diagnostic.objects.get()
    assert (diagnostic.level, diagnostic.chosen_units) == ("beginner", 10)

    page = client.get(f"/carnets/remettre/{beneficiary.pk}/?programme={money_program.pk}")
    assert 'value="10" selected' in page.content.decode()
    response = client.post(
        f"/carnets/remettre/{beneficiary.pk}/",
        {"program": money_program.pk, "units": "10", "delivery": "paper"},
    )
    content = response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    codes = codes_from_issued_page(content)
    assert len(codes) == 10
    carnet = Carnet.objects.get()
    pdf = pdf_from_issued_page(content)
    assert pdf.startswith(b"%PDF")
    texts = qr_texts(pdf)
    assert sorted(t for t in texts if "valider" in t) == sorted(redemption_url(s) for s, _ in codes)
    assert redemption_url(codes[0][0]).endswith(f"/accompagnements/valider/?serie={codes[0][0]}")
    balance_links = [t for t in texts if "/carnets/c/" in t]
    assert len(balance_links) == 1
    token = balance_links[0].rsplit("/c/", 1)[1].strip("/")
    assert token_hash(token) == carnet.link_token_hash

    client.logout()
    balance = client.get(balance_links[0].replace("http://127.0.0.1:8000", ""))
    assert "<strong>10</strong> chèques sur 10" in balance.content.decode()
    by_code = client.post(
        "/carnets/solde/", {"number": carnet.number, "code": access_code_from_issued_page(content)}
    )
    assert "Carnet de Josiane" in by_code.content.decode()
    wrong = client.post("/carnets/solde/", {"number": carnet.number, "code": "AAAA-AAAA"})
    assert "Numéro de carnet ou code incorrect" in wrong.content.decode()


def test_no_secret_code_is_stored_in_clear(client, money_program, beneficiary, advisor, prescriber):
    issued = services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=10,
        delivery=Delivery.PAPER,
    )
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


def test_one_wrong_digit_in_a_serial_is_caught_by_the_check_digit(
    money_program, beneficiary, advisor, prescriber
):
    issued = services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=5,
        delivery="paper",
    )
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


def test_serials_form_a_continuous_series(money_program, make_beneficiary, advisor, prescriber):
    first = services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=make_beneficiary(),
        program=money_program,
        units=5,
        delivery="paper",
    )
    second = services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=make_beneficiary(),
        program=money_program,
        units=10,
        delivery="paper",
    )
    numbers = [int(s.split("-")[1]) for s, _ in first.codes + second.codes]
    assert numbers == list(range(1, 16))


def test_issuance_checks_size_minimum_cap_and_budget(
    hours_program, money_program, beneficiary, advisor, prescriber, funder_user
):
    with pytest.raises(VouchersError, match="5 ou 10"):
        services.carnet_issue(
            actor=advisor,
            prescriber=prescriber,
            beneficiary=beneficiary,
            program=money_program,
            units=3,
            delivery="paper",
        )
    services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=hours_program,
        units=10,
        delivery="paper",
    )
    with pytest.raises(VouchersError, match="plafond est de 10"):
        services.carnet_issue(
            actor=advisor,
            prescriber=prescriber,
            beneficiary=beneficiary,
            program=hours_program,
            units=10,
            delivery="paper",
        )
    from programs.models import Program

    Program.objects.filter(pk=money_program.pk).update(
        funded_cents=money_program.committed_cents + 5000
    )
    money_program.refresh_from_db()
    with pytest.raises(BudgetExceeded):
        services.carnet_issue(
            actor=advisor,
            prescriber=prescriber,
            beneficiary=beneficiary,
            program=money_program,
            units=10,
            delivery="paper",
        )
    assert Carnet.objects.count() == 1


def test_digital_carnet_goes_by_sms_with_its_link(
    money_program, beneficiary, advisor, prescriber, django_capture_on_commit_callbacks
):
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.carnet_issue(
            actor=advisor,
            prescriber=prescriber,
            beneficiary=beneficiary,
            program=money_program,
            units=5,
            delivery=Delivery.SMS,
        )
    assert outbox[-1]["to"] == "0692123456"
    assert balance_url(issued.link_token) in outbox[-1]["text"]
    assert issued.codes[0][0] in outbox[-1]["text"]


def test_opposition_then_reissue_keeps_remaining_units_and_validity(
    money_program, beneficiary, advisor, prescriber
):
    issued = services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=10,
        delivery="paper",
    )
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


def test_expiry_gives_the_budget_back_with_a_frozen_clock(
    money_program, beneficiary, advisor, prescriber, time_machine
):
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC))
    issued = services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=5,
        delivery="paper",
    )
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
    services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=5,
        delivery="paper",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expiry_warnings_send() == 0  # 31 December is more than 30 days away
    time_machine.move_to(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expiry_warnings_send() == 1
        assert services.expiry_warnings_send() == 0
    assert funder_user.email in mailoutbox[-1].to and "5 unités" in mailoutbox[-1].body
    client.force_login(advisor)
    page = client.get(f"/carnets/suivi/{prescriber.pk}/", {"days": "20"}).content.decode()
    assert "Marie" in page


def test_duplicate_is_proposed_and_records_stay_with_their_prescriber(
    client, beneficiary, advisor, prescriber, make_organisation, make_member
):
    client.force_login(advisor)
    data = {
        "first_name": "MARIE",
        "last_name": "payet",
        "birth_date": beneficiary.birth_date.isoformat(),
        "commune": "97410",
        "consent_method": "paper",
    }
    response = client.post(
        f"/beneficiaires/organisations/{prescriber.pk}/personnes/nouvelle/", data
    )
    content = response.content.decode()
    assert "peut-être déjà inscrite" in content
    assert reverse("beneficiaries:beneficiary_detail", args=[beneficiary.pk]) in content
    assert Beneficiary.objects.count() == 1
    client.post(
        f"/beneficiaires/organisations/{prescriber.pk}/personnes/nouvelle/",
        data | {"confirm_new": "on"},
    )
    assert Beneficiary.objects.count() == 2
    other = make_member(make_organisation(kinds=("prescriber",)))
    client.force_login(other)
    assert client.get(f"/beneficiaires/personnes/{beneficiary.pk}/").status_code == 403
    assert client.get(f"/carnets/remettre/{beneficiary.pk}/").status_code == 403


def test_changing_the_recommendation_needs_a_reason(client, money_program, beneficiary, advisor):
    client.force_login(advisor)
    url = f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{money_program.pk}/"
    response = client.post(url, ANSWERS_BEGINNER | {"chosen_units": "5", "override_reason": ""})
    assert "Expliquez pourquoi" in response.content.decode()
    client.post(
        url, ANSWERS_BEGINNER | {"chosen_units": "5", "override_reason": "Ne peut venir que 5 fois"}
    )
    assert Diagnostic.objects.get().chosen_units == 5


def test_the_daily_command_expires_units(
    money_program, beneficiary, advisor, prescriber, time_machine
):
    import io

    from django.core.management import call_command

    time_machine.move_to(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC))
    services.carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=5,
        delivery="paper",
    )
    time_machine.move_to(dt.datetime(2027, 2, 2, 10, tzinfo=dt.UTC))
    out = io.StringIO()
    call_command("vouchers_daily", stdout=out)
    assert "Unités expirées : 5" in out.getvalue()
    assert Unit.objects.filter(state=UnitState.ISSUED).count() == 5  # dry run by default
    call_command("vouchers_daily", "--wet-run", stdout=io.StringIO())
    assert Unit.objects.filter(state=UnitState.EXPIRED).count() == 5


def test_batch_issuance_gives_one_pdf(
    client, money_program, make_beneficiary, advisor, prescriber, monkeypatch
):
    from beneficiaries.services import diagnostic_record

    people = [make_beneficiary() for _ in range(3)]
    answers = dict.fromkeys((key for key, _label in DEFAULT_SKILLS), 1)
    for person in people:
        diagnostic_record(
            actor=advisor, beneficiary=person, program=money_program, kind="entry", answers=answers
        )
    client.force_login(advisor)
    page = client.get(f"/carnets/lot/{prescriber.pk}/").content.decode()
    assert all(p.first_name in page for p in people)
    response = client.post(
        f"/carnets/lot/{prescriber.pk}/",
        {"program": money_program.pk, "beneficiaries": [people[0].pk, people[1].pk]},
    )
    content = response.content.decode()
    assert "2 carnets remis" in content
    assert (
        len([t for t in qr_texts(pdf_from_issued_page(content)) if "valider" in t])
        == 2 * Carnet.objects.first().units_count
    )
    monkeypatch.setattr("vouchers.views.BATCH_PAGE_MAX", 0)
    response = client.post(
        f"/carnets/lot/{prescriber.pk}/",
        {"program": money_program.pk, "beneficiaries": [people[2].pk]},
    )
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert Carnet.objects.count() == 3


def test_list_pages_query_count_does_not_grow(
    client, make_beneficiary, advisor, prescriber, django_assert_max_num_queries
):
    for _ in range(3):
        make_beneficiary()
    client.force_login(advisor)
    url = f"/beneficiaires/organisations/{prescriber.pk}/personnes/"
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(20):
        make_beneficiary()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_digital_carnet_for_someone_without_a_phone_leaves_nothing_behind(
    client, money_program, make_beneficiary, advisor
):
    person = make_beneficiary()
    client.force_login(advisor)
    response = client.post(
        f"/carnets/remettre/{person.pk}/",
        {"program": money_program.pk, "units": "10", "delivery": "sms"},
    )
    assert "Aucun téléphone portable" in response.content.decode()
    money_program.refresh_from_db()
    assert (Carnet.objects.count(), money_program.committed_cents) == (0, 0)
    from programs.models import PrescriberQuota
    from vouchers.models import Allowance

    assert PrescriberQuota.objects.get(program=money_program).units_issued == 0
    assert not Allowance.objects.filter(units_issued__gt=0).exists()
