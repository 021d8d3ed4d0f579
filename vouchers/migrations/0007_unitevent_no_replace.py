from django.db import migrations

from core.db import make_replace_proof


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0006_code_guard")]

    operations = [make_replace_proof("vouchers_unitevent")]
