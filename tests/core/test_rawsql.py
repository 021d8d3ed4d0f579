"""Hand-written statements give what the ORM gives: the same instances read, the same rows
written."""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import ApiKey, Organisation
from accounts.services import api_key_create
from core import rawsql
from core.models import IdempotencyRecord
from programs.models import Program
from settlement.models import PricingLine
from tests.factories import CarnetFactory
from vouchers.enums import UnitEventKind
from vouchers.models import Carnet, Unit, UnitEvent


def values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def read(sql_tail: str, params, *models):
    sql = f"SELECT {', '.join(rawsql.columns(model, alias) for model, alias in models)} {sql_tail}"
    return rawsql.instances(rawsql.fetch_one(sql, params), *(model for model, _alias in models))


@pytest.mark.django_db
def test_rows_read_by_hand_are_the_instances_the_orm_reads(money_program, beneficiary, structure):
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    unit = Unit.objects.get(serial=issued.codes[0][0])
    record, _key = api_key_create(actor=None, organisation=structure, name="caisse")
    (read_unit, carnet, program), rest = read(
        "FROM vouchers_unit u JOIN vouchers_carnet c ON c.id = u.carnet_id"
        " JOIN programs_program p ON p.id = u.program_id WHERE u.id = %s",
        [unit.pk],
        (Unit, "u"),
        (Carnet, "c"),
        (Program, "p"),
    )
    assert rest == ()
    assert values(read_unit) == values(unit)
    assert values(carnet) == values(Carnet.objects.get(pk=unit.carnet_id))
    assert values(program) == values(Program.objects.get(pk=money_program.pk))
    # Dates, aware datetimes, JSON, booleans, choices: converted as the ORM converts them.
    (key, organisation), _rest = read(
        "FROM accounts_apikey k JOIN accounts_organisation o ON o.id = k.organisation_id"
        " WHERE k.id = %s",
        [record.pk],
        (ApiKey, "k"),
        (Organisation, "o"),
    )
    assert values(key) == values(ApiKey.objects.get(pk=record.pk))
    assert key.scopes == ["units:consume"] and key.created_at.tzinfo is not None
    assert values(organisation) == values(structure) and organisation.is_structure is True
    assert not read_unit._state.adding and read_unit._state.db == connection.alias


@pytest.mark.django_db
def test_a_row_inserted_by_hand_is_the_row_create_stores(money_program, beneficiary, structure):
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    unit = Unit.objects.get(serial=issued.codes[0][0])
    fields = {
        "unit": unit,
        "program_id": unit.program_id,
        "carnet_id": unit.carnet_id,
        "kind": UnitEventKind.CONSUMED,
        "organisation": structure,
        "amount_cents": 1000,
        "data": {"session": 7, "note": "l'atelier"},
    }
    by_hand = rawsql.insert(UnitEvent(**fields))
    by_orm = UnitEvent.objects.create(**fields)
    assert by_hand.pk is not None and not by_hand._state.adding
    stored, expected = (
        values(UnitEvent.objects.get(pk=by_hand.pk)),
        values(UnitEvent.objects.get(pk=by_orm.pk)),
    )
    assert stored.pop("at") is not None  # auto_now_add, as create sets it
    expected.pop("at")
    assert stored | {"id": None} == expected | {"id": None}
    assert stored["data"] == {"session": 7, "note": "l'atelier"}


@pytest.mark.django_db
def test_a_row_refused_by_a_unique_constraint_is_ignored_when_asked(
    money_program, beneficiary, structure
):
    issued = CarnetFactory(program=money_program, beneficiary=beneficiary)
    unit = Unit.objects.get(serial=issued.codes[0][0])
    event = UnitEvent.objects.create(
        unit=unit,
        program_id=unit.program_id,
        carnet_id=unit.carnet_id,
        kind=UnitEventKind.CONSUMED,
        organisation=structure,
        amount_cents=1000,
    )

    def line():
        return PricingLine(
            event_id=event.pk,
            structure_id=structure.pk,
            program_id=money_program.pk,
            amount_cents=1000,
            happened_at=event.at,
        )

    assert rawsql.insert(line(), ignore_conflicts=True).pk is not None
    again = rawsql.insert(line(), ignore_conflicts=True)
    assert again.pk is None and again._state.adding
    assert PricingLine.objects.filter(event=event).count() == 1
    record = {"organisation_id": structure.pk, "scope": "s", "key": "k", "response": {}}
    rawsql.insert(IdempotencyRecord(**record))
    with pytest.raises(IntegrityError), transaction.atomic():
        rawsql.insert(IdempotencyRecord(**record))
