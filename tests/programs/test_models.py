"""What the database itself refuses in programs."""

import pytest
from django.db import IntegrityError, transaction

from programs.models import Program


def test_database_refuses_issuing_beyond_budget(program):
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(committed_cents=1)


@pytest.mark.parametrize("months", [6, 121])
def test_database_refuses_a_retention_outside_12_to_120_months(program, months):
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(retention_months=months)
