import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import F

from core import rawsql
from core.exceptions import PassnumError
from core.models import AuditEntry, IdempotencyRecord
from core.tasks import email_send, enqueue_with_transaction, sms_send


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    organisation_id: int | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Appends one entry to the audit journal. Never pass personal data in `data`."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        organisation_id=organisation_id,
        data=data or {},
    )


def idempotent_call(
    *,
    organisation_id: int,
    scope: str,
    key: str,
    compute,
    keep=None,
    encode=lambda answer: answer,
    decode=lambda stored: stored,
    fingerprint: str = "",
    look_first: bool = True,
):
    """Runs `compute` once per (organisation, scope, key): a replayed key returns the first
    answer kept, even when the two requests race. The answer is stored (as `encode` makes it
    JSON) in the same transaction as the work; a replay's own work is rolled back and it gets
    `decode` of what was stored. `keep(answer)` says whether an answer is kept for replays
    (default: all). `fingerprint` (a hash of the request, see `request_fingerprint`) is kept
    with the answer: the same key replayed with another request raises PassnumError (field
    "Idempotency-Key") and nothing of it is kept. An answer kept without a fingerprint
    matches any request. `look_first=False` saves the lookup before the work, one round trip,
    where replays are rare and `compute` writes only in the database: a replay then does its
    work, rolled back, before it gets the stored answer."""

    def stored():
        return IdempotencyRecord.objects.filter(
            organisation_id=organisation_id, scope=scope, key=key
        ).first()

    def replayed(record):
        if fingerprint and record.fingerprint and record.fingerprint != fingerprint:
            raise PassnumError(
                "Idempotency-Key déjà utilisée pour une autre demande : "
                "envoyez une nouvelle clé pour chaque demande.",
                field="Idempotency-Key",
            )
        return decode(record.response)

    if key and look_first and (record := stored()):
        return replayed(record)
    try:
        with transaction.atomic():
            response = compute()
            if key and (keep is None or keep(response)):
                rawsql.insert(
                    IdempotencyRecord(
                        organisation_id=organisation_id,
                        scope=scope,
                        key=key,
                        fingerprint=fingerprint,
                        response=encode(response),
                    )
                )
            elif key and (record := stored()):
                transaction.set_rollback(True)
                return replayed(record)
    except IntegrityError:
        record = stored() if key else None
        if record is None:
            raise
        return replayed(record)
    return response


def request_fingerprint(data) -> str:
    """SHA-256 of a request's data in canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def send_after_commit(*, text: str, subject: str = "", emails=(), phone: str = "") -> None:
    """Sends a message for work that commits, never for work rolled back: an SMS to `phone`,
    and one e-mail to each address (no one sees the others' addresses). Each is a task
    (core.tasks), tried again if the provider fails."""
    if phone:
        enqueue_with_transaction(sms_send, to=phone, text=text)
    for email in emails:
        if email:
            enqueue_with_transaction(email_send, to=email, subject=subject, text=text)


def failure_record(
    *,
    row,
    attempts_field: str,
    until_field: str,
    max_failures: int,
    block_minutes: int,
    now: dt.datetime,
) -> dt.datetime | None:
    """One more failed attempt (a wrong secret code) on the row of `row` (a one-row queryset),
    counted in the database so that it holds across server processes. The failure that
    reaches `max_failures` blocks the row for `block_minutes` and restarts the count; the
    moment the block ends is returned then, None otherwise."""
    row.update(**{attempts_field: F(attempts_field) + 1})
    until = now + dt.timedelta(minutes=block_minutes)
    if row.filter(**{f"{attempts_field}__gte": max_failures}).update(
        **{attempts_field: 0, until_field: until}
    ):
        return until
    return None


def transition(
    *,
    obj,
    expect: dict,
    changes: dict,
    refusal: Exception,
    actor,
    action: str,
    organisation_id: int | None = None,
    data: dict | None = None,
):
    """Moves one row from the state it expects to a new one by a conditional update (safe
    under concurrent requests), writes the audit journal, and returns the row as it is now;
    raises `refusal` when the row is no longer in the expected state."""
    if not type(obj).objects.filter(pk=obj.pk, **expect).update(**changes):
        raise refusal
    audit_record(actor=actor, action=action, obj=obj, organisation_id=organisation_id, data=data)
    obj.refresh_from_db()
    return obj
