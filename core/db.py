"""Database helpers that keep append-only tables append-only at the database level."""

from contextlib import contextmanager

from django.db import connection, transaction
from django.db.migrations.operations.special import RunPython


def _append_only_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION passnum_refuse_change() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION USING MESSAGE = 'append-only table ' || TG_TABLE_NAME; END; "
            "$$ LANGUAGE plpgsql;",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION passnum_refuse_change();",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION passnum_refuse_change();",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}'); END;",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}'); END;",
            *_sqlite_no_replace_sql(table),
        ]
    return []


def _sqlite_no_replace_sql(table: str) -> list[str]:
    # INSERT OR REPLACE deletes the old row without firing the DELETE trigger: refuse any
    # insert whose id already exists (an upsert's INSERT fires it first too). `table` is a
    # model's db_table, never user input.
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_replace BEFORE INSERT ON {table} "  # noqa: S608
        f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}'); END;"
    ]


def _drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
            f"DROP TRIGGER IF EXISTS {table}_no_replace;",
        ]
    return []


def make_append_only(table: str) -> RunPython:
    """A migration operation that makes the database itself refuse UPDATE and DELETE."""

    def forward(apps, schema_editor):
        for statement in _append_only_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    def backward(apps, schema_editor):
        for statement in _drop_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    return RunPython(forward, backward, elidable=False)


def make_replace_proof(table: str) -> RunPython:
    """A migration operation for databases made before the no-replace trigger (SQLite)."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in _sqlite_no_replace_sql(table):
                schema_editor.execute(statement)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace;")

    return RunPython(forward, backward, elidable=False)


def backfill_append_only(table: str, statements: dict[str, str]) -> RunPython:
    """A migration operation that fills new columns of an append-only table in one set-based
    statement per database (`statements`: vendor → SQL). The table's triggers are lifted for
    that statement only and put back in the same migration transaction."""

    def forward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in _drop_sql(vendor, table):
            schema_editor.execute(statement)
        schema_editor.execute(statements[vendor])
        for statement in _append_only_sql(vendor, table):
            schema_editor.execute(statement)

    return RunPython(forward, RunPython.noop, elidable=False)


def restore_append_only_on_sqlite(table: str) -> RunPython:
    """SQLite rebuilds a table to change a column (a NOT NULL added, say), and its triggers go
    with the old table: this migration operation puts them back. PostgreSQL keeps them."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in [*_drop_sql("sqlite", table), *_append_only_sql("sqlite", table)]:
                schema_editor.execute(statement)

    return RunPython(forward, RunPython.noop, elidable=False)


def append_only_tables() -> list[str]:
    from django.apps import apps

    from core.models import AppendOnlyModel

    return [
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and not model._meta.proxy
    ]


@contextmanager
def append_only_suspended(connection):
    """Lifts the append-only triggers for the duration of the block. Only the test suite's flush
    between transactional tests uses it; no code path of the platform does."""
    vendor = connection.vendor
    tables = append_only_tables()
    with connection.cursor() as cursor:
        for table in tables:
            for statement in _drop_sql(vendor, table):
                cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in tables:
                for statement in _append_only_sql(vendor, table):
                    cursor.execute(statement)


# What a block of large reads sets on PostgreSQL, for its transaction alone.
LARGE_READS = {"jit": "off", "work_mem": "16MB"}


@contextmanager
def large_reads():
    """For reads that add up many rows at once (the dashboards), measured by
    benchmarks/dashboard.py: PostgreSQL's JIT compiler spends more compiling such a query (0.1
    to 0.2 s each on the development machine) than it saves, and the default 4 MB of memory
    per sort sends their grouping to disk. The block runs in a transaction (a savepoint inside
    another) with LARGE_READS, put back as they were at its end (a rollback undoes them too);
    other databases just get the transaction."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            before = _settings_swap(LARGE_READS)
        yield
        if postgres:
            _settings_swap(before)


def _settings_swap(values: dict[str, str]) -> dict[str, str]:
    """Sets PostgreSQL settings for the current transaction; returns what they were."""
    names = list(values)
    sql = ", ".join("current_setting(%s), set_config(%s, %s, true)" for _name in names)
    params = [p for name in names for p in (name, name, values[name])]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        row = cursor.fetchone()
    return {name: row[2 * i] for i, name in enumerate(names)}


def _widening_dumper(base, bits: int, wide):
    """`base` (a dumper of psycopg's Int2 or Int4) for the values its type holds; a bigint
    for the others, so that PostgreSQL computes with them or refuses them as out of range."""
    from psycopg.types.numeric import Int8

    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1)

    class Widening(base):
        def get_key(self, obj, format):
            return self.cls if low <= obj < high else Int8

        def upgrade(self, obj, format):
            return self if low <= obj < high else wide(Int8)

    return Widening


def widen_out_of_range_integers(sender, connection, **kwargs) -> None:
    """Django sends an integer as psycopg's Int4 when the expression around it is typed
    integer (`F("funded_cents") + 2_400_000_000` too), and psycopg's binary Int4 dumper
    wraps a value beyond 2**31 into a negative number without a word (2,400,000,000 cents
    stored as -1,894,967,296). Each new PostgreSQL connection sends those values as bigint
    instead. Connected to connection_created (core.apps)."""
    if connection.vendor != "postgresql":
        return
    from psycopg.types import numeric as n

    adapters = connection.connection.adapters
    for cls, bits, text, binary in (
        (n.Int2, 16, n.Int2Dumper, n.Int2BinaryDumper),
        (n.Int4, 32, n.Int4Dumper, n.Int4BinaryDumper),
    ):
        adapters.register_dumper(cls, _widening_dumper(text, bits, n.Int8Dumper))
        adapters.register_dumper(cls, _widening_dumper(binary, bits, n.Int8BinaryDumper))
