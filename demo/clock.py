"""The demo tells a year that already happened: each action runs through the services with
the clock set to its own moment, so that every `timezone.now()` (ledger events, audit
entries, `auto_now_add` fields) says when it happened. Only for demo data."""

import datetime as dt
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


@contextmanager
def at(moment: dt.datetime):
    """Runs the block as if it were `moment` (an aware datetime), never later than now."""
    moment = min(moment, timezone.now())
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(dt.UTC)):
        yield moment
