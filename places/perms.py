from accounts.enums import OrganisationKind
from accounts.perms import is_member_of_kind


def can_manage_directory(user) -> bool:
    """Operators import places, link them to structures and programs, and handle error reports."""
    return is_member_of_kind(user, OrganisationKind.OPERATOR)
