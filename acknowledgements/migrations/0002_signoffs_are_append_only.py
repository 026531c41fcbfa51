from django.db import migrations

from lib.immutability import append_only


class Migration(migrations.Migration):
    dependencies = [("acknowledgements", "0001_initial")]

    operations = [append_only("acknowledgements_signoff")]
