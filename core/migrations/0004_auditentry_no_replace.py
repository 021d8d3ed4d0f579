from django.db import migrations

from core.db import make_replace_proof


class Migration(migrations.Migration):
    dependencies = [("core", "0003_idempotency_record")]

    operations = [make_replace_proof("core_auditentry")]
