"""The unit ledger and the audit journal cannot be rewritten: the database itself refuses
UPDATE, DELETE, REPLACE/UPSERT and TRUNCATE, on SQLite and on PostgreSQL; on PostgreSQL the
application's role (scripts/postgres-app-role.sql) cannot lift the triggers."""

from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from vouchers.models import UnitEvent
from vouchers.services import carnet_issue

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres-app-role.sql"


@pytest.fixture
def event(money_program, beneficiary, advisor, prescriber):
    carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=money_program,
        units=5,
        delivery="paper",
    )
    return UnitEvent.objects.first()


def _refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_every_rewrite_of_a_unit_event_is_refused(event):
    table = UnitEvent._meta.db_table
    columns = "id, unit_id, kind, at, reason, minutes, amount_cents, data"
    values = "%s, %s, 'consumed', %s, 'rewritten', 0, 0, '{}'"
    params = (event.pk, event.unit_id, event.at)
    assert _refused(f"UPDATE {table} SET kind = 'consumed' WHERE id = %s", (event.pk,))
    assert _refused(f"DELETE FROM {table} WHERE id = %s", (event.pk,))
    assert _refused(f"DELETE FROM {table}")
    if connection.vendor == "sqlite":
        assert _refused(f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({values})", params)
        assert _refused(
            f"INSERT INTO {table} ({columns}) VALUES ({values}) "
            "ON CONFLICT(id) DO UPDATE SET kind = 'consumed'",
            params,
        )
    else:
        assert _refused(
            f"INSERT INTO {table} ({columns}) VALUES ({values}) "
            "ON CONFLICT (id) DO UPDATE SET kind = 'consumed'",
            params,
        )
        assert _refused(f"TRUNCATE {table}")
    event.refresh_from_db()
    assert event.kind == "issued"


@pytest.mark.postgres
def test_the_application_role_cannot_lift_the_triggers(event):
    table = UnitEvent._meta.db_table
    database = connection.settings_dict["NAME"]
    script = SCRIPT.read_text().replace(":app_password", "'test-only-password'")
    script = script.replace(":db", f'"{database}"')
    with connection.cursor() as cursor:
        cursor.execute(script)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE passnum_app")
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] >= 1
        for statement in (
            "SET LOCAL session_replication_role = replica",
            f"ALTER TABLE {table} DISABLE TRIGGER ALL",
            f"TRUNCATE {table}",
            f"DROP TRIGGER {table}_append_only ON {table}",
        ):
            cursor.execute("SAVEPOINT attempt")
            with pytest.raises(DatabaseError):
                cursor.execute(statement)
            cursor.execute("ROLLBACK TO SAVEPOINT attempt")
        cursor.execute("SAVEPOINT attempt")
        with pytest.raises(DatabaseError):
            cursor.execute(f"UPDATE {table} SET reason = 'x' WHERE id = %s", (event.pk,))
        cursor.execute("ROLLBACK TO SAVEPOINT attempt")
