import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from accounts.enums import AuditAction, Role
from accounts.models import ApiKey, Membership
from core.models import AuditEntry
from demo.accounts import ACCOUNTS, DEMO_PASSWORD
from demo.accounts import load as load_demo_accounts
from tests.factories import TEST_PASSWORD, CarnetFactory


class _Out:
    def write(self, text):
        pass


@pytest.fixture
def demo(communes):
    load_demo_accounts(stdout=_Out())


HEADINGS = {
    "operateur@demo.example": "Espace opérateur",
    "financeur@demo.example": "Espace financeur",
    "prescripteur@demo.example": "Espace prescripteur",
    "structure@demo.example": "Espace structure de médiation",
    "financeur47@demo.example": "Espace financeur",
    "prescripteur47@demo.example": "Espace prescripteur",
}


@pytest.mark.parametrize("email", [account[0] for account in ACCOUNTS])
def test_each_demo_account_lands_on_its_role_home(client, demo, email):
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    membership = Membership.objects.get(user__email=email)
    assert response.redirect_chain[-1][0] == reverse(
        "accounts:organisation_home", args=[membership.organisation_id]
    )
    content = response.content.decode()
    assert escape(membership.organisation.name) in content
    expected = HEADINGS.get(email)
    if expected:
        assert expected in content
    assert AuditEntry.objects.filter(
        action=AuditAction.LOGIN_SUCCEEDED, actor__email=email
    ).exists()


def test_failed_login_is_refused_recorded_and_keeps_the_address(client, demo):
    response = client.post(
        reverse("accounts:login"),
        {"username": "prescripteur@demo.example", "password": "mauvais"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Adresse e-mail ou mot de passe incorrect" in content
    assert 'value="prescripteur@demo.example"' in content
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.data == {"known_account": True}


def test_logout(client, demo):
    client.login(username="structure@demo.example", password=DEMO_PASSWORD)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 302


def test_home_requires_login(client, db):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.fixture
def two_orgs(make_organisation, make_member):
    a, b = make_organisation(name="Structure A"), make_organisation(name="Structure B")
    return {
        "a": a,
        "b": b,
        "admin_a": make_member(a, role=Role.ADMIN),
        "member_a": make_member(a),
        "admin_b": make_member(b, role=Role.ADMIN, email="admin.b@example.org"),
    }


def test_member_cannot_see_another_organisations_members(client, two_orgs):
    client.force_login(two_orgs["admin_a"])
    assert client.get(reverse("accounts:members", args=[two_orgs["a"].pk])).status_code == 200
    response = client.get(reverse("accounts:members", args=[two_orgs["b"].pk]))
    assert response.status_code == 403
    assert b"admin.b@example.org" not in response.content
    assert (
        client.get(reverse("accounts:organisation_home", args=[two_orgs["b"].pk])).status_code
        == 403
    )


def test_admin_cannot_change_another_organisations_members(client, two_orgs):
    client.force_login(two_orgs["admin_a"])
    target = two_orgs["admin_b"].memberships.get()
    response = client.post(
        reverse("accounts:member_update", args=[two_orgs["b"].pk, target.pk]),
        {"role": Role.MEMBER, "is_active": "0"},
    )
    assert response.status_code == 403
    # Nor through its own organisation's URL.
    response = client.post(
        reverse("accounts:member_update", args=[two_orgs["a"].pk, target.pk]),
        {"role": Role.MEMBER, "is_active": "0"},
    )
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.role == Role.ADMIN and target.is_active
    response = client.post(
        reverse("accounts:members", args=[two_orgs["b"].pk]), {"email": "x@example.org"}
    )
    assert response.status_code == 403


def test_plain_member_sees_members_but_cannot_invite_or_change(client, two_orgs):
    client.force_login(two_orgs["member_a"])
    url = reverse("accounts:members", args=[two_orgs["a"].pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Inviter un collègue" not in response.content.decode()
    assert client.post(url, {"email": "x@example.org", "role": "member"}).status_code == 403
    admin_membership = two_orgs["admin_a"].memberships.get()
    response = client.post(
        reverse("accounts:member_update", args=[two_orgs["a"].pk, admin_membership.pk]),
        {"role": Role.MEMBER},
    )
    assert response.status_code == 403


def test_admin_invites_and_the_guest_creates_an_account(
    client, two_orgs, django_capture_on_commit_callbacks
):
    client.force_login(two_orgs["admin_a"])
    url = reverse("accounts:members", args=[two_orgs["a"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "recrue@example.org", "role": "member"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/compte/invitation/\S+/", mail.outbox[0].body).group(0)
    path = link.split("8000", 1)[-1] if "8000" in link else link
    client.logout()
    response = client.post(
        path,
        {
            "first_name": "Rémi",
            "last_name": "Recrue",
            "password1": "court",
            "password2": "court",
        },
    )
    assert response.status_code == 200
    assert 'value="Rémi"' in response.content.decode()
    response = client.post(
        path,
        {
            "first_name": "Rémi",
            "last_name": "Recrue",
            "password1": "un mot de passe assez long",
            "password2": "un mot de passe assez long",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(
        user__email="recrue@example.org", organisation=two_orgs["a"]
    ).exists()
    assert client.get(path).status_code == 410


def test_admin_changes_a_role(client, two_orgs):
    client.force_login(two_orgs["admin_a"])
    membership = two_orgs["member_a"].memberships.get()
    client.post(
        reverse("accounts:member_update", args=[two_orgs["a"].pk, membership.pk]),
        {"role": Role.ADMIN, "is_active": "1"},
    )
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_operator_registers_an_organisation_and_a_wrong_siret_keeps_the_form(
    client, make_organisation, make_member, communes, django_capture_on_commit_callbacks
):
    from accounts.enums import OrganisationKind

    operator = make_organisation(kinds=[OrganisationKind.OPERATOR])
    client.force_login(make_member(operator))
    url = reverse("accounts:organisation_create")
    data = {
        "name": "Association Ti Numérik",
        "kinds": ["structure"],
        "siret": "73282932000075",
        "commune_label": "97460",
        "commune": "",
        "admin_email": "chef@example.org",
    }
    response = client.post(url, data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "clé de contrôle" in content
    assert 'value="Association Ti Numérik"' in content
    assert 'value="chef@example.org"' in content
    data["siret"] = "73282932000074"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    from accounts.models import Organisation

    created = Organisation.objects.get(siret="73282932000074")
    assert created.commune.name == "Saint-Paul" and created.is_structure
    assert len(mail.outbox) == 1


def test_non_operator_cannot_register_organisations(client, two_orgs):
    client.force_login(two_orgs["admin_a"])
    assert client.get(reverse("accounts:organisation_create")).status_code == 403
    assert client.get(reverse("accounts:organisation_list")).status_code == 403


def test_password_reset_sends_a_link(client, make_organisation, make_member):
    user = make_member(make_organisation())
    response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    path = re.search(r"/compte/mot-de-passe/nouveau/\S+/", mail.outbox[0].body).group(0)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {
            "new_password1": "nouveau mot de passe 2026",
            "new_password2": "nouveau mot de passe 2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nouveau mot de passe 2026")
    assert not user.check_password(TEST_PASSWORD)
    assert AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET).exists()


def test_an_admin_creates_a_key_on_a_page_sees_it_once_and_revokes_it(
    client, money_program, structure, make_agreement, beneficiary, make_member
):
    make_agreement(money_program, structure)
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    admin = make_member(structure, role="admin")
    client.force_login(make_member(structure))
    assert client.get(f"/compte/organisations/{structure.pk}/cles-api/").status_code == 403
    client.force_login(admin)
    assert (
        "Clés d'API (logiciels"
        in client.get(f"/compte/organisations/{structure.pk}/").content.decode()
    )
    page = client.post(
        f"/compte/organisations/{structure.pk}/cles-api/", {"name": "caisse"}
    ).content.decode()
    key = page.split("<code>")[1].split("</code>")[0]
    serial, code = issued.codes[2]
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "essai-1"}
    assert (
        client.post(
            "/api/v1/units/consume",
            {"serial": serial, "code": code, "test": True},
            content_type="application/json",
            headers=headers,
        ).status_code
        == 200
    )
    assert key not in client.get(f"/compte/organisations/{structure.pk}/cles-api/").content.decode()
    record = ApiKey.objects.get(name="caisse")
    client.post(f"/compte/organisations/{structure.pk}/cles-api/", {"revoke": record.pk})
    assert (
        client.post(
            "/api/v1/units/consume",
            {"serial": serial, "code": code, "test": True},
            content_type="application/json",
            headers=headers,
        ).status_code
        == 401
    )
