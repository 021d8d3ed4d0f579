"""Two-factor authentication (django-otp): required for operator and funder staff, optional for
others; the code step of the login, recovery codes; the technical admin."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.enums import AuditAction
from accounts.enums import OrganisationKind as K
from core.models import AuditEntry
from tests.factories import TEST_PASSWORD

SETUP = "/compte/securite/double-authentification/"
CODE = "/compte/connexion/code/"


@pytest.fixture(autouse=True)
def _features_on(settings):
    settings.AXES_ENABLED = True
    settings.PASSNUM_REQUIRE_OTP_FOR_STAFF = True


@pytest.fixture
def member_of(make_organisation, make_member):
    def make(kind, email=None):
        return make_member(make_organisation(kinds=[kind]), email=email)

    return make


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _device(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return device, security.recovery_codes_regenerate(user=user)


def _login(client, user, **extra):
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD}, **extra
    )


def _verified_login(client, user, device):
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("kind", [K.OPERATOR, K.FUNDER])
def test_staff_without_a_device_is_sent_to_set_up_and_blocked_elsewhere(client, member_of, kind):
    user = member_of(kind)
    response = _login(client, user, follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
    assert "Obligatoire pour votre compte" in response.content.decode()
    for url in (
        reverse("accounts:home"),
        reverse("accounts:organisation_list"),
        reverse("accounts:security"),
        "/programmes/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP + "?next=")
    response = client.post(reverse("accounts:members", args=[1]), {"email": "x@example.org"})
    assert response["Location"] == SETUP
    response = client.get(reverse("accounts:home"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == SETUP
    assert client.get("/static/css/passnum.css").status_code != 302
    assert client.post(reverse("accounts:logout"))["Location"] == "/"
    assert not _logged_in(client)


def test_setup_shows_a_qr_code_and_the_secret_without_inline_script(client, member_of):
    client.force_login(member_of(K.OPERATOR))
    response = client.get(SETUP)
    assert response.status_code == 200
    content = response.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    assert "<svg" in content and 'role="img"' in content
    assert security.totp_secret(device) in content
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content) is None
    # Reloading keeps the same secret, already scanned.
    client.get(SETUP)
    assert TOTPDevice.objects.get(confirmed=False) == device


def test_setup_with_a_valid_code_confirms_and_shows_recovery_codes_once(client, member_of):
    user = member_of(K.OPERATOR)
    client.force_login(user)
    client.get(SETUP + "?next=/compte/organisations/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"code": _code(device), "next": "/compte/organisations/"})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("accounts:recovery_codes") + "?next=%2Fcompte%2Forganisations%2F"
    )
    device.refresh_from_db()
    assert device.confirmed

    response = client.get(response["Location"])
    content = response.content.decode()
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in content for code in codes)
    assert 'href="/compte/organisations/"' in content
    assert "no-store" in response["Cache-Control"]
    # Shown once.
    response = client.get(reverse("accounts:recovery_codes"), follow=True)
    assert not any(code in response.content.decode() for code in codes)
    # The session is verified: the other pages open.
    assert client.get(reverse("accounts:organisation_list")).status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_ENABLED, actor=user).exists()


def test_setup_refuses_a_wrong_code_and_stays_closed(client, member_of):
    user = member_of(K.FUNDER)
    client.force_login(user)
    client.get(SETUP)
    for code in ("000000", "abc", "12345678"):
        response = client.post(SETUP, {"code": code})
        assert response.status_code == 200
        assert "fr-input-group--error" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get(reverse("accounts:home"))["Location"].startswith(SETUP)


def test_login_of_a_user_with_a_device_needs_the_code(client, member_of):
    user = member_of(K.OPERATOR)
    device, _codes = _device(user)
    response = _login(client, user)
    assert response["Location"] == CODE
    assert not _logged_in(client)  # no session before the code
    assert client.get(reverse("accounts:home"))["Location"].startswith(reverse("accounts:login"))
    response = client.post(CODE, {"code": _code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert _logged_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("accounts:organisation_list")).status_code == 200


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(client, member_of):
    user = member_of(K.PRESCRIBER)
    _device(user)
    _login(client, user)
    response = client.post(CODE, {"code": "000000"})
    assert response.status_code == 200
    assert "Ce code ne convient pas" in response.content.decode()
    assert not _logged_in(client)
    for _ in range(4):
        response = client.post(CODE, {"code": "000000"})
    assert response.status_code == 429
    assert escape("Trop d'essais : ce compte est bloqué 30 minutes.") in response.content.decode()
    assert f'value="{user.email}"' in response.content.decode()


def test_a_recovery_code_works_once(client, member_of):
    user = member_of(K.FUNDER)
    _app, codes = _device(user)
    _login(client, user)
    response = client.post(CODE, {"code": codes[0].upper()}, follow=True)
    assert _logged_in(client)
    assert "il vous en reste 9" in response.content.decode()
    client.post(reverse("accounts:logout"))

    _login(client, user)
    response = client.post(CODE, {"code": codes[0]})
    assert response.status_code == 200
    assert not _logged_in(client)
    # Each device slows down after a failure: a moment later, another code works.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=True):
        client.post(CODE, {"code": codes[1]})
    assert _logged_in(client)


def test_the_code_step_expires(client, member_of):
    user = member_of(K.PRESCRIBER)
    device, _codes = _device(user)
    _login(client, user)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=True):
        response = client.post(CODE, {"code": _code(device)})
    assert response["Location"] == reverse("accounts:login")
    assert not _logged_in(client)


def test_code_step_without_a_password_first_goes_back_to_login(client, db):
    response = client.post(CODE, {"code": "123456"})
    assert response["Location"] == reverse("accounts:login")


def test_a_session_opened_without_the_code_must_type_it(client, member_of):
    """A staff session that skipped the code step (force_login here) is sent to type it."""
    user = member_of(K.OPERATOR)
    device, _codes = _device(user)
    client.force_login(user)
    response = client.get(reverse("accounts:organisation_list"))
    assert response["Location"] == CODE + "?next=%2Fcompte%2Forganisations%2F"
    response = client.post(CODE, {"code": _code(device), "next": "/compte/organisations/"})
    assert response["Location"] == "/compte/organisations/"
    assert client.get(reverse("accounts:organisation_list")).status_code == 200


def test_prescriber_is_not_forced_and_may_set_it_up(client, member_of):
    user = member_of(K.PRESCRIBER)
    response = _login(client, user, follow=True)
    assert response.status_code == 200
    assert "Espace prescripteur" in response.content.decode()
    response = client.get(reverse("accounts:security"))
    assert "Elle est facultative pour votre compte" in response.content.decode()
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"code": _code(device)}, follow=True)
    assert "Vos codes de secours" in response.content.decode()
    # Then turned off again: allowed for a prescriber.
    response = client.post(reverse("accounts:security"), {"action": "disable"}, follow=True)
    assert "La double authentification est désactivée." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_staff_cannot_turn_it_off_and_may_renew_recovery_codes(client, member_of):
    user = member_of(K.OPERATOR)
    device, codes = _device(user)
    _verified_login(client, user, device)
    response = client.post(reverse("accounts:security"), {"action": "disable"}, follow=True)
    assert (
        "La double authentification est obligatoire pour les opérateurs et les financeurs."
        in response.content.decode()
    )
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    response = client.post(reverse("accounts:security"), {"action": "regenerate"}, follow=True)
    new_codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert set(new_codes).isdisjoint(codes)
    assert all(code in response.content.decode() for code in new_codes)
    response = client.post(reverse("accounts:security"), {"action": "n'importe quoi"})
    assert response.status_code == 302


def test_the_rule_is_off_in_the_test_settings_for_the_rest_of_the_suite(
    client, member_of, settings
):
    """Other tests force_login operators and funders: with the setting off, they are not
    sent to the set-up page."""
    settings.PASSNUM_REQUIRE_OTP_FOR_STAFF = False
    client.force_login(member_of(K.OPERATOR))
    assert client.get(reverse("accounts:organisation_list")).status_code == 200


# --- The technical admin ----------------------------------------------------------------------

ADMIN = "/admin-technique/"


def test_admin_sends_anonymous_to_the_login(client, db):
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_admin_refuses_staff_that_are_not_superusers(client, django_user_model):
    user = django_user_model.objects.create_user("staff@example.org", TEST_PASSWORD, is_staff=True)
    device, _codes = _device(user)
    _verified_login(client, user, device)
    response = client.get(ADMIN, follow=True)
    assert response.status_code == 403


def test_admin_refuses_a_superuser_without_verified_code(client, django_user_model):
    user = django_user_model.objects.create_superuser("root@example.org", TEST_PASSWORD)
    client.force_login(user)
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
    device, _codes = _device(user)
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(CODE)
    assert "Code de vérification" in response.content.decode()
    response = client.post(CODE, {"code": _code(device), "next": ADMIN})
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_admin_opens_for_a_verified_superuser(client, django_user_model):
    user = django_user_model.objects.create_superuser("root@example.org", TEST_PASSWORD)
    device, _codes = _device(user)
    _verified_login(client, user, device)
    response = client.get(ADMIN)
    assert response.status_code == 200
    assert client.get(ADMIN + "axes/accessattempt/").status_code == 200
