from accounts.enums import OrganisationKind
from accounts.perms import can_act_as


def can_manage_carnet(user, carnet) -> bool:
    """The prescriber that issued the carnet: opposition, reissue, follow-up."""
    return can_act_as(user, carnet.prescriber, OrganisationKind.PRESCRIBER)
