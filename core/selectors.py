from django.db.models import QuerySet

from core.models import AuditEntry
from core.registry import AUDIT_ACTIONS, contributions


def audit_entries_for(*, obj):
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")


def audit_action_label(action: str) -> str:
    """The French label of a journal action (AUDIT_ACTIONS), or the action itself."""
    for choices in contributions(AUDIT_ACTIONS):
        if action in choices.values:
            return choices(action).label
    return action


def audit_actions() -> list[tuple[str, str]]:
    """(action, label) of every action the apps declare, for the journal's filter."""
    return sorted(
        {
            (value, label)
            for choices in contributions(AUDIT_ACTIONS)
            for value, label in choices.choices
        },
        key=lambda item: item[1],
    )


def audit_search(
    *,
    actor_email: str = "",
    organisation_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEntry]:
    """The journal, newest first, narrowed by each filter given (dates are aware datetimes:
    from `since` included to `until` excluded)."""
    entries = AuditEntry.objects.select_related("actor").order_by("-at", "-pk")
    if actor_email:
        entries = entries.filter(actor__email__iexact=actor_email.strip())
    if organisation_id is not None:
        entries = entries.filter(organisation_id=organisation_id)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=str(object_id))
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries
