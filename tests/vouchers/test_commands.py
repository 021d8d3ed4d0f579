import datetime as dt
import io

from django.core.management import call_command

from tests.factories import CarnetFactory
from vouchers.enums import UnitState
from vouchers.models import Unit


def test_the_daily_command_expires_units(money_program, beneficiary, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC))
    CarnetFactory(program=money_program, beneficiary=beneficiary)
    time_machine.move_to(dt.datetime(2027, 2, 2, 10, tzinfo=dt.UTC))
    out = io.StringIO()
    call_command("vouchers_daily", stdout=out)
    assert "Unités expirées : 5" in out.getvalue()
    assert Unit.objects.filter(state=UnitState.ISSUED).count() == 5  # dry run by default
    call_command("vouchers_daily", "--wet-run", stdout=io.StringIO())
    assert Unit.objects.filter(state=UnitState.EXPIRED).count() == 5
