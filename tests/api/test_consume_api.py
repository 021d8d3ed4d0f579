"""The API's contract: idempotency keys bound to their request, scopes, last use, rate limit,
and every answer in a documented status and shape (problem details for the refusals)."""

import datetime as dt
import itertools

import jsonschema
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accompaniments.api import SERIAL_PATTERN
from accounts.enums import ApiScope, Role
from accounts.models import ApiKey
from accounts.services import api_key_admit, api_key_create, api_key_revoke
from core.models import IdempotencyRecord
from tests.concurrency import race
from tests.factories import CarnetFactory
from vouchers.enums import UnitState
from vouchers.models import Unit

URL = "/api/v1/units/consume"
PROBLEM = "application/problem+json"


@pytest.fixture
def setup(money_program, structure, make_agreement, beneficiary):
    make_agreement(money_program, structure)
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    record, key = api_key_create(actor=None, organisation=structure, name="caisse")
    return issued, record, key


def post(client, body, key=None, idempotency_key=None):
    headers = {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return client.post(URL, body, content_type="application/json", headers=headers)


def state(serial: str) -> str:
    return Unit.objects.get(serial=serial).state


@pytest.fixture
def openapi(client, db):
    return client.get("/api/v1/openapi.json").json()


def documented(openapi, response) -> None:
    """The answer's status is documented for the operation, with its content type, and its
    body matches the schema documented for them."""
    answers = openapi["paths"][URL]["post"]["responses"]
    assert str(response.status_code) in answers, response.status_code
    content_type = response["Content-Type"].split(";")[0]
    content = answers[str(response.status_code)]["content"]
    assert content_type in content, (response.status_code, content_type)
    schema = dict(content[content_type]["schema"], components=openapi["components"])
    jsonschema.validate(response.json(), schema)


def test_an_idempotency_key_of_101_characters_is_refused_and_nothing_is_used(client, setup):
    issued, _record, key = setup
    serial, code = issued.codes[0]
    refused = post(client, {"serial": serial, "code": code}, key, "k" * 101)
    assert refused.status_code == 422 and refused["Content-Type"].startswith(PROBLEM)
    body = refused.json()
    assert body["field"] == "Idempotency-Key"
    assert body["errors"] == [
        {"field": "Idempotency-Key", "location": "header", "message": "100 caractères au plus"}
    ]
    assert state(serial) == UnitState.ISSUED
    assert not IdempotencyRecord.objects.exists()
    used = post(client, {"serial": serial, "code": code}, key, "k" * 100)
    assert used.status_code == 200 and used.json()["outcome"] == "consumed"


def test_the_same_key_with_another_body_is_refused(client, setup):
    issued, _record, key = setup
    (serial, code), (other_serial, other_code) = issued.codes[:2]
    first = post(client, {"serial": serial, "code": code}, key, "req-1")
    assert first.status_code == 200
    refused = post(client, {"serial": other_serial, "code": other_code}, key, "req-1")
    assert refused.status_code == 422 and refused["Content-Type"].startswith(PROBLEM)
    assert refused.json()["field"] == "Idempotency-Key"
    assert "déjà utilisée pour une autre demande" in refused.json()["detail"]
    assert state(other_serial) == UnitState.ISSUED
    # A test reads no key at all: the key sent with it is not checked.
    checked = post(client, {"serial": other_serial, "code": other_code, "test": True}, key, "req-1")
    assert checked.status_code == 200 and checked.json()["outcome"] == "valid"
    used = post(client, {"serial": other_serial, "code": other_code}, key, "req-2")
    assert used.status_code == 200 and used.json()["outcome"] == "consumed"


def test_the_same_key_with_the_same_body_gets_the_first_answer(client, setup):
    issued, _record, key = setup
    serial, code = issued.codes[0]
    first = post(client, {"serial": serial, "code": code}, key, "req-1")
    # Same body, keys in another order and the default written out: the same request.
    replay = post(client, {"test": False, "code": code, "serial": serial}, key, "req-1")
    assert first.status_code == replay.status_code == 200
    assert replay.json() == first.json()
    stored = IdempotencyRecord.objects.get(key="req-1")
    assert len(stored.fingerprint) == 64


def test_a_refused_use_is_not_kept_and_the_key_can_be_sent_again_corrected(client, setup):
    issued, _record, key = setup
    serial, code = issued.codes[0]
    wrong = post(client, {"serial": serial, "code": "AAAAAAAA"}, key, "req-1")
    assert wrong.status_code == 422 and wrong.json()["outcome"] == "wrong_code"
    assert post(client, {"serial": serial, "code": code}, key, "req-1").status_code == 200


def test_a_request_without_a_key_is_refused_a_test_keeps_none(client, setup):
    issued, _record, key = setup
    serial, code = issued.codes[0]
    for idempotency_key, message in ((None, "obligatoire"), ("", "ne peut pas être vide")) + (
        ("   ", "format invalide"),
        ("clé avec accents", "format invalide"),
    ):
        for body in (
            {"serial": serial, "code": code},
            {"serial": serial, "code": code, "test": True},
        ):
            refused = post(client, body, key, idempotency_key)
            assert refused.status_code == 422 and refused["Content-Type"].startswith(PROBLEM)
            assert refused.json()["field"] == "Idempotency-Key"
            assert refused.json()["errors"] == [
                {"field": "Idempotency-Key", "location": "header", "message": message}
            ]
    assert state(serial) == UnitState.ISSUED
    for _ in range(2):  # a test is not kept under its key: asked again, checked again
        checked = post(client, {"serial": serial, "code": code, "test": True}, key, "t-1")
        assert checked.status_code == 200 and checked.json()["outcome"] == "valid"
    assert state(serial) == UnitState.ISSUED
    assert not IdempotencyRecord.objects.exists()


def test_a_key_without_the_scope_is_refused(client, setup, structure):
    issued, _record, _key = setup
    serial, code = issued.codes[0]
    _other, key = api_key_create(
        actor=None, organisation=structure, name="stats", scopes=[ApiScope.STATS_READ]
    )
    refused = post(client, {"serial": serial, "code": code}, key, "req-1")
    assert refused.status_code == 403 and refused["Content-Type"].startswith(PROBLEM)
    assert "units:consume" in refused.json()["detail"]
    assert state(serial) == UnitState.ISSUED


def test_keys_made_before_scopes_may_use_vouchers(setup):
    _issued, record, _key = setup
    assert ApiKey._meta.get_field("scopes").get_default() == ["units:consume"]
    assert record.scopes == ["units:consume"]


def test_last_use_is_written_at_most_once_a_minute(client, setup):
    issued, record, key = setup
    serial, code = issued.codes[0]
    assert record.last_used_at is None
    start = dt.datetime(2026, 11, 25, 9, 30, 10, tzinfo=dt.UTC)
    for seconds, expected in ((0, 0), (50, 0), (61, 61)):
        with time_machine.travel(start + dt.timedelta(seconds=seconds), tick=False):
            post(client, {"serial": serial, "code": code, "test": True}, key, "t")
        record.refresh_from_db()
        assert record.last_used_at == start + dt.timedelta(seconds=expected)


def test_over_the_rate_limit_the_key_waits(client, setup, settings):
    issued, _record, key = setup
    serial, code = issued.codes[0]
    settings.PASSNUM_API_RATE_PER_MINUTE = 2
    body = {"serial": serial, "code": code, "test": True}
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 40, 35, tzinfo=dt.UTC), tick=False):
        assert post(client, body, key, "t").status_code == 200
        assert post(client, body, key, "t").status_code == 200
        refused = post(client, body, key, "t")
    assert refused.status_code == 429 and refused["Content-Type"].startswith(PROBLEM)
    assert refused["Retry-After"] == "25"
    assert refused.json()["status"] == 429
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 41, 0, tzinfo=dt.UTC), tick=False):
        assert post(client, body, key, "t").status_code == 200


