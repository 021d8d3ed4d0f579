import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from core import tasks
from core.services import send_after_commit
from core.sms import outbox

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "OPTIONS": {"id_function": "core.tasks.task_id"},
    }
}


class FlakySms:
    """Fails `failures` times, then sends to core.sms.outbox."""

    failures = 0
    calls = 0

    def send(self, *, to, text):
        FlakySms.calls += 1
        if FlakySms.calls <= FlakySms.failures:
            raise ConnectionError("fournisseur SMS indisponible")
        outbox.append({"to": to, "text": text})


@pytest.fixture
def flaky_sms(settings):
    settings.PASSNUM_SMS_BACKEND = "tests.core.test_tasks.FlakySms"
    FlakySms.calls = 0
    outbox.clear()
    return FlakySms


@pytest.mark.django_db
def test_a_failed_send_is_tried_again_until_it_leaves(
    flaky_sms, django_capture_on_commit_callbacks
):
    flaky_sms.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(text="code 1234", phone="0692000000")
    assert flaky_sms.calls == 3
    assert outbox == [{"to": "0692000000", "text": "code 1234"}]


@pytest.mark.django_db
def test_a_send_that_keeps_failing_stops_after_the_set_attempts(
    flaky_sms, settings, django_capture_on_commit_callbacks
):
    settings.PASSNUM_TASK_ATTEMPTS = 4
    flaky_sms.failures = 100
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(text="code 1234", phone="0692000000")
    assert flaky_sms.calls == 4 and outbox == []


@pytest.mark.django_db
def test_with_the_database_queue_messages_wait_in_the_transaction_for_the_worker(
    flaky_sms, settings
):
    settings.TASKS = DATABASE_TASKS
    with pytest.raises(RuntimeError), transaction.atomic():
        send_after_commit(text="annulé", phone="0692000000")
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()
    send_after_commit(subject="Rappel", text="T", emails=["a@example.org", "b@example.org"])
    send_after_commit(text="code 1234", phone="0692000000")
    assert DBTaskResult.objects.count() == 3 and mail.outbox == [] and flaky_sms.calls == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_and_queues_a_failed_send_again_for_later(flaky_sms, settings):
    settings.TASKS = DATABASE_TASKS
    flaky_sms.failures = 1
    send_after_commit(subject="Rappel", text="T", emails=["a@example.org"])
    send_after_commit(text="code 1234", phone="0692000000")
    call_command(
        "tasks_worker", batch=True, startup_delay=False, reload=False, schedule=False, verbosity=0
    )
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert outbox == []
    statuses = sorted(DBTaskResult.objects.values_list("task_path", "status"))
    assert statuses == [
        ("core.tasks.email_send", "SUCCESSFUL"),
        ("core.tasks.sms_send", "FAILED"),
        ("core.tasks.sms_send", "READY"),
    ]
    again = DBTaskResult.objects.get(status="READY")
    assert again.args_kwargs["kwargs"]["attempt"] == 2
    assert again.run_after > again.enqueued_at + dt.timedelta(seconds=59)
    DBTaskResult.objects.filter(pk=again.pk).update(run_after=again.enqueued_at)
    call_command(
        "tasks_worker", batch=True, startup_delay=False, reload=False, schedule=False, verbosity=0
    )
    assert outbox == [{"to": "0692000000", "text": "code 1234"}]


@pytest.mark.parametrize(
    ("entry", "now", "due"),
    [
        (
            {"every": "hour", "minute": 5},
            dt.datetime(2026, 11, 25, 10, 4),
            dt.datetime(2026, 11, 25, 9, 5),
        ),
        (
            {"every": "hour", "minute": 5},
            dt.datetime(2026, 11, 25, 10, 5),
            dt.datetime(2026, 11, 25, 10, 5),
        ),
        (
            {"every": "day", "hour": 2},
            dt.datetime(2026, 11, 25, 1, 0),
            dt.datetime(2026, 11, 24, 2, 0),
        ),
        (
            {"every": "day", "hour": 2},
            dt.datetime(2026, 11, 25, 9, 0),
            dt.datetime(2026, 11, 25, 2, 0),
        ),
        (
            {"every": "month", "day": 5, "hour": 6},
            dt.datetime(2026, 11, 25, 9),
            dt.datetime(2026, 11, 5, 6),
        ),
        (
            {"every": "month", "day": 5, "hour": 6},
            dt.datetime(2026, 1, 5, 5),
            dt.datetime(2025, 12, 5, 6),
        ),
    ],
)
def test_the_last_moment_a_scheduled_command_was_due(entry, now, due):
    assert tasks._last_due(entry, now.replace(tzinfo=PARIS)) == due.replace(tzinfo=PARIS)


@pytest.mark.django_db
def test_the_schedule_queues_each_due_command_once_whatever_the_number_of_workers(settings):
    settings.TASKS = DATABASE_TASKS
    settings.PASSNUM_SCHEDULE = [
        {"command": "vouchers_daily", "every": "day", "hour": 2, "options": {"wet_run": True}},
        {
            "command": "settlement_batch",
            "every": "month",
            "day": 5,
            "hour": 6,
            "options": {"until": "{previous_month_end}", "wet_run": True},
        },
    ]
    the_5th = dt.datetime(2026, 12, 5, 6, 30, tzinfo=PARIS)
    assert tasks.schedule_due(the_5th) == ["vouchers_daily", "settlement_batch"]
    assert tasks.schedule_due(the_5th + dt.timedelta(minutes=1)) == []
    batch = DBTaskResult.objects.get(args_kwargs__kwargs__name="settlement_batch")
    assert batch.args_kwargs["kwargs"]["options"] == {"until": "2026-11-30", "wet_run": True}
    # The next day: the daily command again; the monthly batch is not due before 5 January.
    assert tasks.schedule_due(the_5th + dt.timedelta(days=1)) == ["vouchers_daily"]
    # A worker stopped for more than a day does not run a run that old when it starts again.
    assert tasks.schedule_due(dt.datetime(2027, 1, 6, 7, tzinfo=PARIS)) == ["vouchers_daily"]


@pytest.mark.django_db
def test_a_scheduled_command_runs_through_the_task(settings, mailoutbox):
    outcome = tasks.command_run.enqueue(name="vouchers_daily", options={"wet_run": True})
    assert outcome.status == "SUCCESSFUL"
    assert "Unités expirées : 0" in outcome.return_value
