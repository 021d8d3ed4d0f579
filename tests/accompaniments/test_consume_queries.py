"""The database work of one consumption, pinned: a new query on this path must be a choice."""

from django.db import connection

from accounts.services import api_key_create
from places.models import Place
from vouchers.models import UnitEvent


def key_queries() -> int:
    """The key found, counted and marked used with its organisation in one statement (SQLite
    cannot return the organisation from an UPDATE: one more)."""
    return 1 if connection.vendor == "postgresql" else 2


# After the key: the transaction (a savepoint in the tests); the unit locked with its carnet,
# program, the structure's agreement and block and whether it served the person already; the
# unit, the budget, the event, its pricing line (settlement, through LEDGER_EVENTS), the
# idempotency record; the savepoint released.
CONSUME_QUERIES = 8
# As the API, without the key but with the session, the user and the structure; then the
# service recorded (session, participant, audit) and the form shown again.
PAGE_QUERIES = 35


def test_one_consumption_over_the_api(
    client, voucher_setup, agreed_money_structure, django_assert_num_queries
):
    _record, key = api_key_create(actor=None, organisation=agreed_money_structure, name="caisse")
    headers = {"Authorization": f"Bearer {key}"}

    def consume(index, expected):
        serial, code = voucher_setup.codes[index]
        with django_assert_num_queries(expected):
            response = client.post(
                "/api/v1/units/consume",
                {"serial": serial, "code": code},
                content_type="application/json",
                headers=headers | {"Idempotency-Key": f"k{index}"},
            )
        assert response.json()["outcome"] == "consumed"

    # The first use at this structure lets it see the person.
    consume(0, key_queries() + CONSUME_QUERIES + 1)
    consume(1, key_queries() + CONSUME_QUERIES)
    # A replay: the key, the savepoint, the unit found used, the first answer read, the
    # savepoint rolled back and released.
    with django_assert_num_queries(key_queries() + 5):
        serial, code = voucher_setup.codes[1]
        replay = client.post(
            "/api/v1/units/consume",
            {"serial": serial, "code": code},
            content_type="application/json",
            headers=headers | {"Idempotency-Key": "k1"},
        )
    assert replay.json()["outcome"] == "consumed"
    assert UnitEvent.objects.filter(kind="consumed").count() == 2


def test_one_consumption_on_the_page(
    client, voucher_setup, agreed_money_structure, make_member, django_assert_num_queries
):
    client.force_login(make_member(agreed_money_structure))
    place = Place.objects.filter(structure=agreed_money_structure).first()
    serial, code = voucher_setup.codes[0]
    page = client.get("/accompagnements/valider/").content.decode()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    with django_assert_num_queries(PAGE_QUERIES):
        used = client.post(
            "/accompagnements/valider/",
            {
                "serial": serial,
                "code": code,
                "idempotency_key": key,
                "action": "consume",
                "place": place.pk,
                "kind": "individual",
                "duration": "45",
                "themes": ["Aide aux démarches administratives"],
            },
        )
    assert "Chèque utilisé" in used.content.decode()
