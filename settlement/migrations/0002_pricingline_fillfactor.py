from django.db import migrations

# A pricing line is written once, then changed three times in place (claim, control status,
# transfer): on PostgreSQL, half of each page is left free so that the new versions of its
# rows stay on the same page instead of growing the table (benchmarks/settlement.py). SQLite
# has no such setting.


def set_fillfactor(apps, schema_editor, value=50):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("settlement", "PricingLine")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    set_fillfactor(apps, schema_editor, value=100)


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
