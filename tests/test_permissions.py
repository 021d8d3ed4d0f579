"""The permission matrix: every URL of the project, asked by every role, gets the answer
written here. The URLs come from the URL configuration itself, so a view added without an
entry in MATRIX fails `test_every_url_has_an_entry`, with the line to add.

Roles: anonymous; prescriber (admin of the prescriber), structure (admin of the structure),
mediator (plain member of the structure), funder (member of the program's lead funder),
operator; other (admin of another organisation of the kind the entry names, with nothing to do
with the objects of the URL). Objects in URLs come from `world` (factories and services).

Answers: a status code, LOGIN (redirect to the login page), or REDIRECT (any other redirect).
Each request runs in a transaction rolled back after it: a POST of one role changes nothing
for the next one.

To record what the views answer today (then read each line before copying it):
    PASSNUM_MATRIX_RECORD=1 .venv/bin/python -m pytest tests/test_permissions.py -s
"""

import datetime as dt
import os
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accompaniments.services import participant_book
from accounts.enums import OrganisationKind as K
from accounts.enums import Role
from accounts.models import Membership
from accounts.services import invitation_send
from beneficiaries.services import orientation_create
from places.enums import MatchStatus
from places.models import Place, PlaceMatch
from places.services import place_claim_create, place_error_report_create
from programs.models import Agreement, Application
from settlement.models import Claim, PaymentBatch, PricingLine, Transfer
from settlement.services import batch_build, claims_build
from tests.factories import CallFactory, CarnetFactory, SessionFactory, UnitFactory
from tests.settlement.conftest import accept_all

LOGIN = "login"
REDIRECT = "redirect"
ROLES = ("anonymous", "prescriber", "structure", "mediator", "funder", "operator", "other")


@dataclass(frozen=True)
class Entry:
    """What each role gets from one URL. `kwargs(world)` gives the URL's arguments; `owner`
    is the kind of the organisation the URL belongs to (the "other" role is an admin of
    another organisation of that kind); `method` is "get" or "post" (an empty form)."""

    kwargs: object = None
    owner: str = K.STRUCTURE
    method: str = "get"
    answers: dict = field(default_factory=dict)

    def url(self, name: str, world) -> str:
        return reverse(name, kwargs=self.kwargs(world) if self.kwargs else None)


def entry(kwargs=None, *, owner=K.STRUCTURE, method="get", default=403, anonymous=LOGIN, **given):
    """An entry: `anonymous` for the anonymous role, `default` for every role not given."""
    unknown = set(given) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    answers = dict.fromkeys(ROLES, default) | {"anonymous": anonymous} | given
    return Entry(kwargs=kwargs, owner=owner, method=method, answers=answers)


def _pk(attribute):
    return lambda w: {"pk": getattr(w, attribute).pk}


def _org(attribute):
    return lambda w: {"organisation_pk": getattr(w, attribute).pk}


