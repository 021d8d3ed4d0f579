import pytest

from accounts.enums import OrganisationKind as K
from places.models import Place


@pytest.fixture
def other_structure(make_organisation, reunion_places):
    other = make_organisation(name="Autre structure", kinds=(K.STRUCTURE,))
    Place.objects.filter(source_id="ultra-num-974-001").update(structure=other)
    return other
