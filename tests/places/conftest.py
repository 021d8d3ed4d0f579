import pytest

from accounts.enums import OrganisationKind as K
from places.models import Place


@pytest.fixture
def free_place(reunion_places):
    """A place of La Réunion that no structure holds."""
    return Place.objects.filter(structure__isnull=True).order_by("pk").first()


@pytest.fixture
def claimant_user(claimant, make_member):
    """A member of the structure that claims a place."""
    return make_member(claimant)


@pytest.fixture
def claimant(make_organisation):
    """A structure that claims a place of the directory."""
    return make_organisation(name="Association Ti Case", kinds=(K.STRUCTURE,))


@pytest.fixture
def operator(make_organisation, make_member):
    """A member of the operator, who decides on claims and on reports of errors."""
    return make_member(make_organisation(name="Opérateur test", kinds=(K.OPERATOR,)))
