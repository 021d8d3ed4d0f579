"""What the database itself refuses in the unit ledger."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from accompaniments.models import Session
from tests.factories import CarnetFactory
from vouchers.enums import UnitState
from vouchers.models import Unit, UnitEvent


def test_the_database_refuses_a_consumed_unit_without_who_and_when(money_program, beneficiary):
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(serial=issued.codes[0][0]).update(state=UnitState.CONSUMED)


def test_the_database_refuses_to_change_or_delete_a_unit_event(hours_program, beneficiary):
    CarnetFactory(program=hours_program, beneficiary=beneficiary)
    event = UnitEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE vouchers_unitevent SET kind = 'consumed' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM vouchers_unitevent WHERE id = %s", [event.pk])
    assert UnitEvent.objects.get(pk=event.pk).kind == "issued"
    assert Session.objects.count() == 0
