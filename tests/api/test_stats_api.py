"""GET /api/v1/stats/programs/{slug}: a program's dashboard figures for partners with the
`stats:read` scope; the same numbers as the funder dashboard's selectors."""

import jsonschema
import pytest

from accounts.enums import ApiScope
from accounts.services import api_key_create
from reporting.periods import period_parse
from reporting.selectors import program_dashboard


def _get(client, slug, key, **query):
    return client.get(
        f"/api/v1/stats/programs/{slug}", query, headers={"Authorization": f"Bearer {key}"}
    )


@pytest.fixture
def stats_key(activity, funder):
    return api_key_create(
        actor=None, organisation=funder, name="tableaux", scopes=[ApiScope.STATS_READ]
    )[1]


def test_the_figures_are_the_dashboard_ones(activity, client, stats_key):
    money = activity["money"]
    response = _get(client, money.slug, stats_key, periode="mois", valeur="2026-11")
    assert response.status_code == 200
    data = response.json()
    board = program_dashboard(program=money, period=period_parse(source=money, value="2026-11"))
    assert data["people"] == board.people == 2
    assert data["carnets"]["issued"] == board.carnets.issued
    assert data["budget"]["reimbursed_cents"] == board.budget.reimbursed_cents == 6000
    assert data["period"] == {
        "kind": "mois",
        "first_day": "2026-11-01",
        "last_day": "2026-11-30",
        "label": "novembre 2026",
        "time_zone": "Europe/Paris",
    }
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/stats/programs/{slug}"]["get"]
    assert {"401", "403", "422", "429"} <= set(operation["responses"])
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.validate(
        data, {**body, "components": schema["components"]}
    ) if "$ref" not in body else None


def test_refusals_are_problem_details(activity, client, stats_key, structure, make_organisation):
    money = activity["money"]
    wrong = _get(client, money.slug, stats_key, periode="dates", du="2026-11-30", au="2026-11-01")
    assert wrong.status_code == 422 and "Date de fin" in wrong.json()["detail"]
    assert _get(client, "inconnu", stats_key).status_code == 404
    consume_only = api_key_create(actor=None, organisation=activity["money"].lead_funder, name="x")[
        1
    ]
    assert _get(client, money.slug, consume_only).status_code == 403
    stranger = make_organisation(kinds=("funder",))
    other = api_key_create(
        actor=None, organisation=stranger, name="y", scopes=[ApiScope.STATS_READ]
    )[1]
    assert _get(client, money.slug, other).status_code == 404  # not its program
    assert client.get(f"/api/v1/stats/programs/{money.slug}").status_code == 401
