from accounts.enums import OrganisationKind
from accounts.perms import can_act_as


def can_view_orientation(user, orientation) -> bool:
    """The prescriber that wrote it and the structure it was sent to; nobody else."""
    return can_act_as(user, orientation.prescriber, OrganisationKind.PRESCRIBER) or (
        orientation.structure is not None
        and can_act_as(user, orientation.structure, OrganisationKind.STRUCTURE)
    )


def can_record_outcome(user, orientation) -> bool:
    return orientation.structure is not None and can_act_as(
        user, orientation.structure, OrganisationKind.STRUCTURE
    )
