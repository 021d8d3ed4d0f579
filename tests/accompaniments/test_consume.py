import datetime as dt
import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from accompaniments import services
from core.models import IdempotencyRecord
from places.models import Place
from programs.models import Program
from vouchers.enums import UnitState
from vouchers.models import Unit, UnitEvent
from vouchers.services import carnet_issue, carnet_oppose


@pytest.fixture
def voucher_setup(money_program, agreed_money_structure, beneficiary, advisor, prescriber):
    issued = carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=5,
        delivery="paper",
    )
    return issued


@pytest.fixture
def agreed_money_structure(money_program, structure, make_agreement):
    make_agreement(money_program, structure)
    return structure


def _consume(structure, issued, index=0, **kwargs):
    serial, code = issued.codes[index]
    return services.unit_consume(
        actor=None, structure=structure, serial=serial, code=code, **kwargs
    )


def test_a_voucher_is_tested_then_used_once(voucher_setup, agreed_money_structure, money_program):
    tested = _consume(agreed_money_structure, voucher_setup, test=True)
    assert tested.outcome == "valid" and "Rien n'a été utilisé" in tested.message
    assert Unit.objects.filter(state=UnitState.CONSUMED).count() == 0
    used = _consume(agreed_money_structure, voucher_setup)
    assert used.outcome == "consumed" and used.value_cents == 1000
    again = _consume(agreed_money_structure, voucher_setup)
    assert again.outcome == "already_used" and again.message.startswith("Déjà utilisé le ")
    money_program.refresh_from_db()
    assert (money_program.consumed_cents, money_program.committed_cents) == (1000, 4000)
    unit = Unit.objects.get(serial=voucher_setup.codes[0][0])
    assert list(unit.events.values_list("kind", flat=True)) == ["issued", "consumed"]


