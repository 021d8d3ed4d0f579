"""The audit journal is append-only, in the code and in the database."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.exceptions import AppendOnlyError
from core.models import AuditEntry
from core.services import audit_record


@pytest.fixture
def entry(db):
    return audit_record(actor=None, action="test.action", object_type="x", object_id=1)


def test_code_refuses_update_and_delete(entry):
    entry.action = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.action == "test.action"


def test_database_refuses_update(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'changed' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_database_refuses_delete(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_database_accepts_insert(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditentry (at, action, object_type, object_id, data) "
            "VALUES (CURRENT_TIMESTAMP, 'raw', 't', '1', '{}')"
        )
    assert AuditEntry.objects.filter(action="raw").count() == 1
