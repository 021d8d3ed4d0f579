import datetime as dt

import pytest

from accounts.enums import OrganisationKind as K
from places.models import Place
from programs import services
from programs.enums import UnitKind, ValidityMode
from territories.models import Departement
from tests.factories import VALID_BIC, VALID_IBAN

__all__ = ["VALID_BIC", "VALID_IBAN"]


@pytest.fixture
def funder(make_organisation):
    return make_organisation(name="Région test", kinds=(K.FUNDER,))


@pytest.fixture
def funder_user(funder, make_member):
    return make_member(funder)


@pytest.fixture
def make_program(communes, funder, funder_user):
    def make(**overrides):
        fields = {
            "name": "Kap Konèk.t 2026",
            "slug": "kap-konekt-2026",
            "departements": [Departement.objects.get(code="974")],
            "unit_kind": UnitKind.HOURS,
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2026, 12, 31),
            "time_zone": "Indian/Reunion",
            "carnet_sizes": [10],
            "yearly_cap_units": 10,
            "max_group_size": 5,
            "validity_mode": ValidityMode.FIXED_END,
            "validity_end_on": dt.date(2026, 12, 31),
            "hourly_rate_individual_cents": 3000,
            "hourly_rate_collective_cents": 1000,
        } | overrides
        tracks = fields.pop(
            "tracks",
            [
                {"name": "Généraliste", "themes": "démarches, sécurité, communication"},
                {"name": "Continuité territoriale", "themes": "aide au voyage"},
            ],
        )
        return services.program_create(
            actor=funder_user, lead_funder=funder, tracks=tracks, **fields
        )

    return make


@pytest.fixture
def program(make_program):
    return make_program()


@pytest.fixture
def open_call(program, funder_user):
    call = services.call_create(
        actor=funder_user,
        program=program,
        title="Devenir partenaire",
        text="Texte de l'appel",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2030, 12, 31),
        criteria=[{"label": "Ancrage", "max_points": 10}, {"label": "Qualité", "max_points": 5}],
    )
    return services.call_publish(actor=funder_user, call=call)


@pytest.fixture
def structure(make_organisation, reunion_places):
    structure = make_organisation(name="Cyber-case test", kinds=(K.STRUCTURE,))
    Place.objects.filter(source_id__in=["ultra-num-974-132", "ultra-num-974-071"]).update(
        structure=structure
    )
    return structure


@pytest.fixture
def structure_user(structure, make_member):
    return make_member(structure)
