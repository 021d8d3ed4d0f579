from accounts.enums import OrganisationKind
from accounts.perms import can_act_as


def can_run_session(user, session) -> bool:
    return can_act_as(user, session.structure, OrganisationKind.STRUCTURE)
