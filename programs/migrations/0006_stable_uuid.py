"""A stable identifier (UUID) for rows that a program's archive names (portability)."""

import uuid

from django.db import migrations, models

MODELS = ["call", "application", "agreement"]


def fill(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("programs", name)
        for pk in model.objects.values_list("pk", flat=True).order_by("pk"):
            model.objects.filter(pk=pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("programs", "0005_reimbursed_may_pass_consumed")]

    operations = [
        migrations.AddField(
            model_name="call",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="application",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="agreement",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="call",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="identifiant stable"
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="identifiant stable"
            ),
        ),
        migrations.AlterField(
            model_name="agreement",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="identifiant stable"
            ),
        ),
    ]
