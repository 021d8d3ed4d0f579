from django.db import migrations

from core.db import make_append_only


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0001_initial")]

    operations = [make_append_only("vouchers_unitevent")]
