"""The budget and quotas under concurrent issuances (PostgreSQL)."""

import pytest
from django.db import transaction

from programs import services
from programs.exceptions import BudgetExceeded, QuotaExceeded
from programs.models import PrescriberQuota
from tests.concurrency import race
from tests.factories import CommitmentFactory


def _reserve_10_units(program, prescriber) -> str:
    """10 units reserved in a transaction: "ok", or the name of the refusal."""
    try:
        with transaction.atomic():
            services.budget_reserve(program=program, prescriber=prescriber, units=10)
    except (BudgetExceeded, QuotaExceeded) as error:
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
