import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.enums import OrganisationKind as K
from beneficiaries.enums import ConsentMethod
from beneficiaries.services import beneficiary_create
from programs import services as program_services
from programs.enums import UnitKind
from territories.models import Commune
from tests.factories import AgreementFactory, CommitmentFactory, SessionFactory


@pytest.fixture
def prescriber(make_organisation):
    return make_organisation(name="France Travail test", kinds=(K.PRESCRIBER,))


@pytest.fixture
def advisor(prescriber, make_member):
    return make_member(prescriber)


def _fund(program, funder, funder_user, prescriber, cents=10_000_000, units=1000):
    CommitmentFactory(program=program, funder=funder, actor=funder_user, amount_cents=cents)
    program_services.quota_set(
        actor=funder_user, program=program, prescriber=prescriber, units=units
    )
    program.refresh_from_db()
    return program


@pytest.fixture
def hours_program(program, funder, funder_user, prescriber):
    """Kap Konèk.t: hours, carnets of 10, 10 hours a year, workshops of 5."""
    return _fund(program, funder, funder_user, prescriber)


@pytest.fixture
def money_program(make_program, funder, funder_user, prescriber):
    """A Pass numérique: 10 EUR vouchers, carnets of 5 or 10, at least 5 per person."""
    program = make_program(
        name="Pass numérique test",
        slug="pass-numerique-test",
        unit_kind=UnitKind.MONEY,
        unit_value_cents=1000,
        carnet_sizes=[5, 10],
        min_units_per_beneficiary=5,
        yearly_cap_units=None,
        time_zone="Europe/Paris",
    )
    return _fund(program, funder, funder_user, prescriber)


@pytest.fixture
def make_beneficiary(communes, prescriber, advisor):
    counter = {"n": 0}

    def make(first_name=None, last_name="Payet", organisation=None, **extra):
        counter["n"] += 1
        return beneficiary_create(
            actor=advisor,
            prescriber=organisation or prescriber,
            first_name=first_name or f"Marie{counter['n']}",
            last_name=last_name,
            birth_date=dt.date(1950, 1, counter["n"]),
            commune=Commune.objects.get(code="97410"),
            consent_method=ConsentMethod.ORAL,
            **extra,
        )

    return make


@pytest.fixture
def beneficiary(make_beneficiary):
    return make_beneficiary(first_name="Marie", phone="0692123456", email="marie@example.org")


@pytest.fixture
def make_agreement(funder_user):
    """An active agreement between a program and a structure, through a call and its review."""

    def make(program, structure):
        return AgreementFactory(
            program=program, structure=structure, accepted_by=funder_user, active=True
        )

    return make


@pytest.fixture
def kk(hours_program, structure, make_agreement, make_member):
    """Kap Konèk.t with the test structure under agreement and one of its mediators."""
    make_agreement(hours_program, structure)
    return {"program": hours_program, "structure": structure, "mediator": make_member(structure)}


def make_session(
    kk,
    *,
    when=None,
    day=3,
    hour=9,
    minutes=60,
    kind="individual",
    capacity=1,
    title="Atelier smartphone",
):
    return SessionFactory(
        structure=kk["structure"],
        program=kk["program"],
        mediator=kk["mediator"],
        kind=kind,
        title=title,
        starts_at=when or dt.datetime(2026, 12, day, hour, tzinfo=ZoneInfo("Indian/Reunion")),
        duration_minutes=minutes,
        capacity=capacity,
    )


def during(session, minutes: int = 5):
    """The clock moved into a session (attendance is taken only from its start)."""
    return time_machine.travel(session.starts_at + dt.timedelta(minutes=minutes), tick=True)
