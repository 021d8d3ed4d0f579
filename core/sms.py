"""Pluggable SMS sending. Operators plug their provider with PASSNUM_SMS_BACKEND (a dotted path
to a class with `send(self, *, to: str, text: str) -> None`)."""

import sys

from django.conf import settings
from django.utils.module_loading import import_string

outbox: list[dict] = []


class ConsoleSmsBackend:
    """Development: prints the SMS instead of sending it."""

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"--- SMS vers {to} ---\n{text}\n---\n")


class MemorySmsBackend:
    """Tests: keeps the messages in core.sms.outbox."""

    def send(self, *, to: str, text: str) -> None:
        outbox.append({"to": to, "text": text})


def sms_enabled() -> bool:
    return bool(settings.PASSNUM_SMS_BACKEND)


def send_sms(*, to: str, text: str) -> None:
    if not sms_enabled():
        raise RuntimeError("PASSNUM_SMS_BACKEND n'est pas configuré.")
    import_string(settings.PASSNUM_SMS_BACKEND)().send(to=to, text=text)
