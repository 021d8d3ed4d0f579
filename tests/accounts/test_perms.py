import pytest

from accounts import perms
from accounts.enums import OrganisationKind as K
from accounts.enums import Role
from accounts.services import membership_set_active


@pytest.fixture
def world(make_organisation, make_member):
    structure = make_organisation(name="Structure A", kinds=[K.STRUCTURE])
    other = make_organisation(name="Structure B", kinds=[K.STRUCTURE])
    operator = make_organisation(name="Opérateur", kinds=[K.OPERATOR])
    return {
        "structure": structure,
        "other": other,
        "operator": operator,
        "admin": make_member(structure, role=Role.ADMIN),
        "member": make_member(structure, role=Role.MEMBER),
        "outsider": make_member(other, role=Role.ADMIN),
        "operator_member": make_member(operator, role=Role.MEMBER),
    }


# (user key, view members, manage members, act as structure, manage organisations)
MATRIX = [
    ("admin", True, True, True, False),
    ("member", True, False, True, False),
    ("outsider", False, False, False, False),
    ("operator_member", False, False, False, True),
]


@pytest.mark.parametrize(("who", "view", "manage", "act", "organisations"), MATRIX)
def test_role_matrix(world, who, view, manage, act, organisations):
    user, org = world[who], world["structure"]
    assert perms.can_view_members(user, org) is view
    assert perms.can_manage_members(user, org) is manage
    assert perms.can_act_as(user, org, K.STRUCTURE) is act
    assert perms.can_act_as(user, org, K.FUNDER) is False
    assert perms.can_manage_organisations(user) is organisations


def test_deactivated_member_loses_every_right(world):
    membership = world["member"].memberships.get()
    membership_set_active(actor=world["admin"], membership=membership, is_active=False)
    assert not perms.can_view_members(world["member"], world["structure"])
    assert not perms.can_act_as(world["member"], world["structure"], K.STRUCTURE)


def test_anonymous_has_no_right(world):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not perms.can_view_members(anonymous, world["structure"])
    assert not perms.can_manage_organisations(anonymous)
