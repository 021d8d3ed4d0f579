"""accompaniments.api: the counter's API, for the structures' own software."""

import pytest

from accounts.services import api_key_create
from tests.factories import CarnetFactory


@pytest.fixture
def setup(money_program, structure, make_agreement, beneficiary):
    make_agreement(money_program, structure)
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    _record, key = api_key_create(actor=None, organisation=structure, name="scanner")
    return issued, key


def test_the_api_consumes_once_and_replays_the_first_answer(client, setup):
    issued, key = setup
    serial, code = issued.codes[0]
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "req-1"}
    first = client.post(
        "/api/v1/units/consume",
        {"serial": serial, "code": code},
        content_type="application/json",
        headers=headers,
    )
    assert first.status_code == 200 and first.json()["outcome"] == "consumed"
    replay = client.post(
        "/api/v1/units/consume",
        {"serial": serial, "code": code},
        content_type="application/json",
        headers=headers,
    )
    assert replay.status_code == 200 and replay.json() == first.json()
    again = client.post(
        "/api/v1/units/consume",
        {"serial": serial, "code": code},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "req-2"},
    )
    assert again.status_code == 409 and again.json()["outcome"] == "already_used"


def test_the_api_refuses_bad_keys_and_reports_refusals(client, setup):
    issued, key = setup
    serial, _code = issued.codes[1]
    assert (
        client.post(
            "/api/v1/units/consume",
            {"serial": serial, "code": "x"},
            content_type="application/json",
        ).status_code
        == 401
    )
    bad = client.post(
        "/api/v1/units/consume",
        {"serial": serial, "code": "x"},
        content_type="application/json",
        headers={"Authorization": "Bearer pn_00000000_nope"},
    )
    assert bad.status_code == 401
    wrong = client.post(
        "/api/v1/units/consume",
        {"serial": serial, "code": "AAAAAAAA", "test": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "t-1"},
    )
    assert wrong.status_code == 422 and wrong.json()["outcome"] == "wrong_code"


def test_the_api_documentation_is_served_from_the_platform(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in page and "/static/" in page
    assert "/api/v1/units/consume" in client.get("/api/v1/openapi.json").json()["paths"]


def test_a_service_refusal_is_a_problem_document_in_french(client, monkeypatch, kk):
    from accompaniments import api as units_api
    from accompaniments.exceptions import AccompanimentsError

    def refuse(**kwargs):
        raise AccompanimentsError("Budget du programme incohérent : contactez l'opérateur.")

    monkeypatch.setattr(units_api, "unit_consume", refuse)
    _record, key = api_key_create(actor=None, organisation=kk["structure"], name="caisse")
    response = client.post(
        "/api/v1/units/consume",
        {"serial": "KK26-00000001-8", "code": "AAAA-AAAA"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k1"},
    )
    assert response.status_code == 422
    assert response.json() == {
        "title": "Refusé",
        "status": 422,
        "detail": "Budget du programme incohérent : contactez l'opérateur.",
    }
