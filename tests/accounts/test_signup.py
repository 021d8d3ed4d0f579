"""Organisations that sign up by themselves: SIRET or RNA, places, first admin, e-mail
confirmed by a signed link, the operator's habilitation with a reason, and no submission of an
application before it."""

import re

import pytest
from django.core import mail, signing

from accounts import services
from accounts.enums import Habilitation
from accounts.enums import OrganisationKind as K
from accounts.exceptions import AccountsError, SignupInvalid
from accounts.models import DeclaredPlace, Organisation, User
from accounts.selectors import habilitation_blocker
from core.models import AuditEntry
from places.models import Place
from programs import services as program_services
from programs.exceptions import ProgramsError
from territories.models import Commune

PASSWORD = "Un-mot-de-passe-solide-2026"


@pytest.fixture(autouse=True)
def _send_at_once(monkeypatch):
    """E-mails leave after the commit; tests run in one transaction: send them at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda callback, *args, **kwargs: callback())


def _signup(kind=K.STRUCTURE, email="direction@kaz.example", ip="10.0.0.1", **extra):
    commune = Commune.objects.get(code="97415")
    fields = {
        "kind": kind,
        "name": "Kaz Numérik",
        "siret": "732 829 320 00074",
        "rna": None,
        "commune": commune,
        "places": [{"name": "Kaz Numérik Centre", "address": "12 rue du Port", "commune": commune}],
        "email": email,
        "first_name": "Josie",
        "last_name": "Técher",
        "password": PASSWORD,
        "ip": ip,
    } | extra
    return services.organisation_signup(**fields)


def _link(message) -> str:
    return re.search(r"http\S+/inscription/confirmer/\S+/", message.body).group(0)


@pytest.fixture
def operator_user(make_organisation, make_member):
    return make_member(make_organisation(name="Opérateur", kinds=(K.OPERATOR,)))


def test_a_structure_signs_up_confirms_and_is_validated_with_its_places(
    client, communes, operator_user
):
    organisation = _signup()
    user = User.objects.get(email="direction@kaz.example")
    assert (organisation.habilitation, organisation.siret, user.is_active) == (
        Habilitation.UNCONFIRMED,
        "73282932000074",
        False,
    )
    assert organisation.memberships.get().role == "admin"
    assert DeclaredPlace.objects.filter(organisation=organisation).count() == 1
    assert not Place.objects.filter(structure=organisation).exists()  # not public yet
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["direction@kaz.example"]

    page = client.get(_link(mail.outbox[0]).replace("http://127.0.0.1:8000", ""))
    assert "Adresse e-mail confirmée" in page.content.decode()
    organisation.refresh_from_db()
    user.refresh_from_db()
    assert (organisation.habilitation, user.is_active) == (Habilitation.PENDING, True)
    assert mail.outbox[-1].to == [operator_user.email]  # the operator is told
    again = client.get(_link(mail.outbox[0]).replace("http://127.0.0.1:8000", ""))
    assert again.status_code == 200 and len(mail.outbox) == 2  # a second click changes nothing

    with pytest.raises(AccountsError) as no_reason:
        services.habilitation_decide(
            actor=operator_user, organisation=organisation, decision="validated", reason=" "
        )
    assert no_reason.value.field == "reason"
    services.habilitation_decide(
        actor=operator_user,
        organisation=organisation,
        decision=Habilitation.VALIDATED,
        reason="SIRET vérifié, lieu ouvert au public.",
    )
    organisation.refresh_from_db()
    assert organisation.habilitation == Habilitation.VALIDATED
    place = Place.objects.get(structure=organisation)
    assert (place.nom, place.adresse, place.code_insee) == (
        "Kaz Numérik Centre",
        "12 rue du Port",
        "97415",
    )
    assert "SIRET vérifié" in mail.outbox[-1].body and mail.outbox[-1].to == [user.email]
    actions = list(
        AuditEntry.objects.filter(organisation_id=organisation.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "accounts.organisation_created",
        "accounts.signed_up",
        "accounts.signup_confirmed",
        "accounts.habilitation_validated",
        "places.created_from_signup",
    ]
    with pytest.raises(AccountsError):  # decided once
        services.habilitation_decide(
            actor=operator_user, organisation=organisation, decision="refused", reason="x"
        )


def test_changes_requested_then_sent_again_then_refused_each_with_a_reason(communes, operator_user):
    organisation = _signup(kind=K.PRESCRIBER)
    services.signup_confirm(token=_link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1])
    services.habilitation_decide(
        actor=operator_user,
        organisation=organisation,
        decision=Habilitation.CHANGES_REQUESTED,
        reason="Le SIRET est celui du siège : donnez celui de l'établissement.",
    )
    organisation.refresh_from_db()
    assert organisation.habilitation == Habilitation.CHANGES_REQUESTED
    assert "l'établissement" in mail.outbox[-1].body  # no HTML escaping in the e-mail
    admin = organisation.memberships.get().user
    services.habilitation_resubmit(
        actor=admin, organisation=organisation, name="Kaz Numérik", siret="44306184100047", rna=""
    )
    organisation.refresh_from_db()
    assert (organisation.habilitation, organisation.siret) == ("pending", "44306184100047")
    services.habilitation_decide(
        actor=operator_user,
        organisation=organisation,
        decision=Habilitation.REFUSED,
        reason="Organisation hors du territoire.",
    )
    organisation.refresh_from_db()
    assert organisation.habilitation_reason == "Organisation hors du territoire."
    assert not Place.objects.filter(structure=organisation).exists()


def test_signing_up_never_tells_whether_an_address_has_an_account(
    client, communes, make_organisation, make_member
):
    existing = make_member(make_organisation(), email="deja@exemple.fr")
    assert _signup(email="DEJA@exemple.fr") is None
    assert not Organisation.objects.filter(name="Kaz Numérik").exists()
    assert mail.outbox[-1].to == [existing.email]
    assert "déjà un compte" in mail.outbox[-1].subject

    pages = []
    for email in ("deja@exemple.fr", "nouvelle@exemple.fr"):
        response = client.post("/compte/inscription/", _form(email=email))
        pages.append(response.content.decode().replace(email, "ADRESSE"))
        assert response.status_code == 200
    assert "Vérifiez votre boîte e-mail" in pages[0]
    strip = re.compile(r'csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert strip.sub("", pages[0]) == strip.sub("", pages[1])


def test_sign_ups_are_counted_per_address_and_hour(communes, settings):
    settings.PASSNUM_SIGNUPS_PER_HOUR = 2
    _signup(email="a@exemple.fr", siret="73282932000074")
    _signup(email="b@exemple.fr", siret="44306184100047")
    with pytest.raises(AccountsError) as refused:
        _signup(email="c@exemple.fr", siret="90000001910000")
    assert "Trop d'inscriptions" in refused.value.message
    _signup(email="d@exemple.fr", siret="90000001910000", ip="10.0.0.2")  # another address


def test_sign_ups_with_an_existing_address_count_too(
    communes, settings, make_member, make_organisation
):
    settings.PASSNUM_SIGNUPS_PER_HOUR = 2
    make_member(make_organisation(), email="deja@exemple.fr")
    assert _signup(email="deja@exemple.fr") is None
    assert _signup(email="deja@exemple.fr") is None
    sent = len(mail.outbox)
    with pytest.raises(AccountsError):
        _signup(email="deja@exemple.fr")
    assert len(mail.outbox) == sent


def test_a_bad_or_expired_link_is_refused(client, communes, settings):
    _signup()
    token = _link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(SignupInvalid):
        services.signup_confirm(token=token[:-2] + "xx")
    settings.PASSNUM_SIGNUP_LINK_DAYS = -1
    with pytest.raises(SignupInvalid) as expired:
        services.signup_confirm(token=token)
    assert "expiré" in expired.value.message
    assert client.get("/compte/inscription/confirmer/abc/").status_code == 410
    forged = signing.dumps({"o": 1, "u": 1}, salt="autre")
    assert client.get(f"/compte/inscription/confirmer/{forged}/").status_code == 410


def _form(email="nouvelle@exemple.fr", **overrides):
    return {
        "kind": "structure",
        "name": "Kaz Numérik",
        "siret": "73282932000074",
        "rna": "",
        "commune": "97415",
        "first_name": "Josie",
        "last_name": "Técher",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "lieux-TOTAL_FORMS": "1",
        "lieux-INITIAL_FORMS": "0",
        "lieux-MIN_NUM_FORMS": "0",
        "lieux-MAX_NUM_FORMS": "20",
        "lieux-0-name": "Kaz Numérik Centre",
        "lieux-0-address": "12 rue du Port",
        "lieux-0-commune": "97415",
    } | overrides


def test_the_sign_up_form_checks_siret_rna_and_places(client, communes):
    page = client.get("/compte/inscription/").content.decode()
    assert 'name="lieux-0-name"' in page and 'name="kind"' in page
    wrong = client.post("/compte/inscription/", _form(siret="73282932000075")).content.decode()
    assert "clé de contrôle est fausse" in wrong
    la_poste = client.post("/compte/inscription/", _form(siret="35600000000047"))
    assert "Vérifiez votre boîte e-mail" in la_poste.content.decode()
    again = client.post(
        "/compte/inscription/", _form(email="autre@exemple.fr", siret="35600000000047")
    )
    assert "numéro SIRET est déjà inscrite" in again.content.decode()
    rna = client.post(
        "/compte/inscription/", _form(email="rna@exemple.fr", siret="", rna="X123")
    ).content.decode()
    assert "Le numéro RNA commence par W" in rna
    no_place = client.post(
        "/compte/inscription/",
        _form(
            email="x@exemple.fr",
            **{"lieux-0-name": "", "lieux-0-address": "", "lieux-0-commune": ""},
        ),
    ).content.decode()
    assert no_place.count("Ce champ est obligatoire.") == 2  # name, address
    assert "Indiquez une commune" in no_place
    half = client.post(
        "/compte/inscription/",
        _form(email="y@exemple.fr", **{"lieux-TOTAL_FORMS": "2", "lieux-1-name": "Annexe"}),
    ).content.decode()
    assert "besoin d&#x27;un nom, d&#x27;une adresse et d&#x27;une commune" in half
    more = client.post("/compte/inscription/", _form(email="z@exemple.fr", more_rows="1"))
    assert 'name="lieux-1-name"' in more.content.decode()
    assert not Organisation.objects.filter(memberships__user__email="z@exemple.fr").exists()


def test_until_validated_an_application_is_prepared_but_not_submitted(
    client, communes, open_call, operator_user, reunion_places
):
    from tests.factories import VALID_BIC, VALID_IBAN

    organisation = _signup()
    services.signup_confirm(token=_link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1])
    organisation.refresh_from_db()
    admin = User.objects.get(email="direction@kaz.example")
    application = program_services.application_save(
        actor=admin,
        call=open_call,
        structure=organisation,
        siret=organisation.siret,
        new_places="Kaz Numérik Centre, 12 rue du Port, Saint-Paul",
        services=["Aide aux démarches administratives"],
        weekly_opening_hours=30,
        iban=VALID_IBAN,
        bic=VALID_BIC,
    )
    blocker = habilitation_blocker(organisation=organisation)
    assert "attend la validation" in blocker
    with pytest.raises(ProgramsError) as refused:
        program_services.application_submit(actor=admin, application=application)
    assert refused.value.message == blocker
    client.force_login(admin)
    page = client.get(f"/programmes/candidatures/{application.pk}/").content.decode()
    assert "Pas encore de dépôt possible" in page and 'value="submit"' not in page
    home = client.get(f"/compte/organisations/{organisation.pk}/").content.decode()
    assert "En attente de validation".lower() in home

    services.habilitation_decide(
        actor=operator_user, organisation=organisation, decision="validated", reason="Vérifiée."
    )
    organisation.refresh_from_db()
    assert habilitation_blocker(organisation=organisation) == ""
    application.refresh_from_db()
    program_services.application_submit(actor=admin, application=application)
    application.refresh_from_db()
    assert application.status == "submitted"


def test_only_the_operator_reviews_sign_ups(client, communes, operator_user, make_member):
    organisation = _signup()
    services.signup_confirm(token=_link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1])
    admin = User.objects.get(email="direction@kaz.example")
    client.force_login(admin)
    assert client.get("/compte/inscriptions/").status_code == 403
    assert client.get(f"/compte/inscriptions/{organisation.pk}/").status_code == 403
    assert client.get(f"/compte/organisations/{organisation.pk}/inscription/").status_code == 200
    assert client.post(f"/compte/organisations/{organisation.pk}/inscription/").status_code == 403

    client.force_login(operator_user)
    listing = client.get("/compte/inscriptions/").content.decode()
    assert "Kaz Numérik" in listing
    url = f"/compte/inscriptions/{organisation.pk}/"
    detail = client.get(url).content.decode()
    assert "Kaz Numérik Centre" in detail and "checked" not in detail  # no decision chosen
    refused = client.post(url, {"decision": "refused", "reason": ""}).content.decode()
    assert "Écrivez le motif" in refused
    response = client.post(url, {"decision": "changes_requested", "reason": "Ajoutez le RIB."})
    assert response.url == "/compte/inscriptions/"
    organisation.refresh_from_db()
    assert organisation.habilitation == "changes_requested"

    client.force_login(admin)
    page = client.get(f"/compte/organisations/{organisation.pk}/inscription/").content.decode()
    assert "Ajoutez le RIB." in page and "Renvoyer l'inscription" in page
    response = client.post(
        f"/compte/organisations/{organisation.pk}/inscription/",
        {"name": "Kaz Numérik", "siret": "73282932000074", "rna": "", "message": "RIB ajouté"},
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.habilitation == "pending"