MATRIX: dict[str, Entry] = {
    # public
    "public:home": entry(default=200, anonymous=200),
    "public:accessibility": entry(default=200, anonymous=200),
    "public:legal": entry(default=200, anonymous=200),
    "public:personal_data": entry(default=200, anonymous=200),
    "public:agenda": entry(default=200, anonymous=200),
    "reporting:open_data": entry(default=200, anonymous=200),
    "reporting:open_data_csv": entry(default=200, anonymous=200),
    "reporting:open_data_json": entry(default=200, anonymous=200),
    "reporting:structure": entry(_pk("structure"), structure=200, mediator=200),
    "reporting:structure_export": entry(
        lambda w: {"pk": w.structure.pk, "table": "structure-par-programme"},
        structure=200,
        mediator=200,
    ),
    "reporting:prescriber": entry(_pk("prescriber"), owner=K.PRESCRIBER, prescriber=200),
    "reporting:prescriber_export": entry(
        lambda w: {"pk": w.prescriber.pk, "table": "carnets-non-utilises"},
        owner=K.PRESCRIBER,
        prescriber=200,
    ),
    "reporting:prescriber_follow_up": entry(
        _pk("prescriber"), owner=K.PRESCRIBER, method="post", prescriber=404
    ),
    "accounts:signup": entry(default=200, anonymous=200),
    "accounts:signup_confirm": entry(lambda w: {"token": "jeton-faux"}, default=410, anonymous=410),
    "accounts:habilitation": entry(_pk("structure"), structure=200, mediator=200),
    "accounts:habilitations": entry(owner=K.OPERATOR, operator=200, other=200),
    "accounts:habilitation_detail": entry(
        _pk("structure"), owner=K.OPERATOR, operator=200, other=200
    ),
    "places:edit": entry(_pk("place"), structure=200, mediator=200, operator=200),
    "places:export_data_inclusion": entry(
        lambda w: {"kind": "structures", "extension": "json"}, default=200, anonymous=200
    ),
    # accounts
    "accounts:login": entry(default=REDIRECT, anonymous=200),
    "accounts:login_code": entry(default=REDIRECT),
    "accounts:security": entry(default=200),
    "accounts:two_factor_setup": entry(default=200),
    "accounts:recovery_codes": entry(default=REDIRECT),
    "accounts:lockouts": entry(owner=K.OPERATOR, operator=200, other=200),
    "accounts:audit_journal": entry(owner=K.OPERATOR, operator=200, other=200),
    "accounts:logout": entry(method="post", default=REDIRECT, anonymous=REDIRECT),
    "accounts:password_reset": entry(default=200, anonymous=200),
    "accounts:password_reset_done": entry(default=200, anonymous=200),
    "accounts:password_reset_confirm": entry(
        lambda w: {"uidb64": "MQ", "token": "x-y"}, default=200, anonymous=200
    ),
    "accounts:password_reset_complete": entry(default=200, anonymous=200),
    "accounts:home": entry(default=REDIRECT),
    "accounts:organisation_list": entry(owner=K.OPERATOR, operator=200, other=200),
    "accounts:organisation_create": entry(owner=K.OPERATOR, operator=200, other=200),
    "accounts:organisation_home": entry(_pk("structure"), structure=200, mediator=200),
    "accounts:members": entry(_pk("structure"), structure=200, mediator=200),
    "accounts:member_update": entry(
        lambda w: {"pk": w.structure.pk, "membership_pk": w.mediator_membership.pk},
        method="post",
        structure=REDIRECT,
    ),
    "accounts:invitation_revoke": entry(
        lambda w: {"pk": w.structure.pk, "invitation_pk": w.invitation.pk},
        method="post",
        structure=REDIRECT,
    ),
    "accounts:invitation_accept": entry(
        lambda w: {"token": w.invitation_token}, default=200, anonymous=200
    ),
    "accounts:api_keys": entry(_pk("structure"), structure=200),
    # territories
    "territories:commune_autocomplete": entry(default=200, anonymous=200),
    "territories:departement_autocomplete": entry(default=200, anonymous=200),
    "health": entry(default=200, anonymous=200),
    # places
    "places:search": entry(default=200, anonymous=200),
    "places:detail": entry(_pk("place"), default=200, anonymous=200),
    "places:report_error": entry(_pk("place"), default=200, anonymous=200),
    "places:export_csv": entry(default=200, anonymous=200),
    "places:export_json": entry(default=200, anonymous=200),
    "places:import": entry(owner=K.OPERATOR, operator=200, other=200),
    "places:import_report": entry(owner=K.OPERATOR, operator=404, other=404),
    "places:error_reports": entry(owner=K.OPERATOR, operator=200, other=200),
    "places:error_report_handle": entry(
        _pk("error_report"), owner=K.OPERATOR, method="post", operator=REDIRECT, other=REDIRECT
    ),
    "places:structure_places": entry(_org("structure"), structure=200, mediator=200),
    "places:claim": entry(_pk("free_place"), structure=200, mediator=200, other=200),
    "places:attach": entry(
        _pk("free_place"), owner=K.OPERATOR, method="post", operator=REDIRECT, other=REDIRECT
    ),
    "places:duplicates": entry(owner=K.OPERATOR, operator=200, other=200),
    "places:duplicate_decide": entry(
        _pk("place_match"), owner=K.OPERATOR, method="post", operator=REDIRECT, other=REDIRECT
    ),
    "places:claims": entry(owner=K.OPERATOR, operator=200, other=200),
    "places:claim_decide": entry(
        _pk("place_claim"), owner=K.OPERATOR, method="post", operator=REDIRECT, other=REDIRECT
    ),
    # programs
    "programs:program_list": entry(owner=K.FUNDER, default=200),
    "programs:program_create": entry(owner=K.FUNDER, funder=200, other=200),
    "programs:calls_open": entry(default=200),
    "programs:call_detail": entry(_pk("call"), default=200, anonymous=200),
    "programs:call_publish": entry(
        _pk("call"), owner=K.FUNDER, method="post", funder=REDIRECT, operator=REDIRECT
    ),
    "programs:application_create": entry(_pk("call"), structure=200, mediator=200, other=200),
    "programs:application_detail": entry(
        _pk("application"), default=200, prescriber=403, other=403
    ),
    "programs:application_edit": entry(_pk("application"), structure=200, mediator=200),
    "programs:application_action": entry(
        _pk("application"), method="post", default=REDIRECT, prescriber=403, other=403
    ),
    "programs:application_review": entry(
        _pk("application"), owner=K.FUNDER, method="post", funder=200, operator=200
    ),
    "programs:agreement_status": entry(
        _pk("agreement"), owner=K.FUNDER, method="post", funder=200, operator=200
    ),
    "programs:program_edit": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, funder=200, operator=200
    ),
    "programs:place_manage": entry(_pk("place"), owner=K.OPERATOR, operator=200, other=200),
    "reporting:index": entry(default=200),
    "reporting:columns": entry(default=200, anonymous=200),
    "reporting:funder": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, funder=200, operator=200
    ),
    "reporting:funder_uses": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, funder=200, operator=200
    ),
    "reporting:funder_export": entry(
        lambda w: {"slug": w.program.slug, "table": "par-commune"},
        owner=K.FUNDER,
        funder=200,
        operator=200,
    ),
    "programs:program_detail": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, funder=200, operator=200
    ),
    "programs:commitment_add": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, funder=200, operator=200
    ),
    "programs:quota_set": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, funder=200, operator=200
    ),
    "programs:call_create": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, funder=200, operator=200
    ),
    "programs:coverage": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, funder=200, operator=200
    ),
    # beneficiaries
    "beneficiaries:orientation_create": entry(
        lambda w: {"place_pk": w.place.pk}, owner=K.PRESCRIBER, prescriber=200, other=200
    ),
    "beneficiaries:orientation_detail": entry(
        _pk("orientation"), owner=K.PRESCRIBER, default=200, funder=403, operator=403, other=403
    ),
    "beneficiaries:orientation_pdf": entry(
        _pk("orientation"), owner=K.PRESCRIBER, default=200, funder=403, operator=403, other=403
    ),
    "beneficiaries:orientation_outcome": entry(
        _pk("orientation"), method="post", structure=REDIRECT, mediator=REDIRECT
    ),
    "beneficiaries:orientations_sent": entry(
        _org("prescriber"), owner=K.PRESCRIBER, prescriber=200
    ),
    "beneficiaries:orientations_received": entry(_org("structure"), structure=200, mediator=200),
    "beneficiaries:beneficiary_list": entry(_org("prescriber"), owner=K.PRESCRIBER, prescriber=200),
    "beneficiaries:beneficiary_create": entry(
        _org("prescriber"), owner=K.PRESCRIBER, prescriber=200
    ),
    "beneficiaries:beneficiary_detail": entry(
        _pk("beneficiary"), owner=K.PRESCRIBER, default=200, funder=403, operator=403, other=403
    ),
    "beneficiaries:beneficiary_update": entry(
        _pk("beneficiary"), owner=K.PRESCRIBER, prescriber=200
    ),
    "beneficiaries:beneficiary_data_export": entry(
        _pk("beneficiary"), owner=K.PRESCRIBER, prescriber=200
    ),
    "beneficiaries:diagnostic_create": entry(
        lambda w: {"pk": w.beneficiary.pk, "program_pk": w.program.pk},
        owner=K.PRESCRIBER,
        prescriber=200,
    ),
    # vouchers
    "vouchers:carnet_issue": entry(
        lambda w: {"beneficiary_pk": w.beneficiary.pk}, owner=K.PRESCRIBER, prescriber=200
    ),
    "vouchers:carnet_batch": entry(_org("prescriber"), owner=K.PRESCRIBER, prescriber=200),
    "vouchers:carnets_unused": entry(_org("prescriber"), owner=K.PRESCRIBER, prescriber=200),
    "vouchers:carnet_detail": entry(_pk("carnet"), owner=K.PRESCRIBER, prescriber=200),
    "vouchers:carnet_opposition": entry(_pk("carnet"), owner=K.PRESCRIBER, prescriber=200),
    "vouchers:balance": entry(default=200, anonymous=200),
    "vouchers:units_blocked": entry(owner=K.OPERATOR, operator=200, other=200),
    # accompaniments
    "accompaniments:redeem": entry(structure=200, mediator=200, other=200),
    "accompaniments:welcome": entry(structure=200, mediator=200, other=200),
    "accompaniments:walk_in": entry(method="post", structure=404, mediator=404, other=404),
    "accompaniments:dashboard": entry(_org("structure"), structure=200, mediator=200),
    "accompaniments:session_list": entry(_org("structure"), structure=200, mediator=200),
    "accompaniments:session_create": entry(_org("structure"), structure=200, mediator=200),
    "accompaniments:session_detail": entry(_pk("session"), structure=200, mediator=200),
    "accompaniments:session_change": entry(_pk("session"), structure=200, mediator=200),
    "accompaniments:session_cancel": entry(_pk("session"), structure=200, mediator=200),
    "accompaniments:book": entry(_pk("session"), default=200, funder=403, operator=403, other=403),
    "accompaniments:anonymous_add": entry(
        _pk("session"), method="post", structure=REDIRECT, mediator=REDIRECT
    ),
    "accompaniments:attendance": entry(
        lambda w: {"participant_pk": w.participant.pk},
        method="post",
        structure=REDIRECT,
        mediator=REDIRECT,
    ),
    "accompaniments:booking_cancel": entry(
        lambda w: {"participant_pk": w.participant.pk},
        method="post",
        structure=REDIRECT,
        mediator=REDIRECT,
    ),
    "accompaniments:survey": entry(
        lambda w: {"beneficiary_pk": w.beneficiary.pk, "program_pk": w.program.pk},
        default=200,
        funder=403,
        operator=403,
        other=403,
    ),
    # settlement
    "settlement:batch_list": entry(owner=K.OPERATOR, operator=200, other=200),
    "settlement:batch_detail": entry(_pk("batch"), owner=K.OPERATOR, operator=200, other=200),
    "settlement:batch_status": entry(
        _pk("batch"), owner=K.OPERATOR, method="post", operator=REDIRECT, other=REDIRECT
    ),
    "settlement:transfer_reject": entry(
        _pk("transfer"), owner=K.OPERATOR, method="post", operator=REDIRECT, other=REDIRECT
    ),
    "settlement:structure_claims": entry(_org("structure"), structure=200, mediator=200),
    "settlement:claim_detail": entry(_pk("claim"), structure=200, mediator=200, operator=200),
    "settlement:line_contest": entry(
        _pk("line"), method="post", structure=REDIRECT, mediator=REDIRECT, operator=REDIRECT
    ),
    "settlement:funder_documents": entry(_org("funder"), owner=K.FUNDER, funder=200),
    # controls
    "controls:review": entry(owner=K.OPERATOR, operator=200, other=200),
    "controls:decide": entry(
        _pk("line"), owner=K.OPERATOR, method="post", operator=REDIRECT, other=REDIRECT
    ),
    # API (web sessions carry no key: the operations answer 401; see tests/api for keys)
    "api:openapi-json": entry(default=200, anonymous=200),
    "api:openapi-view": entry(default=200, anonymous=200),
    "api:api-root": entry(default=404, anonymous=404),
    "api:consume": entry(method="post", default=401, anonymous=401),
    "api:stats_program": entry(
        lambda w: {"slug": w.program.slug}, owner=K.FUNDER, default=401, anonymous=401
    ),
    "api:sessions_list": entry(default=401, anonymous=401),
    "api:sessions_create": entry(method="post", default=401, anonymous=401),
    "api:sessions_get": entry(lambda w: {"session_id": w.session.uuid}, default=401, anonymous=401),
    "api:sessions_update": entry(
        lambda w: {"session_id": w.session.uuid}, default=401, anonymous=401
    ),
    "api:sessions_cancel": entry(
        lambda w: {"session_id": w.session.uuid}, method="post", default=401, anonymous=401
    ),
    "api:places_list": entry(default=200, anonymous=200),
    "api:places_geojson": entry(default=200, anonymous=200),
}


