"""The budget and quotas under concurrent issuances (PostgreSQL)."""

import pytest
from django.db import transaction

from programs import services
from programs.exceptions import BudgetExceeded, ProgramsError, QuotaExceeded
from programs.models import PrescriberQuota, Program
from tests.concurrency import race
from tests.factories import CommitmentFactory


def _reserve_10_units(program, prescriber) -> str:
    """10 units reserved in a transaction: "ok", or the name of the refusal."""
    try:
        with transaction.atomic():
            services.budget_reserve(program=program, prescriber=prescriber, units=10)
    except (BudgetExceeded, QuotaExceeded, ProgramsError) as error:
        return type(error).__name__
    return "ok"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issuances_beyond_the_budget_exactly_one_succeeds(
    program, funder_user, prescriber
):
    CommitmentFactory(program=program, amount_cents=45_000)  # 15 hours
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=100)
    outcomes = race([lambda: _reserve_10_units(program, prescriber)] * 2)
    assert sorted(outcomes) == ["BudgetExceeded", "ok"]
    program.refresh_from_db()
    assert program.committed_cents == 30_000
    assert PrescriberQuota.objects.get().units_issued == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issuances_beyond_the_quota_exactly_one_succeeds(
    program, funder_user, prescriber
):
    CommitmentFactory(program=program, amount_cents=10_000_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=15)
    outcomes = race([lambda: _reserve_10_units(program, prescriber)] * 2)
    assert sorted(outcomes) == ["QuotaExceeded", "ok"]
    program.refresh_from_db()
    assert program.committed_cents == 30_000
    assert PrescriberQuota.objects.get().units_issued == 10


def _change_the_rate(program, funder_user) -> str:
    try:
        services.program_update(
            actor=funder_user, program=program, hourly_rate_individual_cents=3500
        )
    except ProgramsError:
        return "settings refused"
    return "settings changed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_settings_change_racing_the_first_carnet_never_leaves_a_carnet_at_the_old_rate(
    program, funder_user, prescriber
):
    CommitmentFactory(program=program, amount_cents=10_000_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=100)
    stale = Program.objects.get(pk=program.pk)  # what the issuing page read
    outcomes = race(
        [
            lambda: _reserve_10_units(stale, prescriber),
            lambda: _change_the_rate(Program.objects.get(pk=program.pk), funder_user),
        ]
    )
    program.refresh_from_db()
    if "settings changed" in outcomes:
        # The carnet made at 30 EUR an hour was refused; none is issued at the old rate.
        assert sorted(outcomes) == ["ProgramsError", "settings changed"]
        assert (program.hourly_rate_individual_cents, program.committed_cents) == (3500, 0)
    else:
        assert sorted(outcomes) == ["ok", "settings refused"]
        assert (program.hourly_rate_individual_cents, program.committed_cents) == (3000, 30_000)


def test_a_carnet_prepared_before_a_settings_change_is_not_issued(program, funder_user, prescriber):
    CommitmentFactory(program=program, amount_cents=10_000_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=100)
    stale = Program.objects.get(pk=program.pk)
    services.program_update(actor=funder_user, program=program, hourly_rate_individual_cents=3500)
    assert _reserve_10_units(stale, prescriber) == "ProgramsError"
    assert _reserve_10_units(Program.objects.get(pk=program.pk), prescriber) == "ok"
