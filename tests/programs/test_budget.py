import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from accounts.enums import OrganisationKind as K
from core.models import AuditEntry
from programs import services
from programs.enums import FunderCategory
from programs.exceptions import BudgetExceeded, ProgramsError, QuotaExceeded
from programs.models import PrescriberQuota, Program
from programs.selectors import funding_shares


@pytest.fixture
def prescriber(make_organisation):
    return make_organisation(name="CCAS test", kinds=(K.PRESCRIBER,))


def _fund(program, funder, funder_user, cents):
    services.commitment_add(
        actor=funder_user,
        program=program,
        funder=funder,
        category=FunderCategory.REGION,
        amount_cents=cents,
    )


def test_reserve_takes_from_quota_and_budget(program, funder, funder_user, prescriber):
    _fund(program, funder, funder_user, 30_000)  # 10 hours at 30 EUR
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=20)
    assert services.budget_reserve(program=program, prescriber=prescriber, units=10) == 30_000
    program.refresh_from_db()
    assert (program.committed_cents, program.available_cents) == (30_000, 0)
    with pytest.raises(BudgetExceeded):
        services.budget_reserve(program=program, prescriber=prescriber, units=1)
    quota = PrescriberQuota.objects.get()
    assert quota.units_issued == 10  # the refused reservation took nothing from the quota


def test_quota_is_enforced(program, funder, funder_user, prescriber, make_organisation):
    _fund(program, funder, funder_user, 1_000_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=5)
    with pytest.raises(QuotaExceeded):
        services.budget_reserve(program=program, prescriber=prescriber, units=6)
    other = make_organisation(kinds=(K.PRESCRIBER,))
    with pytest.raises(QuotaExceeded):
        services.budget_reserve(program=program, prescriber=other, units=1)
    services.budget_reserve(program=program, prescriber=prescriber, units=5)
    with pytest.raises(ProgramsError, match="ne peut pas descendre"):
        services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=4)


def test_release_gives_budget_back(program, funder, funder_user, prescriber):
    _fund(program, funder, funder_user, 30_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=20)
    services.budget_reserve(program=program, prescriber=prescriber, units=10)
    services.budget_release(program=program, cents=9_000)
    program.refresh_from_db()
    assert (program.committed_cents, program.released_cents, program.available_cents) == (
        21_000,
        9_000,
        9_000,
    )


def test_database_refuses_issuing_beyond_budget(program):
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(committed_cents=1)


def test_state_share_is_capped(program, funder, funder_user, make_organisation):
    state = make_organisation(name="ANCT", kinds=(K.FUNDER,))
    _fund(program, funder, funder_user, 100_000)
    with pytest.raises(ProgramsError, match="dépasserait 50 %"):
        services.commitment_add(
            actor=funder_user,
            program=program,
            funder=state,
            category=FunderCategory.STATE,
            amount_cents=100_001,
            share_cap_bp=5000,
        )
    services.commitment_add(
        actor=funder_user,
        program=program,
        funder=state,
        category=FunderCategory.STATE,
        amount_cents=100_000,
        share_cap_bp=5000,
    )
    program.refresh_from_db()
    assert program.funded_cents == 200_000
    Program.objects.filter(pk=program.pk).update(consumed_cents=60_000)
    program.refresh_from_db()
    shares = {s.commitment.funder.name: s.callable_cents for s in funding_shares(program=program)}
    assert shares["ANCT"] == 30_000  # 50 % of the units actually used
    assert shares[funder.name] == 100_000
    assert AuditEntry.objects.filter(action="program.commitment_added").count() == 2


def _race(target, count):
    barrier = threading.Barrier(count)
    outcomes = []

    def run():
        close_old_connections()
        try:
            barrier.wait()
            with transaction.atomic():
                target()
            outcomes.append("ok")
        except (BudgetExceeded, QuotaExceeded) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issuances_beyond_the_budget_exactly_one_succeeds(
    program, funder, funder_user, prescriber
):
    _fund(program, funder, funder_user, 45_000)  # 15 hours
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=100)
    outcomes = _race(
        lambda: services.budget_reserve(program=program, prescriber=prescriber, units=10), 2
    )
    assert sorted(outcomes) == ["BudgetExceeded", "ok"]
    program.refresh_from_db()
    assert program.committed_cents == 30_000
    assert PrescriberQuota.objects.get().units_issued == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issuances_beyond_the_quota_exactly_one_succeeds(
    program, funder, funder_user, prescriber
):
    _fund(program, funder, funder_user, 10_000_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=15)
    outcomes = _race(
        lambda: services.budget_reserve(program=program, prescriber=prescriber, units=10), 2
    )
    assert sorted(outcomes) == ["QuotaExceeded", "ok"]
    program.refresh_from_db()
    assert program.committed_cents == 30_000
    assert PrescriberQuota.objects.get().units_issued == 10


def test_the_state_gets_its_cap_by_default(program, funder, funder_user, make_organisation):
    state = make_organisation(name="ANCT", kinds=(K.FUNDER,))
    _fund(program, funder, funder_user, 100_000)
    with pytest.raises(ProgramsError, match="dépasserait 50 %"):
        services.commitment_add(
            actor=funder_user,
            program=program,
            funder=state,
            category=FunderCategory.STATE,
            amount_cents=150_000,
        )
    commitment = services.commitment_add(
        actor=funder_user,
        program=program,
        funder=state,
        category=FunderCategory.STATE,
        amount_cents=100_000,
    )
    assert commitment.share_cap_bp == 5000


def test_the_service_holds_the_program_rules_whatever_calls_it(make_program):
    """The rules once in ProgramForm.clean live in program_create: a command or the API cannot
    skip them."""
    from programs.exceptions import ProgramsError

    cases = [
        ({"carnet_sizes": [20], "yearly_cap_units": 10}, "carnet_sizes"),
        ({"carnet_sizes": [5], "min_units_per_beneficiary": 10}, "carnet_sizes"),
        ({"hourly_rate_individual_cents": 0}, "hourly_rate_individual_cents"),
        ({"hourly_rate_collective_cents": 5000}, "hourly_rate_collective_cents"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"min_age": 300}, "min_age"),
    ]
    for overrides, field in cases:
        with pytest.raises(ProgramsError) as error:
            make_program(slug=f"p-{field}", **overrides)
        assert error.value.field == field, overrides