def _urls(patterns=None, namespace="", prefix=""):
    """(name, route) of every URL pattern; a pattern without a name gets its route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _urls(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if pattern.name else route
            yield name.lstrip(":"), route


# The technical admin (Django's, django-otp's and django-axes' pages): superusers with a second
# factor only, so every role here is sent to its login page, whatever the page.
ADMIN_PREFIX = "admin-technique/"


def _admin_urls():
    for name, route in _urls():
        if route.startswith(ADMIN_PREFIX):
            yield name, route


def _admin_url(name: str, route: str) -> str:
    if name == "admin:app_list":
        return reverse(name, kwargs={"app_label": "beneficiaries"})
    if "(?P<url>" in route:  # the admin's catch-all
        return f"/{ADMIN_PREFIX}nulle-part/"
    concrete = route
    while "<" in concrete:
        start = concrete.index("<")
        concrete = concrete[:start] + "1" + concrete[concrete.index(">", start) + 1 :]
    return "/" + concrete


ADMIN_LOGIN = "admin login"
ADMIN_ANSWERS = dict.fromkeys(ROLES, ADMIN_LOGIN)
ADMIN_EXCEPTIONS = {
    "admin:logout": dict.fromkeys(ROLES, REDIRECT),
    # its login page sends to the site's (throttled) login, and refuses non-superusers
    "admin:login": {"anonymous": LOGIN} | dict.fromkeys(ROLES[1:], 403),
}


@pytest.fixture
def world(
    kk,
    money_program,
    prescriber,
    funder,
    funder_user,
    make_organisation,
    make_member,
    make_beneficiary,
    make_agreement,
):
    """One of everything a URL names, made through the services, and a user per role."""
    structure, program, mediator = kk["structure"], kk["program"], kk["mediator"]
    make_agreement(money_program, structure)
    operator = make_organisation(name="Opérateur test", kinds=(K.OPERATOR,))
    users = {
        "prescriber": make_member(prescriber, role=Role.ADMIN),
        "structure": make_member(structure, role=Role.ADMIN),
        "mediator": mediator,
        "funder": funder_user,
        "operator": make_member(operator, role=Role.ADMIN),
    }
    others = {
        kind: make_member(make_organisation(name=f"Autre {kind}", kinds=(kind,)), role=Role.ADMIN)
        for kind in K.values
    }
    beneficiary = make_beneficiary(first_name="Marie", phone="0692123456")
    hours = CarnetFactory(program=program, beneficiary=beneficiary)
    vouchers = CarnetFactory(program=money_program, beneficiary=beneficiary, units=5)
    for serial, code in vouchers.codes[:2]:  # served by the structure: lines to pay
        from accompaniments.services import unit_consume

        assert unit_consume(actor=None, structure=structure, serial=serial, code=code).ok
    session = SessionFactory(structure=structure, program=program, mediator=mediator)
    participant = participant_book(
        actor=mediator, session=session, beneficiary=beneficiary, booked_by=structure
    )
    place = Place.objects.filter(structure=structure).order_by("pk").first()
    free_place = Place.objects.filter(structure__isnull=True).order_by("pk").first()
    orientation = orientation_create(
        actor=users["prescriber"],
        prescriber=prescriber,
        place=place,
        person_name="Marie Payet",
        need="Faire ses démarches en ligne",
        beneficiary=beneficiary,
    )
    invitation, token = invitation_send(
        actor=users["structure"], organisation=structure, email="nouveau@example.org"
    )
    other_structure = others[K.STRUCTURE].memberships.get().organisation
    claimed = Place.objects.filter(structure__isnull=True).order_by("-pk").first()
    place_claim = place_claim_create(
        actor=others[K.STRUCTURE], place=claimed, structure=other_structure
    )
    error_report = place_error_report_create(place=place, message="Fermé le lundi")
    call = CallFactory(program=program, actor=funder_user)
    application = Application.objects.filter(structure=structure).order_by("pk").first()
    claims_build(until=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    line = PricingLine.objects.order_by("pk").first()
    claim = Claim.objects.order_by("pk").first()
    accept_all()
    batch_build(actor=None, until=dt.date(2026, 11, 25))
    blocked = UnitFactory(issued=vouchers, position=5, structure=structure, blocked=True)
    twin = Place.objects.filter(pk__gt=free_place.pk).order_by("pk").first()
    place_match = PlaceMatch.objects.create(
        place_a=free_place, place_b=twin, score=75, name_score=80, status=MatchStatus.PENDING
    )
    return SimpleNamespace(
        users=users,
        others=others,
        structure=structure,
        prescriber=prescriber,
        funder=funder,
        operator=operator,
        program=program,
        money_program=money_program,
        beneficiary=beneficiary,
        carnet=hours.carnet,
        session=session,
        participant=participant,
        place=place,
        free_place=free_place,
        orientation=orientation,
        invitation=invitation,
        invitation_token=token,
        mediator_membership=Membership.objects.get(user=mediator, organisation=structure),
        place_claim=place_claim,
        error_report=error_report,
        call=call,
        application=application,
        agreement=Agreement.objects.get(program=program, structure=structure),
        line=line,
        claim=claim,
        batch=PaymentBatch.objects.get(),
        transfer=Transfer.objects.order_by("pk").first(),
        blocked_unit=blocked,
        place_match=place_match,
    )


def _answer(response) -> object:
    if response.status_code in (301, 302):
        login = reverse(settings.LOGIN_URL)
        if response.url.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        return LOGIN if response.url.startswith(login) else REDIRECT
    return response.status_code


def _ask(client: Client, url: str, method: str):
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return _answer(response)


def _client_for(world, role: str, other_kind: str) -> Client:
    client = Client(raise_request_exception=False)
    if role == "other":
        client.force_login(world.others[other_kind])
    elif role != "anonymous":
        client.force_login(world.users[role])
    return client


RECORD = os.environ.get("PASSNUM_MATRIX_RECORD") == "1"


def _missing_entry_line(name: str, route: str) -> str:
    arguments = [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]
    kwargs = (
        "lambda w: {" + ", ".join(f'"{a}": w.OBJECT.pk' for a in arguments) + "}"
        if arguments
        else "None"
    )
    return (
        f'    "{name}": entry({kwargs}, owner=K.STRUCTURE, '
        "prescriber=..., structure=..., mediator=..., funder=..., operator=..., other=...),"
        f"  # /{route}"
    )


def test_every_url_has_an_entry():
    names = {name: route for name, route in _urls() if not route.startswith(ADMIN_PREFIX)}
    missing = [name for name in names if name not in MATRIX]
    stale = sorted(set(MATRIX) - set(names))
    assert not missing, (
        f"{len(missing)} URL(s) without an entry in the permission matrix "
        "(tests/test_permissions.py, MATRIX). Add, with each role's expected answer "
        "(status code, LOGIN or REDIRECT; entry() fills LOGIN for anonymous and 403 for "
        "roles not given; the objects are the attributes of `world`):\n"
        + "\n".join(_missing_entry_line(name, names[name]) for name in missing)
        + "\nOBJECT: an attribute of the `world` fixture (add one there if the view needs a "
        "new kind of object); owner: the kind of organisation the URL belongs to. Then run "
        "PASSNUM_MATRIX_RECORD=1 .venv/bin/python -m pytest tests/test_permissions.py -s -p "
        "no:logging to print what each role gets today, and check each answer against the "
        "rule before writing it down."
    )
    assert not stale, f"Entries for URLs that no longer exist: {stale}"


@pytest.mark.django_db
def test_every_role_gets_the_expected_answer_from_every_url(world):
    wrong, recorded = [], []
    for name, spec in MATRIX.items():
        url = spec.url(name, world)
        answers = {}
        for role in ROLES:  # a new session each time: a page may log out or log in
            answers[role] = _ask(_client_for(world, role, spec.owner), url, spec.method)
            expected = spec.answers[role]
            if answers[role] != expected:
                wrong.append(
                    f"{name} {spec.method.upper()} {url} as {role}: "
                    f"{answers[role]!r}, expected {expected!r}"
                )
        recorded.append(f"{name}: {answers}")
    if RECORD:
        print("\n".join(recorded))
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_the_technical_admin_is_closed_to_every_role(world):
    clients = {role: _client_for(world, role, K.STRUCTURE) for role in ROLES}
    wrong = []
    for name, route in _admin_urls():
        url = _admin_url(name, route)
        for role in ROLES:
            expected = ADMIN_EXCEPTIONS.get(name, ADMIN_ANSWERS)[role]
            answer = _ask(clients[role], url, "get")
            if answer != expected:
                wrong.append(f"{name} {url} as {role}: {answer!r}, expected {expected!r}")
    assert not wrong, "\n".join(wrong)
