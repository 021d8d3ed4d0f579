"""A stable identifier (UUID) for rows that a program's archive names (portability)."""

import uuid

from django.db import migrations, models

MODELS = ["beneficiary"]


def fill(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("beneficiaries", name)
        for pk in model.objects.values_list("pk", flat=True).order_by("pk"):
            model.objects.filter(pk=pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0002_beneficiary_diagnostic")]

    operations = [
        migrations.AddField(
            model_name="beneficiary",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="beneficiary",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="identifiant stable"
            ),
        ),
    ]