def test_messages_for_wrong_serial_other_structure_opposed_and_expired(
    voucher_setup, agreed_money_structure, make_organisation, advisor, time_machine
):
    serial, code = voucher_setup.codes[1]
    wrong_digit = serial[:-3] + str((int(serial[-3]) + 1) % 10) + serial[-2:]
    assert (
        "invalide"
        in services.unit_consume(
            actor=None, structure=agreed_money_structure, serial=wrong_digit, code=code
        ).message
    )
    elsewhere = make_organisation(kinds=("structure",))
    answer = services.unit_consume(actor=None, structure=elsewhere, serial=serial, code=code)
    assert answer.outcome == "not_here" and "Pas valable dans votre structure" in answer.message
    time_machine.move_to(dt.datetime(2027, 2, 2, 9, tzinfo=dt.UTC))
    assert _consume(agreed_money_structure, voucher_setup, 1).outcome == "expired"
    time_machine.move_to(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    carnet_oppose(actor=advisor, carnet=voucher_setup.carnet, reason="perdu", delivery="paper")
    answer = _consume(agreed_money_structure, voucher_setup, 1)
    assert answer.outcome == "cancelled" and "perdu ou volé" in answer.message


def test_wrong_codes_block_the_voucher_for_15_minutes(
    client, voucher_setup, agreed_money_structure, time_machine, make_organisation, make_member
):
    operator_user = make_member(make_organisation(kinds=("operator",)))
    time_machine.move_to(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    serial, code = voucher_setup.codes[2]
    for _attempt in range(4):
        answer = services.unit_consume(
            actor=None, structure=agreed_money_structure, serial=serial, code="ZZZZZZZZ"
        )
        assert answer.outcome == "wrong_code"
    answer = services.unit_consume(
        actor=None, structure=agreed_money_structure, serial=serial, code="ZZZZZZZZ"
    )
    assert answer.outcome == "blocked"
    assert (
        services.unit_consume(
            actor=None, structure=agreed_money_structure, serial=serial, code=code
        ).outcome
        == "blocked"
    )
    assert UnitEvent.objects.filter(kind="blocked").count() == 1
    client.force_login(operator_user)
    page = client.get("/carnets/bloques/").content.decode()
    assert serial in page and "oui, jusqu" in page
    client.force_login(make_member(agreed_money_structure))
    assert client.get("/carnets/bloques/").status_code == 403
    time_machine.move_to(dt.datetime(2026, 11, 25, 9, 16, tzinfo=dt.UTC))
    assert (
        services.unit_consume(
            actor=None, structure=agreed_money_structure, serial=serial, code=code
        ).outcome
        == "consumed"
    )


def test_a_replayed_idempotency_key_returns_the_first_answer(voucher_setup, agreed_money_structure):
    first = _consume(agreed_money_structure, voucher_setup, 3, idempotency_key="cle-1")
    replay = _consume(agreed_money_structure, voucher_setup, 3, idempotency_key="cle-1")
    assert first == replay and first.outcome == "consumed"
    assert UnitEvent.objects.filter(kind="consumed").count() == 1
    assert IdempotencyRecord.objects.count() == 1
    other_key = _consume(agreed_money_structure, voucher_setup, 3, idempotency_key="cle-2")
    assert other_key.outcome == "already_used"


def test_the_database_refuses_a_consumed_unit_without_who_and_when(voucher_setup):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(serial=voucher_setup.codes[0][0]).update(state=UnitState.CONSUMED)


def test_the_redemption_page_tests_and_uses_a_voucher(
    client, voucher_setup, agreed_money_structure, make_member
):
    client.force_login(make_member(agreed_money_structure))
    serial, code = voucher_setup.codes[4]
    place = Place.objects.filter(structure=agreed_money_structure).first()
    record = {
        "place": place.pk,
        "kind": "individual",
        "duration": "45",
        "themes": ["Aide aux démarches administratives"],
    }
    page = client.get(f"/accompagnements/valider/?serie={serial}").content.decode()
    assert f'value="{serial}"' in page
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    tested = client.post(
        "/accompagnements/valider/",
        {"serial": serial, "code": code.lower(), "idempotency_key": key, "action": "test"} | record,
    )
    assert "Chèque valable" in tested.content.decode()
    used = client.post(
        "/accompagnements/valider/",
        {"serial": serial, "code": code, "idempotency_key": key, "action": "consume"} | record,
    )
    assert "Chèque utilisé" in used.content.decode()
    replay = client.post(
        "/accompagnements/valider/",
        {"serial": serial, "code": code, "idempotency_key": key, "action": "consume"} | record,
    )
    assert "Chèque utilisé" in replay.content.decode()
    assert UnitEvent.objects.filter(kind="consumed").count() == 1
    dashboard = client.get(
        f"/accompagnements/structure/{agreed_money_structure.pk}/"
    ).content.decode()
    assert "10,00" in dashboard


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_20_concurrent_consumptions_of_one_unit_exactly_one_succeeds(
    voucher_setup, agreed_money_structure
):
    serial, code = voucher_setup.codes[0]
    barrier = threading.Barrier(20)
    outcomes = []

    def run():
        close_old_connections()
        try:
            barrier.wait()
            outcomes.append(
                services.unit_consume(
                    actor=None, structure=agreed_money_structure, serial=serial, code=code
                ).outcome
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_used"] * 19 + ["consumed"]
    assert UnitEvent.objects.filter(kind="consumed").count() == 1
    program = Program.objects.get(pk=voucher_setup.carnet.program_id)
    assert program.consumed_cents == 1000


def test_a_wrong_code_then_the_right_one_with_the_same_key(voucher_setup, agreed_money_structure):
    serial, code = voucher_setup.codes[0]
    wrong = services.unit_consume(
        actor=None,
        structure=agreed_money_structure,
        serial=serial,
        code="ZZZZZZZZ",
        idempotency_key="k",
    )
    assert wrong.outcome == "wrong_code"
    right = services.unit_consume(
        actor=None, structure=agreed_money_structure, serial=serial, code=code, idempotency_key="k"
    )
    assert right.outcome == "consumed"
    replay = services.unit_consume(
        actor=None, structure=agreed_money_structure, serial=serial, code=code, idempotency_key="k"
    )
    assert replay == right


def test_the_tolerance_month_is_honoured(
    voucher_setup, agreed_money_structure, money_program, time_machine
):
    """Valid to 31/12, still accepted to 31/01: the agreement covers that month too."""
    carnet = voucher_setup.carnet
    assert (carnet.valid_until, carnet.accepted_until) == (
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 31),
    )
    paris = dt.timezone(dt.timedelta(hours=1))
    time_machine.move_to(dt.datetime(2026, 12, 20, 12, tzinfo=paris))
    assert _consume(agreed_money_structure, voucher_setup, 0).outcome == "consumed"
    time_machine.move_to(dt.datetime(2027, 1, 15, 12, tzinfo=paris))
    assert _consume(agreed_money_structure, voucher_setup, 1).outcome == "consumed"
    time_machine.move_to(dt.datetime(2027, 2, 1, 12, tzinfo=paris))
    refused = _consume(agreed_money_structure, voucher_setup, 2)
    assert refused.outcome == "expired"
    assert refused.message == (
        "Chèque expiré : il était valable jusqu'au 31/12/2026 et accepté jusqu'au 31/01/2027."
    )
