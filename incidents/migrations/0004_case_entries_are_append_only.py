from django.db import migrations

from lib.immutability import append_only


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_triage")]

    operations = [append_only("incidents_caseentry")]
