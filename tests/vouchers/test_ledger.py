"""vouchers.ledger and the counters of wrong secret codes (per unit, per structure, per
carnet)."""

import threading

import pytest
from django.db import close_old_connections, connection

from accompaniments.enums import ConsumeOutcome as O
from accompaniments.services import unit_consume
from vouchers import ledger
from vouchers.exceptions import VouchersError
from vouchers.models import Carnet, CodeGuard, Unit, UnitEvent
from vouchers.services import carnet_issue, carnet_open


@pytest.fixture
def voucher(money_program, structure, make_agreement, beneficiary, advisor, prescriber):
    make_agreement(money_program, structure)
    return carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=5,
        delivery="paper",
    )


def test_a_structure_without_agreement_touches_no_counter_and_learns_nothing(
    voucher, structure, make_organisation
):
    stranger = make_organisation(name="Sans convention")
    serial, code = voucher.codes[0]
    for _ in range(6):
        foreign = unit_consume(actor=None, structure=stranger, serial=serial, code="AAAA-AAAA")
    assert foreign.outcome == O.NOT_HERE
    assert Unit.objects.get(serial=serial).failed_attempts == 0
    assert not UnitEvent.objects.filter(kind__in=["wrong_code", "blocked"]).exists()
    assert not CodeGuard.objects.filter(organisation=stranger).exists()
    from vouchers.codes import serial_format

    prefix, number = serial.split("-")[0], int(serial.split("-")[1]) + 1000
    missing = unit_consume(
        actor=None, structure=stranger, serial=serial_format(prefix, number), code="AAAA-AAAA"
    )
    assert (missing.outcome, missing.message) == (foreign.outcome, foreign.message)
    used = unit_consume(actor=None, structure=structure, serial=serial, code=code)
    assert used.outcome == O.CONSUMED  # still usable by the agreed structure


def test_wrong_codes_are_counted_per_unit_and_per_structure(voucher, structure, monkeypatch):
    monkeypatch.setattr(ledger, "MAX_WRONG_CODES_PER_ORGANISATION", 7)
    answers = []
    for serial, _code in voucher.codes[:2]:
        for _ in range(4):
            answers.append(
                unit_consume(actor=None, structure=structure, serial=serial, code="AAAA-AAAA")
            )
    assert [a.outcome for a in answers[:6]] == [O.WRONG_CODE] * 6
    assert answers[6].outcome == O.BLOCKED  # the structure's seventh wrong code
    serial, code = voucher.codes[2]
    blocked = unit_consume(actor=None, structure=structure, serial=serial, code=code)
    assert blocked.outcome == O.BLOCKED and "votre structure" in blocked.message
    assert CodeGuard.objects.get(organisation=structure).blocked_until is not None


def test_five_wrong_codes_block_a_carnet(voucher):
    number = voucher.carnet.number
    for _ in range(5):
        with pytest.raises(VouchersError, match="incorrect"):
            carnet_open(number=number, code="AAAA-AAAA")
    with pytest.raises(VouchersError, match="Trop d'essais"):
        carnet_open(number=number, code=voucher.access_code)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_tries_tests_no_more_than_five_codes(voucher):
    number = voucher.carnet.number
    barrier = threading.Barrier(24)
    outcomes = []

    def attempt(code):
        close_old_connections()
        try:
            barrier.wait()
            carnet_open(number=number, code=code)
            outcomes.append("opened")
        except VouchersError as error:
            outcomes.append("blocked" if "Trop" in str(error) else "wrong")
        finally:
            connection.close()

    codes = ["AAAA-AAAA"] * 23 + [voucher.access_code]
    threads = [threading.Thread(target=attempt, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("wrong") <= 5  # no more than five codes were tried
    assert Carnet.objects.get(pk=voucher.carnet.pk).access_blocked_until is not None


@pytest.mark.parametrize(
    "typed",
    ["{number}", "{lower}", "{compact}", " {spaced} ", "{lower_compact}"],
)
def test_the_carnet_number_is_read_with_or_without_dashes_spaces_and_capitals(voucher, typed):
    number = voucher.carnet.number
    prefix, serial = number.split("-")
    variants = {
        "number": number,
        "lower": number.lower(),
        "compact": number.replace("-", ""),
        "spaced": f"{prefix} - {serial[0]} {serial[1:4]} {serial[4:]}",
        "lower_compact": number.replace("-", "").lower(),
    }
    code = voucher.access_code.lower().replace("-", " ")
    assert carnet_open(number=typed.format(**variants), code=code) == voucher.carnet


def test_carnet_number_normalize():
    from vouchers.codes import carnet_number_normalize

    assert carnet_number_normalize("pn26-c000012") == "PN26-C000012"
    assert carnet_number_normalize("PN26 C 12") == "PN26-C000012"  # zeros left out
    assert carnet_number_normalize("pn26-co00012") == "PN26-C000012"  # letter O for a zero
    assert carnet_number_normalize("ABCC000012") == "ABC-C000012"
    assert carnet_number_normalize("n'importe quoi") == "N'IMPORTEQUOI"
