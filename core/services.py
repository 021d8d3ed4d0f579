from django.db import IntegrityError, transaction

from core.models import AuditEntry, IdempotencyRecord


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


def idempotent_call(*, organisation_id: int, scope: str, key: str, compute, keep=None) -> dict:
    """Runs `compute` (which returns a JSON-able dict) once per (organisation, scope, key):
    a replayed key returns the first answer kept, even when the two requests race. The answer
    is stored in the same transaction as the work; a replay's own work is rolled back.
    `keep(answer)` says whether an answer is kept for replays (default: all)."""

    def stored():
        return IdempotencyRecord.objects.filter(
            organisation_id=organisation_id, scope=scope, key=key
        ).first()

    try:
        with transaction.atomic():
            response = compute()
            if key and (keep is None or keep(response)):
                IdempotencyRecord.objects.create(
                    organisation_id=organisation_id, scope=scope, key=key, response=response
                )
            elif key and (record := stored()):
                transaction.set_rollback(True)
                return record.response
    except IntegrityError:
        record = stored() if key else None
        if record is None:
            raise
        return record.response
    return response
