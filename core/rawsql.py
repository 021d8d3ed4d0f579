"""Hand-written statements for the few paths where building SQL with the ORM costs more than
the database's own work (a voucher used at a counter, an API key admitted): the SQL is written
once, and its rows become model instances exactly as the ORM makes them (the backend's
converters, then `Model.from_db`). Everything else uses the ORM."""

from functools import cache

from django.db import connection


@cache
def _fields(model) -> tuple:
    return tuple(model._meta.concrete_fields)


def columns(model, alias: str) -> str:
    """The SELECT list of every concrete column of `model`, read from the table named `alias`."""
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(alias)}.{quote(field.column)}" for field in _fields(model))


@cache
def _readers(field, vendor: str) -> tuple:
    del vendor  # in the cache key: each database engine has its own converters
    column = field.get_col(field.model._meta.db_table)
    return column, tuple(
        connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    )


def converted(field, value):
    """A value read by a hand-written statement, as the ORM gives it for `field`."""
    column, converters = _readers(field, connection.vendor)
    for converter in converters:
        value = converter(value, column, connection)
    return value


@cache
def _loaders(model, vendor: str) -> tuple:
    """(position, column, converters) of the fields of `model` that the engine's values need
    converted, and the attribute names of all its fields."""
    del vendor  # in the cache key
    fields = _fields(model)
    needed = []
    for index, field in enumerate(fields):
        column, converters = _readers(field, connection.vendor)
        if converters:
            needed.append((index, column, converters))
    return tuple(needed), [field.attname for field in fields]


def instances(row, *models) -> tuple[list, tuple]:
    """The instances of `models`, whose columns (as `columns` lists them) follow each other from
    the start of `row`; and the rest of the row."""
    made, start = [], 0
    for model in models:
        needed, names = _loaders(model, connection.vendor)
        values = list(row[start : start + len(names)])
        for index, column, converters in needed:
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        made.append(model.from_db(connection.alias, names, values))
        start += len(names)
    return made, tuple(row[start:])


@cache
def _insert_sql(model, vendor: str, ignore_conflicts: bool) -> tuple[str, tuple, bool]:
    del vendor  # in the cache key
    quote = connection.ops.quote_name
    fields = tuple(field for field in _fields(model) if not field.primary_key)
    returning = connection.features.can_return_columns_from_insert
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)}"  # noqa: S608
        f" ({', '.join(quote(field.column) for field in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
        + (f" RETURNING {quote(model._meta.pk.column)}" if returning else "")
    )
    return sql, fields, returning


def insert(obj, *, ignore_conflicts: bool = False):
    """Saves a new instance by one INSERT written once per model, as `Model.objects.create`
    would store it (defaults, auto_now_add, values prepared by each field) but without its
    signals (the project has none on these models). With `ignore_conflicts`, a row refused by
    a unique constraint is not an error: the instance then has no primary key."""
    sql, fields, returning = _insert_sql(type(obj), connection.vendor, ignore_conflicts)
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            row = cursor.fetchone()
            obj.pk = row[0] if row else None
        else:
            obj.pk = cursor.lastrowid if cursor.rowcount else None
    if obj.pk is not None:
        obj._state.adding, obj._state.db = False, connection.alias
    return obj


def moment(value):
    """A datetime parameter of a hand-written statement, stored as the ORM stores it."""
    return connection.ops.adapt_datetimefield_value(value)


def fetch_one(sql: str, params) -> tuple | None:
    """The first row of a hand-written statement (through Django's cursor: counted and logged
    like any query), or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
