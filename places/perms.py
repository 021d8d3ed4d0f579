from accounts.enums import OrganisationKind
from accounts.perms import is_member, is_member_of_kind


def can_manage_directory(user) -> bool:
    """Operators import places, link them to structures and programs, and handle error reports."""
    return is_member_of_kind(user, OrganisationKind.OPERATOR)


def can_edit_place(user, place) -> bool:
    """The operator edits any place; a structure edits the places attached to it."""
    if not user.is_authenticated:
        return False
    if can_manage_directory(user):
        return True
    return place.structure_id is not None and is_member(user, place.structure)
