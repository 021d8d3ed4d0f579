import pytest

from accounts.enums import OrganisationKind as K
from tests.controls.helpers import give_place


@pytest.fixture
def pass_structure(money_program, structure, make_agreement):
    """The test structure under agreement for the Pass numérique test (Europe/Paris)."""
    make_agreement(money_program, structure)
    return structure


@pytest.fixture
def make_agreed_structure(make_organisation, make_agreement):
    def make(program, name):
        organisation = give_place(make_organisation(name=name, kinds=(K.STRUCTURE,)))
        make_agreement(program, organisation)
        return organisation

    return make


@pytest.fixture
def operator_user(make_organisation, make_member):
    return make_member(make_organisation(name="Opérateur test", kinds=(K.OPERATOR,)))
