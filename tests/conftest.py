import contextvars
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Random
from django.db.models.sql.compiler import SQLCompiler

from accounts import services as account_services
from accounts.enums import OrganisationKind, Role
from territories.models import Commune
from territories.services import communes_load
from tests.factories import MemberFactory

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


_in_compound_query = contextvars.ContextVar("in_compound_query", default=False)


def _order_is_undefined(compiler) -> bool:
    """No ORDER BY would be written (neither order_by() nor Meta.ordering), where one matters."""
    query = compiler.query
    if query.model is None:
        return False  # a constraint checked by full_clean(): one value, no rows to order
    if query.extra_order_by or query.order_by or not query.default_ordering:
        # Ordered, or ordering cleared by Django because it is meaningless: exists(), count(),
        # aggregate(), a subquery that is not sliced, order_by() with no field.
        return False
    meta = query.get_meta()
    if meta is not None and meta.ordering:
        return False
    # DISTINCT wants its ORDER BY in the select list (PostgreSQL); the queries of a UNION take
    # no ORDER BY (SQLite); an unsliced subquery's order means nothing.
    return not (
        query.distinct
        or query.combinator
        or (query.subquery and not query.is_sliced)
        or _in_compound_query.get()
    )


@pytest.fixture(autouse=True, scope="session")
def _unordered_queries_in_random_order():
    """A SELECT with no order gets ORDER BY RANDOM(), as les emplois de l'inclusion does in its
    tests: a test, or code, relying on the order the database happens to return fails."""
    order_by_pairs = SQLCompiler._order_by_pairs
    get_combinator_sql = SQLCompiler.get_combinator_sql

    def shuffled_order_by_pairs(self):
        yield from order_by_pairs(self)
        if _order_is_undefined(self):
            yield OrderBy(Random()), False

    def combinator_sql(self, combinator, all):
        token = _in_compound_query.set(True)
        try:
            return get_combinator_sql(self, combinator, all)
        finally:
            _in_compound_query.reset(token)

    SQLCompiler._order_by_pairs = shuffled_order_by_pairs
    SQLCompiler.get_combinator_sql = combinator_sql
    yield
    SQLCompiler._order_by_pairs = order_by_pairs
    SQLCompiler.get_combinator_sql = get_combinator_sql


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


TEST_DEPARTEMENTS = ("974", "47")
_communes_loaded = {"count": 0}


def _communes_ensure() -> None:
    """Loads the test communes unless they are all there (a cheap count)."""
    test_communes = Commune.objects.filter(departement_id__in=TEST_DEPARTEMENTS)
    if _communes_loaded["count"] and test_communes.count() == _communes_loaded["count"]:
        return
    communes_load(departements=TEST_DEPARTEMENTS)
    _communes_loaded["count"] = test_communes.count()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the communes loaded once for the session. A transactional test
    empties the database when it ends (flush): the communes are loaded again right after."""
    from django.core.management.commands import flush

    with django_db_blocker.unblock():
        _communes_ensure()
    original = flush.Command.handle

    def handle(self, **options):
        result = original(self, **options)
        _communes_ensure()
        return result

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture
def communes(db):
    """Régions, départements and the communes of La Réunion (974) and Lot-et-Garonne (47),
    loaded once for the session (django_db_setup), loaded again only if they are missing."""
    _communes_ensure()


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
    def make(organisation, role=Role.MEMBER, email=None):
        extra = {"email": email} if email else {}
        return MemberFactory(organisation=organisation, role=role, **extra)

    return make
