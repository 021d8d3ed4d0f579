import uuid

from django.db import migrations, models


def forget_anonymised_identities(apps, schema_editor):
    """Allowances of people anonymised before the allowances let go of their identity: the
    counts stay, linked to no one (as vouchers.services.allowances_forget does)."""
    allowance = apps.get_model("vouchers", "Allowance")
    beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    known = beneficiary.objects.filter(anonymised_at__isnull=True).values("identity_key")
    orphans = (
        allowance.objects.exclude(identity_key__in=known)
        .exclude(identity_key__startswith="anonyme-")
        .values_list("identity_key", flat=True)
        .distinct()
    )
    for key in list(orphans):
        allowance.objects.filter(identity_key=key).update(identity_key=f"anonyme-{uuid.uuid4().hex}")


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0004_merge_0003_beneficiary_anonymisation_0003_stable_uuid"),
        ("programs", "0008_program_retention_range"),
        ("vouchers", "0008_unitevent_program_carnet"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="allowance",
            index=models.Index(fields=["identity_key"], name="allowance_identity"),
        ),
        migrations.RunPython(forget_anonymised_identities, migrations.RunPython.noop),
    ]
