from core.models import AuditEntry


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
