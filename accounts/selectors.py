from django.db.models import QuerySet

from accounts.models import Invitation, Membership, Organisation, User


def active_memberships(*, user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def organisations_of(*, user: User, kind: str | None = None) -> QuerySet[Organisation]:
    """Organisations where the user is an active member, optionally of one kind."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    qs = Organisation.objects.filter(memberships__user=user, memberships__is_active=True)
    if kind:
        qs = qs.filter(**{f"is_{kind}": True})
    return qs.distinct().order_by("name")


def membership_of(*, user: User, organisation: Organisation) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organisation=organisation, is_active=True).first()


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__first_name", "user__email")
    )


def organisation_pending_invitations(*, organisation: Organisation) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def organisations_list(*, kind: str | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("commune")
    if kind:
        qs = qs.filter(**{f"is_{kind}": True})
    return qs.order_by("name")
