import pytest

from accounts.enums import OrganisationKind as K
from places.models import Place


@pytest.fixture
def orientation_world(reunion_places, make_organisation, make_member):
    prescriber = make_organisation(name="CCAS test", kinds=(K.PRESCRIBER,))
    structure = make_organisation(name="Kaz test", kinds=(K.STRUCTURE,))
    other_structure = make_organisation(name="Autre structure", kinds=(K.STRUCTURE,))
    place = Place.objects.get(source_id="ultra-num-974-002")
    place.structure = structure
    place.save()
    other_place = Place.objects.get(source_id="ultra-num-974-083")
    other_place.structure = other_structure
    other_place.save()
    return {
        "prescriber": prescriber,
        "structure": structure,
        "place": place,
        "other_place": other_place,
        "advisor": make_member(prescriber),
        "mediator": make_member(structure),
        "other_mediator": make_member(other_structure),
    }
