"""Who may do what. Every view asks one of these; each is tested as a matrix of roles."""

from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation, User
from accounts.selectors import membership_of


def is_member(user: User, organisation: Organisation) -> bool:
    return membership_of(user=user, organisation=organisation) is not None


def is_admin(user: User, organisation: Organisation) -> bool:
    membership = membership_of(user=user, organisation=organisation)
    return membership is not None and membership.role == Role.ADMIN


def is_member_of_kind(user: User, kind: str) -> bool:
    if not user.is_authenticated:
        return False
    return user.memberships.filter(is_active=True, **{f"organisation__is_{kind}": True}).exists()


def can_view_members(user: User, organisation: Organisation) -> bool:
    return is_member(user, organisation)


def can_manage_members(user: User, organisation: Organisation) -> bool:
    return is_admin(user, organisation)


def can_act_as(user: User, organisation: Organisation, kind: str) -> bool:
    """The user works for this organisation and the organisation has this kind."""
    return organisation.has_kind(kind) and is_member(user, organisation)


def can_manage_organisations(user: User) -> bool:
    """Operators register funders, prescribers and structures and invite their first admin."""
    return is_member_of_kind(user, OrganisationKind.OPERATOR)


def can_read_audit_journal(user: User) -> bool:
    """Operators read the journal of who did what (reads of people's records included)."""
    return is_member_of_kind(user, OrganisationKind.OPERATOR)


def can_unlock_logins(user: User) -> bool:
    """Operators see and lift the lock-outs after too many failed logins."""
    return is_member_of_kind(user, OrganisationKind.OPERATOR)
