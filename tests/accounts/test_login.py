"""Login throttling (django-axes): lock per account and per address, the French message on the
login page, the operator's page to unlock; sessions that end after inactivity."""

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.enums import AuditAction, Role
from accounts.enums import OrganisationKind as K
from accounts.security import client_ip
from core.models import AuditEntry
from tests.factories import TEST_PASSWORD

LOCKOUT = "Trop d'essais : ce compte est bloqué 30 minutes."
WRONG = "Adresse e-mail ou mot de passe incorrect"


@pytest.fixture(autouse=True)
def _axes_on(settings):
    settings.AXES_ENABLED = True


@pytest.fixture
def people(make_organisation, make_member):
    structure = make_organisation(name="Structure du Port", kinds=[K.STRUCTURE])
    operator = make_organisation(name="Opérateur", kinds=[K.OPERATOR])
    return {
        "structure": structure,
        "claire": make_member(structure, role=Role.ADMIN, email="claire@example.org"),
        "paul": make_member(structure, email="paul@example.org"),
        "operator": make_member(operator, email="ops@example.org"),
    }


def _login(client, email, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, **extra
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_ten_wrong_passwords_then_the_right_one_is_refused_with_the_lockout_message(client, people):
    answers = [_login(client, "Claire@Example.org", f"faux-{n}") for n in range(10)]
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert all(WRONG in a.content.decode() for a in answers[:4])
    assert [a.status_code for a in answers[4:]] == [429] * 6

    response = _login(client, "claire@example.org", TEST_PASSWORD)

    assert response.status_code == 429
    content = response.content.decode()
    assert escape(LOCKOUT) in content
    assert "Connexion bloquée" in content
    assert 'value="claire@example.org"' in content
    assert "<h1>Se connecter</h1>" in content  # the DSFR login page, not a bare text
    assert not _logged_in(client)
    assert AuditEntry.objects.filter(
        action=AuditAction.LOCKED_OUT, object_id=str(people["claire"].pk)
    ).exists()


def test_the_lock_keeps_where_the_person_was_going(client, people):
    for _ in range(5):
        response = client.post(
            reverse("accounts:login") + "?next=/compte/organisations/",
            {"username": "paul@example.org", "password": "faux", "next": "/compte/organisations/"},
        )
    assert response.status_code == 429
    assert 'name="next" value="/compte/organisations/"' in response.content.decode()


def test_one_address_trying_many_accounts_is_locked_for_every_account(client, people):
    for n in range(5):
        _login(client, f"inconnu{n}@example.org", "faux")
    response = _login(client, "paul@example.org", TEST_PASSWORD)
    assert response.status_code == 429
    assert escape(LOCKOUT) in response.content.decode()
    # The account itself is not locked: from another address it logs in.
    response = _login(client, "paul@example.org", TEST_PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302
    assert _logged_in(client)


def test_one_account_tried_from_many_addresses_is_locked_everywhere(client, people):
    for n in range(5):
        _login(client, "paul@example.org", "faux", REMOTE_ADDR=f"10.0.1.{n}")
    response = _login(client, "paul@example.org", TEST_PASSWORD, REMOTE_ADDR="10.0.2.1")
    assert response.status_code == 429
    # Another account from those addresses still logs in.
    response = _login(client, "claire@example.org", TEST_PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 302


def test_a_successful_login_forgets_the_failures(client, people):
    for _ in range(4):
        _login(client, "paul@example.org", "faux")
    assert _login(client, "paul@example.org", TEST_PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        response = _login(client, "paul@example.org", "faux")
    assert response.status_code == 200
    assert _login(client, "paul@example.org", TEST_PASSWORD).status_code == 302


def test_logging_into_ones_own_account_does_not_clear_the_failures_against_another(client, people):
    for _ in range(4):
        _login(client, "claire@example.org", "faux")
    assert _login(client, "paul@example.org", TEST_PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    assert _login(client, "claire@example.org", "faux").status_code == 429
    assert _login(client, "claire@example.org", TEST_PASSWORD).status_code == 429


def test_the_lock_ends_after_30_minutes(client, people):
    for _ in range(5):
        _login(client, "paul@example.org", "faux")
    assert _login(client, "paul@example.org", TEST_PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=True):
        assert _login(client, "paul@example.org", TEST_PASSWORD).status_code == 302


def test_operator_sees_the_lockout_and_unlocks_the_account(client, people):
    for _ in range(5):
        _login(client, "paul@example.org", "faux", REMOTE_ADDR="10.0.3.1")
    operator = people["operator"]
    client.force_login(operator)
    url = reverse("accounts:lockouts")
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "paul@example.org" in content
    assert "10.0.3.1" in content  # the address is locked too
    assert "Débloquer" in content

    response = client.post(url, {"kind": "username", "value": "paul@example.org"}, follow=True)
    assert "Le compte paul@example.org est débloqué" in response.content.decode()
    assert "paul@example.org" not in response.content.decode().split("Blocages en cours")[1]
    entry = AuditEntry.objects.get(action=AuditAction.LOCKOUT_RESET)
    assert entry.actor == operator and entry.object_id == str(people["paul"].pk)

    client.post(reverse("accounts:logout"))
    response = _login(client, "paul@example.org", TEST_PASSWORD, REMOTE_ADDR="10.0.4.1")
    assert response.status_code == 302
    assert _logged_in(client)


def test_operator_unlocks_an_address(client, people):
    for n in range(5):
        _login(client, f"inconnu{n}@example.org", "faux", REMOTE_ADDR="10.0.5.5")
    client.force_login(people["operator"])
    response = client.post(
        reverse("accounts:lockouts"), {"kind": "ip_address", "value": "10.0.5.5"}, follow=True
    )
    assert escape("L'adresse IP 10.0.5.5 est débloquée") in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.LOCKOUT_RESET)
    assert "10.0.5.5" not in str(entry.data)
    client.post(reverse("accounts:logout"))
    response = _login(client, "paul@example.org", TEST_PASSWORD, REMOTE_ADDR="10.0.5.5")
    assert response.status_code == 302


def test_unlock_refuses_a_bad_choice_without_error_page(client, people):
    client.force_login(people["operator"])
    url = reverse("accounts:lockouts")
    for data in ({"kind": "ip_address", "value": "pas-une-ip"}, {"kind": "x", "value": "y"}, {}):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert "rechargez la page et recommencez" in response.content.decode()


@pytest.mark.parametrize("kind", [K.STRUCTURE, K.FUNDER, K.PRESCRIBER])
def test_only_operators_reach_the_lockouts_page(client, make_organisation, make_member, kind):
    client.force_login(make_member(make_organisation(kinds=[kind])))
    url = reverse("accounts:lockouts")
    assert client.get(url).status_code == 403
    assert client.post(url, {"kind": "username", "value": "a@example.org"}).status_code == 403


def test_anonymous_is_sent_to_login_from_the_lockouts_page(client, db):
    response = client.get(reverse("accounts:lockouts"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_operator_home_links_to_the_lockouts_page(client, people):
    link = reverse("accounts:lockouts")
    client.force_login(people["operator"])
    home = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert link in home
    assert reverse("accounts:security") in home
    client.force_login(people["paul"])
    assert link not in client.get(reverse("accounts:home"), follow=True).content.decode()


def test_client_address_behind_trusted_proxies(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")
    settings.PASSNUM_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.9.9.9"  # no proxy: the header is not trusted
    settings.PASSNUM_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "1.2.3.4"  # what our proxy saw, not what the client typed
    settings.PASSNUM_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.PASSNUM_TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.9.9.9"  # fewer entries than proxies: not trusted
    bad = factory.get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="n'importe quoi")
    settings.PASSNUM_TRUSTED_PROXY_COUNT = 1
    assert client_ip(bad) == "10.9.9.9"


def test_lock_counts_the_address_given_by_the_proxy(client, people, settings):
    settings.PASSNUM_TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        _login(
            client,
            f"inconnu{n}@example.org",
            "faux",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    # Another person behind the same proxy is not locked out.
    response = _login(
        client,
        "paul@example.org",
        TEST_PASSWORD,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert response.status_code == 302


def test_session_ends_after_30_minutes_without_a_request(client, people, settings):
    settings.SESSION_SAVE_EVERY_REQUEST = True  # as in base.py
    client.force_login(people["paul"])
    url = reverse("accounts:organisation_home", args=[people["structure"].pk])
    start = timezone.now()
    for minutes in (25, 50, 75):  # each request moves the end of the session
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=True):
            assert client.get(url).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=75 + 31), tick=True):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
