from accounts.enums import OrganisationKind
from accounts.perms import can_act_as, is_member_of_kind


def can_run_settlement(user) -> bool:
    return is_member_of_kind(user, OrganisationKind.OPERATOR)


def can_see_claim(user, claim) -> bool:
    return can_run_settlement(user) or can_act_as(user, claim.structure, OrganisationKind.STRUCTURE)