def test_unparsable_and_invalid_bodies_get_their_documented_shape(client, setup, openapi):
    _issued, _record, key = setup
    unparsable = client.post(
        URL,
        "{serial: ",
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k"},
    )
    assert unparsable.status_code == 400
    documented(openapi, unparsable)
    invalid = post(client, {"serial": "", "test": "oui"}, key, "k")
    assert invalid.status_code == 422
    documented(openapi, invalid)
    assert {error["field"] for error in invalid.json()["errors"]} == {"serial", "code", "test"}
    assert "serial : ne peut pas être vide" in invalid.json()["detail"]
    not_an_object = post(client, [1, 2], key, "k")
    assert not_an_object.status_code == 422
    documented(openapi, not_an_object)
    anonymous = post(client, {"serial": "x", "code": "y"})
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Bearer"
    documented(openapi, anonymous)


def test_the_openapi_document_lists_every_answer_of_consume(openapi):
    operation = openapi["paths"][URL]["post"]
    assert {"200", "400", "401", "403", "409", "422", "429"} <= set(operation["responses"])
    assert set(operation["responses"]["422"]["content"]) == {"application/json", PROBLEM}
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and header["schema"]["maxLength"] == 100
    consume_in = openapi["components"]["schemas"]["ConsumeIn"]["properties"]
    assert consume_in["serial"]["minLength"] == 1 and consume_in["serial"]["maxLength"] == 30
    assert consume_in["code"]["minLength"] == 1 and consume_in["code"]["maxLength"] == 12


