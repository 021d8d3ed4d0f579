import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.models import QuerySet

from accounts import services as account_services
from accounts.enums import OrganisationKind, Role
from territories.services import communes_load

TEST_PASSWORD = "mot-de-passe-de-test-2026"

pytest_plugins = ["tests.fixtures_programs", "tests.fixtures_vouchers"]


# The tests' programs run through 2026: every test but the browser ones starts on this day
# (the clock then runs), so the suite gives the same results whenever it runs. Browser tests
# keep the real clock, since Chromium checks cookie expiry against it.
TEST_TODAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fixed_today(request):
    if "browser" in request.node.path.parts:
        yield
        return
    with time_machine.travel(TEST_TODAY, tick=True):
        yield


@pytest.fixture(autouse=True, scope="session")
def _strict_select_for_update():
    """select_for_update() joined with select_related() must say which rows it locks (of=...)."""
    original = QuerySet.select_for_update

    def strict(self, nowait=False, skip_locked=False, of=(), no_key=False):
        if self.query.select_related and not of:
            raise TypeError("select_for_update() avec select_related() doit préciser of=(...).")
        return original(self, nowait=nowait, skip_locked=skip_locked, of=of, no_key=no_key)

    QuerySet.select_for_update = strict
    yield
    QuerySet.select_for_update = original


@pytest.fixture(autouse=True, scope="session")
def _flush_past_append_only_tables():
    """Transactional tests empty the database between tests: let that flush pass the triggers."""
    from django.core.management.commands import flush
    from django.db import connections

    from core.db import append_only_suspended

    original = flush.Command.handle

    def handle(self, **options):
        with append_only_suspended(connections[options.get("database", "default")]):
            return original(self, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def communes(db):
    """Régions, départements and the communes of La Réunion (974) and Lot-et-Garonne (47)."""
    communes_load(departements=["974", "47"])


@pytest.fixture
def reunion_places(communes):
    """The 155 places of La Réunion, imported from the file the project ships."""
    from places.services import places_import
    from places.standard import REUNION_FILE

    return places_import(content=REUNION_FILE.read_bytes(), source="ultra-num")


@pytest.fixture
def make_organisation(db):
    counter = {"n": 0}

    def make(name=None, kinds=(OrganisationKind.STRUCTURE,), commune=None, rna=None):
        counter["n"] += 1
        return account_services.organisation_create(
            actor=None,
            name=name or f"Organisation {counter['n']}",
            kinds=list(kinds),
            rna=rna or f"W97400{counter['n']:04d}",
            commune=commune,
        )

    return make


@pytest.fixture
def make_member(db):
    counter = {"n": 0}

    def make(organisation, role=Role.MEMBER, email=None):
        counter["n"] += 1
        user = account_services.user_create(
            email=email or f"personne{counter['n']}@example.org",
            password=TEST_PASSWORD,
            first_name="Prénom",
            last_name=f"Nom{counter['n']}",
        )
        account_services.membership_create(
            actor=None, user=user, organisation=organisation, role=role
        )
        return user

    return make
