from accounts.enums import OrganisationKind
from accounts.perms import can_act_as, is_member


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


def can_view_beneficiary(user, beneficiary) -> bool:
    """The prescriber that registered the person, and the structures that served them."""
    from beneficiaries.models import BeneficiaryStructure

    if is_member(user, beneficiary.prescriber):
        return True
    structures = BeneficiaryStructure.objects.filter(beneficiary=beneficiary).values_list(
        "structure", flat=True
    )
    return user.memberships.filter(is_active=True, organisation__in=structures).exists()


def organisation_reading(user, beneficiary):
    """The organisation for which the user reads the record: the prescriber, else the first
    of the user's structures that served the person."""
    from beneficiaries.models import BeneficiaryStructure

    if is_member(user, beneficiary.prescriber):
        return beneficiary.prescriber
    served = BeneficiaryStructure.objects.filter(beneficiary=beneficiary).values("structure")
    membership = (
        user.memberships.filter(is_active=True, organisation__in=served)
        .select_related("organisation")
        .order_by("organisation_id")
        .first()
    )
    return membership.organisation if membership else None


def can_manage_beneficiary(user, beneficiary) -> bool:
    """Diagnostics and carnets: the prescriber's members only."""
    return can_act_as(user, beneficiary.prescriber, OrganisationKind.PRESCRIBER)
