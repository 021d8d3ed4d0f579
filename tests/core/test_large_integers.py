"""Amounts beyond 2**31 cents (21.4 million euros: a national program's budget) go to the
database whole, on SQLite and PostgreSQL, and a value too large for an integer column is
refused by the database, never wrapped into another number."""

import pytest
from django.db import DataError, connection, transaction
from django.db.models import F

from programs import services
from programs.models import Program

BUDGET = 2_400_000_000  # 24 million euros, in cents


def test_a_budget_over_21_million_euros_is_recorded_whole(program, funder, funder_user):
    services.commitment_add(
        actor=funder_user, program=program, funder=funder, category="region", amount_cents=BUDGET
    )
    program.refresh_from_db()
    assert program.funded_cents == BUDGET
    Program.objects.filter(pk=program.pk).update(funded_cents=F("funded_cents") + BUDGET)
    program.refresh_from_db()
    assert program.funded_cents == 2 * BUDGET


def test_a_large_value_compared_with_an_integer_column_keeps_its_sign(program):
    assert Program.objects.filter(pk=program.pk, unit_value_cents__lt=BUDGET).exists()
    assert not Program.objects.filter(pk=program.pk, unit_value_cents__gt=BUDGET).exists()
    assert Program.objects.filter(pk=program.pk, retention_months__lt=40_000).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite integers have 64 bits")
def test_a_value_too_large_for_an_integer_column_is_refused(program):
    with pytest.raises(DataError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(max_group_size=BUDGET)
    program.refresh_from_db()
    assert program.max_group_size == 5