def test_the_api_keys_page_gives_the_scopes_ticked(client, structure, make_member):
    admin = make_member(structure, role=Role.ADMIN)
    client.force_login(admin)
    url = reverse("accounts:api_keys", args=[structure.pk])
    page = client.post(url, {"name": "statistiques", "scopes": ["stats:read", "units:consume"]})
    assert page.status_code == 200
    record = ApiKey.objects.get(organisation=structure)
    assert record.scopes == ["stats:read", "units:consume"]
    assert "Lire les statistiques" in page.content.decode()
    client.post(url, {"name": "sans case cochée"})
    assert ApiKey.objects.get(name="sans case cochée").scopes == ["units:consume"]


def test_the_command_takes_scopes(structure, capsys):
    call_command(
        "api_key_create",
        str(structure.pk),
        "--scope",
        "sessions:write",
        "--scope",
        "stats:read",
        "--wet-run",
    )
    assert ApiKey.objects.get(organisation=structure).scopes == ["sessions:write", "stats:read"]
    assert "Droits : sessions:write, stats:read" in capsys.readouterr().out


# --- Property: whatever the body, an answer documented in status and shape ---------------

_counter = itertools.count()

texts = st.text(max_size=40)
serials = st.one_of(texts, st.from_regex(SERIAL_PATTERN, fullmatch=True))
codes = st.one_of(texts, st.text(alphabet="ABCDEFGHJKMNPQRSTVWXYZ0123456789-", max_size=12))
bodies = st.one_of(
    st.fixed_dictionaries(
        {"serial": serials, "code": codes},
        optional={"test": st.one_of(st.booleans(), texts, st.integers())},
    ),
    st.dictionaries(texts, st.one_of(texts, st.integers(), st.none()), max_size=3),
    st.lists(st.integers(), max_size=2),
    st.integers(),
)


@hypothesis_settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies, use_real=st.booleans())
def test_any_body_gets_a_documented_answer(client, setup, openapi, body, use_real):
    issued, _record, key = setup
    if use_real and isinstance(body, dict) and "serial" in body:
        body["serial"] = issued.codes[next(_counter) % len(issued.codes)][0]
    response = post(client, body, key, f"prop-{next(_counter)}")
    assert response.status_code < 500
    documented(openapi, response)
    request_schema = dict(
        openapi["components"]["schemas"]["ConsumeIn"], components=openapi["components"]
    )
    if jsonschema.Draft202012Validator(request_schema).is_valid(body):
        # Valid by the schema: never refused as invalid input, only by the business rules.
        assert response["Content-Type"].startswith("application/json"), response.json()


def test_a_revoked_or_wrong_key_is_refused_and_not_counted(client, setup, settings):
    issued, record, key = setup
    serial, code = issued.codes[0]
    body = {"serial": serial, "code": code, "test": True}
    wrong = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    assert post(client, body, wrong, "t").status_code == 401
    record.refresh_from_db()
    assert record.rate_count == 0 and record.last_used_at is None
    assert post(client, body, key, "t").status_code == 200
    api_key_revoke(actor=None, record=record)
    assert post(client, body, key, "t").status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_a_key_are_all_counted(setup, settings):
    """Eight requests at once with a limit of five: five pass, three wait, and the key's window
    counts five."""
    _issued, record, key = setup
    settings.PASSNUM_API_RATE_PER_MINUTE = 5
    outcomes = race([lambda: api_key_admit(key=key, per_minute=5)[1] == 0 for _ in range(8)])
    assert sorted(outcomes) == [False] * 3 + [True] * 5
    record.refresh_from_db()
    assert record.rate_count == 5
