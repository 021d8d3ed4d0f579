import datetime as dt

import pytest

from accompaniments import services as counter
from settlement.enums import LineStatus
from settlement.models import PricingLine
from vouchers.services import carnet_issue


@pytest.fixture
def agreed(money_program, structure, make_agreement):
    make_agreement(money_program, structure)
    return structure


@pytest.fixture
def use_vouchers(money_program, agreed, advisor, prescriber, make_beneficiary):
    """Issues a carnet of 5 vouchers to a new person and uses `count` of them at the
    structure; returns the issued carnet."""

    def use(count=3):
        issued = carnet_issue(
            actor=advisor,
            prescriber=prescriber,
            beneficiary=make_beneficiary(),
            program=money_program,
            units=5,
            delivery="paper",
        )
        for serial, code in issued.codes[:count]:
            assert counter.unit_consume(actor=None, structure=agreed, serial=serial, code=code).ok
        return issued

    return use


def accept_all():
    """What an operator does after the controls: every held line is accepted."""
    PricingLine.objects.exclude(status=LineStatus.REJECTED).update(status=LineStatus.ACCEPTED)


TODAY = dt.date(2026, 11, 25)
