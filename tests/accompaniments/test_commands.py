import datetime as dt
import io
from functools import partial
from zoneinfo import ZoneInfo

from django.core.management import call_command

from accompaniments import services
from core.sms import outbox
from tests.fixtures_vouchers import make_session

REUNION = ZoneInfo("Indian/Reunion")
_workshop = partial(make_session, minutes=120, capacity=5, kind="collective")


def test_reminders_48_hours_before(
    kk, beneficiary, advisor, prescriber, time_machine, django_capture_on_commit_callbacks
):
    outbox.clear()
    workshop = _workshop(kk, day=4, hour=9)
    services.participant_book(actor=None, session=workshop, beneficiary=beneficiary)
    time_machine.move_to(dt.datetime(2026, 12, 1, 9, tzinfo=REUNION))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("accompaniments_daily", "--wet-run", stdout=io.StringIO())
    assert outbox == []
    time_machine.move_to(dt.datetime(2026, 12, 2, 10, tzinfo=REUNION))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("accompaniments_daily", "--wet-run", stdout=io.StringIO())
        call_command("accompaniments_daily", "--wet-run", stdout=io.StringIO())
    assert len(outbox) == 1 and "Atelier smartphone" in outbox[0]["text"]
