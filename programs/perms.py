from accounts.enums import OrganisationKind
from accounts.perms import can_act_as, is_member, is_member_of_kind


def can_create_program(user) -> bool:
    return is_member_of_kind(user, OrganisationKind.FUNDER)


def can_manage_program(user, program) -> bool:
    """The lead funder's members and the operator set up the program and decide on calls."""
    return can_act_as(user, program.lead_funder, OrganisationKind.FUNDER) or is_member_of_kind(
        user, OrganisationKind.OPERATOR
    )


def can_view_program(user, program) -> bool:
    return can_manage_program(user, program) or any(
        is_member(user, c.funder) for c in program.commitments.select_related("funder")
    )


def can_apply(user, structure) -> bool:
    return can_act_as(user, structure, OrganisationKind.STRUCTURE)


def can_view_application(user, application) -> bool:
    return can_apply(user, application.structure) or can_manage_program(
        user, application.call.program
    )
