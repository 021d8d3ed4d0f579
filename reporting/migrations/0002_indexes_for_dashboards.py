"""Indexes the dashboards' aggregates need, on tables of other apps (vouchers, settlement):
the period's uses read from an index alone, units joined to them without reading the table,
carnets of a program by date of issue, pricing lines of a transfer. PostgreSQL covers the
columns the queries read (INCLUDE); SQLite gets the same keys."""

from django.db import migrations

INDEXES = [
    (
        "reporting_unitevent_kind_at",
        "vouchers_unitevent",
        "(kind, at)",
        "(unit_id, organisation_id, amount_cents, minutes)",
    ),
    ("reporting_unit_id_carnet", "vouchers_unit", "(id)", "(carnet_id, program_id)"),
    ("reporting_carnet_program_issued", "vouchers_carnet", "(program_id, issued_at)", ""),
    (
        "reporting_pricingline_transfer",
        "settlement_pricingline",
        "(transfer_id)",
        "(program_id, amount_cents)",
    ),
]


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, table, keys, covered in INDEXES:
        include = f" INCLUDE {covered}" if covered and postgres else ""
        if not postgres and keys == "(id)":
            continue  # SQLite's rowid is the key already
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {keys}{include}")


def drop(apps, schema_editor):
    for name, *_rest in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_carnet_follow_up"),
        ("vouchers", "0001_initial"),
        ("settlement", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
