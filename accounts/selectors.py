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


def habilitation_blocker(*, organisation: Organisation) -> str:
    """Why the organisation may not yet send an application to a call (it may prepare one), or
    "" once the operator has validated it. The one rule for every page and service."""
    from accounts.enums import Habilitation

    reasons = {
        Habilitation.UNCONFIRMED: (
            "Confirmez d'abord l'adresse e-mail de l'inscription (lien reçu par courriel), "
            "puis l'opérateur validera votre organisation."
        ),
        Habilitation.PENDING: (
            "Votre organisation attend la validation de l'opérateur : vous pouvez préparer la "
            "candidature, vous pourrez la déposer une fois l'organisation validée."
        ),
        Habilitation.CHANGES_REQUESTED: (
            "L'opérateur a demandé des modifications de votre inscription : complétez-la "
            "(page « Inscription de l'organisation »), la candidature pourra être déposée "
            "après validation."
        ),
        Habilitation.REFUSED: (
            "L'inscription de votre organisation a été refusée par l'opérateur : elle ne peut "
            "pas déposer de candidature."
        ),
    }
    return reasons.get(organisation.habilitation, "")


def habilitations_to_review() -> QuerySet[Organisation]:
    from accounts.enums import Habilitation

    return (
        Organisation.objects.filter(
            habilitation__in=[Habilitation.PENDING, Habilitation.CHANGES_REQUESTED]
        )
        .select_related("commune")
        .order_by("habilitation_changed_at", "pk")
    )
