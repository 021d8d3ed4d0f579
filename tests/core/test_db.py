"""core.db: JIT off and more sort memory for the dashboards' reads; the migration that gave ledger events their
program and carnet fills the events already there and keeps the ledger append-only."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from beneficiaries.models import Beneficiary
from core.db import large_reads
from tests.factories import CarnetFactory
from vouchers.models import Allowance, UnitEvent


@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT is PostgreSQL's")
def test_large_reads_set_jit_and_memory_for_the_block_alone(db):
    def settings():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
            return cursor.fetchone()

    before = settings()
    assert before != ("off", "16MB")
    with large_reads():
        assert settings() == ("off", "16MB")
    assert settings() == before
    with pytest.raises(ZeroDivisionError), large_reads():
        assert settings() == ("off", "16MB")
        _ = 1 / 0
    assert settings() == before


LATEST_VOUCHERS = ("vouchers", "0009_allowance_identity")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_events_from_their_units(money_program, beneficiary, advisor):
    carnet = CarnetFactory(program=money_program, beneficiary=beneficiary, units=5).carnet
    _migrate(("vouchers", "0007_unitevent_no_replace"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM vouchers_unitevent")
            assert cursor.fetchone()[0] == 5
    finally:
        _migrate(LATEST_VOUCHERS)
    events = list(UnitEvent.objects.all())
    assert len(events) == 5
    assert {(e.program_id, e.carnet_id) for e in events} == {(money_program.pk, carnet.pk)}
    for statement in (
        "UPDATE vouchers_unitevent SET reason = 'x'",
        "DELETE FROM vouchers_unitevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)  # the database still refuses it


@pytest.mark.django_db(transaction=True)
def test_the_migration_unlinks_the_allowances_of_people_anonymised_before(
    money_program, beneficiary, make_beneficiary, advisor
):
    kept = make_beneficiary()
    for person in (beneficiary, kept):
        CarnetFactory(program=money_program, beneficiary=person, units=5)
    gone = beneficiary.identity_key
    _migrate(("vouchers", "0008_unitevent_program_carnet"))
    try:
        Beneficiary.objects.filter(pk=beneficiary.pk).update(
            identity_key="", anonymised_at=timezone.now()
        )
    finally:
        _migrate(LATEST_VOUCHERS)
    assert not Allowance.objects.filter(identity_key=gone).exists()
    assert Allowance.objects.filter(identity_key__startswith="anonyme-").count() == 1
    assert Allowance.objects.filter(identity_key=kept.identity_key).count() == 1
