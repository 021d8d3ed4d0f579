"""Background work (django-tasks): every SMS and e-mail, and the scheduled commands.

In production the tasks wait in the database (django-tasks-db) for the worker,
`python manage.py tasks_worker`, which also queues the scheduled commands when they are due
(`PASSNUM_SCHEDULE`). A task that fails is queued again, up to `PASSNUM_TASK_ATTEMPTS` attempts,
1, 2, 4… minutes later. In development and in the tests each task runs at once, in the process.
"""

import contextvars
import datetime as dt
import functools
import logging
import time
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.core.management import call_command
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django_tasks import task

from core.sms import send_sms

logger = logging.getLogger(__name__)

_SCHEDULE_NAMESPACE = uuid.UUID("6f1d3c2e-8d6b-4f3a-9a51-3b0e6c1f2a77")
_next_task_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "next_task_id", default=None
)


def task_id() -> uuid.UUID:
    """The id of a new task result (the database backend's `id_function`): fixed for a
    scheduled run, so that a run of the schedule is queued once whatever the number of workers."""
    return _next_task_id.get() or uuid.uuid4()


def retried(function):
    """A task that, when it raises, is queued again with `attempt` + 1 (after 1, 2, 4… minutes
    where the backend can wait), until `PASSNUM_TASK_ATTEMPTS` attempts; each failed attempt
    stays recorded as failed."""

    @functools.wraps(function)
    def run(*, attempt: int = 1, **kwargs):
        try:
            return function(**kwargs)
        except Exception:
            if attempt < settings.PASSNUM_TASK_ATTEMPTS:
                again = created
                if created.get_backend().supports_defer:
                    wait = dt.timedelta(minutes=2 ** (attempt - 1))
                    again = created.using(run_after=timezone.now() + wait)
                again.enqueue(attempt=attempt + 1, **kwargs)
            else:
                logger.error("Tâche %s abandonnée après %s essais", function.__name__, attempt)
            raise

    created = task()(run)
    return created


@retried
def sms_send(*, to: str, text: str) -> None:
    send_sms(to=to, text=text)


@retried
def email_send(*, to: str, subject: str, text: str) -> None:
    send_mail(subject, text, None, [to], fail_silently=False)


@retried
def command_run(*, name: str, options: dict) -> str:
    """A management command, for the schedule; returns what it printed."""
    from io import StringIO

    out = StringIO()
    call_command(name, stdout=out, **options)
    return out.getvalue()


def enqueue_with_transaction(created_task, **kwargs) -> None:
    """Queues a task with the current transaction: a queue kept in the database gets its row
    inside the transaction (gone if it rolls back, seen by the worker once committed); a
    backend that runs tasks at once runs it after the commit."""
    if created_task.get_backend().supports_defer:
        created_task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: created_task.enqueue(**kwargs))


# Scheduled runs: the latest moment a run was due, in local time. A run more than a day late
# (the worker was stopped) is skipped until its next moment.
_LATE_LIMIT = dt.timedelta(days=1)


def _last_due(entry: dict, now_local: dt.datetime) -> dt.datetime:
    at = now_local.replace(minute=entry.get("minute", 0), second=0, microsecond=0)
    every = entry["every"]
    if every == "hour":
        return at if at <= now_local else at - dt.timedelta(hours=1)
    at = at.replace(hour=entry.get("hour", 0))
    if every == "day":
        return at if at <= now_local else at - dt.timedelta(days=1)
    if every == "month":
        at = at.replace(day=entry.get("day", 1))
        if at > now_local:
            previous = at.replace(day=1) - dt.timedelta(days=1)
            at = at.replace(year=previous.year, month=previous.month)
        return at
    raise ValueError(f"PASSNUM_SCHEDULE : période inconnue {every!r}")


def _options(entry: dict, due: dt.datetime) -> dict:
    """The command's options; "{previous_month_end}" and "{day}" are replaced by the dates of
    the run."""
    values = {
        "day": due.date().isoformat(),
        "previous_month_end": (due.date().replace(day=1) - dt.timedelta(days=1)).isoformat(),
    }
    return {
        key: value.format(**values) if isinstance(value, str) else value
        for key, value in entry.get("options", {}).items()
    }


def schedule_due(now: dt.datetime | None = None) -> list[str]:
    """Queues each scheduled command whose moment has come and that no worker has queued yet
    for that moment (the task's id is derived from the command and the moment, so a second
    worker's insert fails on the primary key). Returns the names of the commands queued."""
    now_local = timezone.localtime(now or timezone.now())
    queued = []
    for entry in settings.PASSNUM_SCHEDULE:
        due = _last_due(entry, now_local)
        if now_local - due > _LATE_LIMIT:
            continue
        key = uuid.uuid5(_SCHEDULE_NAMESPACE, f"{entry['command']}@{due.isoformat()}")
        token = _next_task_id.set(key)
        try:
            with transaction.atomic():
                command_run.enqueue(name=entry["command"], options=_options(entry, due))
        except IntegrityError:
            continue  # already queued for this moment
        finally:
            _next_task_id.reset(token)
        queued.append(entry["command"])
    return queued


def schedule_loop(interval: float = 60, rounds: int | None = None) -> None:
    """The worker's scheduler: checks the schedule every `interval` seconds."""
    done = 0
    while rounds is None or done < rounds:
        close_old_connections()
        try:
            queued = schedule_due()
            if queued:
                logger.info("Tâches planifiées mises en file : %s", ", ".join(queued))
        except Exception:
            logger.exception("Planification des tâches en échec")
        finally:
            close_old_connections()
        done += 1
        if rounds is None or done < rounds:
            time.sleep(interval)
