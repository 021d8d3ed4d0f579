"""Each ledger event carries its unit's program and carnet (copied by vouchers.ledger when it
is written), so a program's events of a period are read from one index without joining the
units. Existing events are filled from their units in one statement, the append-only
triggers lifted for it alone, before the columns get their foreign keys (checked once over
the table, not row by row during the fill) and NOT NULL."""

import django.db.models.deletion
from django.db import migrations, models

from core.db import backfill_append_only, restore_append_only_on_sqlite

BACKFILL = {
    "postgresql": (
        "UPDATE vouchers_unitevent e SET program_id = u.program_id, carnet_id = u.carnet_id "
        "FROM vouchers_unit u WHERE u.id = e.unit_id"
    ),
    "sqlite": (
        "UPDATE vouchers_unitevent SET "
        "program_id = (SELECT u.program_id FROM vouchers_unit u WHERE u.id = unit_id), "
        "carnet_id = (SELECT u.carnet_id FROM vouchers_unit u WHERE u.id = unit_id)"
    ),
}


def _field(model: str, null: bool):
    return models.ForeignKey(
        db_constraint=not null,
        db_index=False,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=model,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0001_initial"),
        ("vouchers", "0007_unitevent_no_replace"),
    ]

    operations = [
        migrations.AddField("unitevent", "program", _field("programs.program", null=True)),
        migrations.AddField("unitevent", "carnet", _field("vouchers.carnet", null=True)),
        backfill_append_only("vouchers_unitevent", BACKFILL),
        migrations.AlterField("unitevent", "program", _field("programs.program", null=False)),
        migrations.AlterField("unitevent", "carnet", _field("vouchers.carnet", null=False)),
        restore_append_only_on_sqlite("vouchers_unitevent"),
        migrations.AddIndex(
            model_name="unitevent",
            index=models.Index(
                fields=["program", "kind", "at"],
                include=["carnet", "organisation", "amount_cents", "minutes"],
                name="unitevent_program_kind_at",
            ),
        ),
    ]
