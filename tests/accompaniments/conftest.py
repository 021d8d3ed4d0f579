import pytest

from tests.factories import CarnetFactory


@pytest.fixture
def agreed_money_structure(money_program, structure, make_agreement):
    make_agreement(money_program, structure)
    return structure


@pytest.fixture
def voucher_setup(money_program, agreed_money_structure, beneficiary):
    """Five vouchers of 10 EUR that the agreed structure may take."""
    return CarnetFactory(program=money_program, beneficiary=beneficiary)
