from accounts.enums import OrganisationKind
from accounts.perms import can_act_as, is_member_of_kind


def can_manage_directory(user) -> bool:
    """Operators import places, link them to structures and programs, and handle error reports."""
    return is_member_of_kind(user, OrganisationKind.OPERATOR)


def can_view_structure_places(user, organisation) -> bool:
    return can_act_as(user, organisation, OrganisationKind.STRUCTURE)
