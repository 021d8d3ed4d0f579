from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.enums import AuditAction, Role
from accounts.exceptions import AccountsError, InvitationInvalid, LastAdminError
from accounts.models import Invitation, Membership
from core.models import AuditEntry


def test_organisation_needs_siret_or_rna(db):
    with pytest.raises(AccountsError) as error:
        services.organisation_create(actor=None, name="X", kinds=["structure"])
    assert error.value.field == "siret"


def test_organisation_refuses_wrong_siret(db):
    with pytest.raises(ValidationError) as error:
        services.organisation_create(
            actor=None, name="X", kinds=["structure"], siret="732 829 320 00075"
        )
    assert "siret" in error.value.message_dict


def test_organisation_with_several_kinds(db):
    org = services.organisation_create(
        actor=None, name="CCAS", kinds=["prescriber", "structure"], siret="732 829 320 00074"
    )
    assert org.siret == "73282932000074"
    assert org.kinds == ["prescriber", "structure"]
    assert AuditEntry.objects.filter(action=AuditAction.ORGANISATION_CREATED).count() == 1


def test_invitation_round_trip(make_organisation, make_member, django_capture_on_commit_callbacks):
    org = make_organisation(name="L'Atelier numérique")
    admin = make_member(org, role=Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_send(
            actor=admin, organisation=org, email="Nouvelle@Example.org", role=Role.MEMBER
        )
    assert invitation.email == "nouvelle@example.org"
    assert token not in invitation.token_hash
    assert len(mail.outbox) == 1
    assert token in mail.outbox[0].body
    assert "« L'Atelier numérique »" in mail.outbox[0].body  # plain text: no HTML escaping
    membership = services.invitation_accept(
        token=token, first_name="Nina", last_name="Hoarau", password="un-long-mot-de-passe"
    )
    assert membership.organisation == org and membership.role == Role.MEMBER
    assert membership.user.check_password("un-long-mot-de-passe")
    with pytest.raises(InvitationInvalid):
        services.invitation_accept(token=token, first_name="x", last_name="y", password="z" * 12)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.INVITATION_SENT, AuditAction.INVITATION_ACCEPTED} <= actions
    # The journal holds no e-mail address.
    assert not AuditEntry.objects.filter(data__icontains="nouvelle").exists()


def test_expired_invitation_is_refused(make_organisation):
    org = make_organisation()
    _, token = services.invitation_send(actor=None, organisation=org, email="a@example.org")
    with (
        time_machine.travel(timezone.now() + timedelta(days=8)),
        pytest.raises(InvitationInvalid, match="expiré"),
    ):
        services.invitation_accept(token=token, first_name="a", last_name="b", password="x")
    assert not Membership.objects.filter(user__email="a@example.org").exists()


def test_new_invitation_replaces_the_pending_one(make_organisation):
    org = make_organisation()
    services.invitation_send(actor=None, organisation=org, email="a@example.org")
    services.invitation_send(actor=None, organisation=org, email="a@example.org")
    assert Invitation.objects.filter(organisation=org, revoked_at__isnull=True).count() == 1


def test_invitation_for_an_existing_member_is_refused(make_organisation, make_member):
    org = make_organisation()
    user = make_member(org)
    with pytest.raises(AccountsError) as error:
        services.invitation_send(actor=None, organisation=org, email=user.email)
    assert error.value.field == "email"


def test_last_admin_cannot_be_demoted_or_deactivated(make_organisation, make_member):
    org = make_organisation()
    admin = make_member(org, role=Role.ADMIN)
    membership = admin.memberships.get()
    with pytest.raises(LastAdminError):
        services.membership_set_role(actor=admin, membership=membership, role=Role.MEMBER)
    with pytest.raises(LastAdminError):
        services.membership_set_active(actor=admin, membership=membership, is_active=False)
    second = make_member(org, role=Role.ADMIN).memberships.get()
    services.membership_set_role(actor=admin, membership=membership, role=Role.MEMBER)
    assert AuditEntry.objects.filter(
        action=AuditAction.ROLE_CHANGED, object_id=str(membership.pk)
    ).exists()
    assert second.role == Role.ADMIN
