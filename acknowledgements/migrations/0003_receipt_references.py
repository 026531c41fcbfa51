import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from lib.immutability import append_only


class Migration(migrations.Migration):
    dependencies = [("acknowledgements", "0002_signoffs_are_append_only")]

    operations = [
        migrations.CreateModel(
            name="ReceiptReference",
            fields=[
                (
                    "signoff",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="receipt_reference",
                        serialize=False,
                        to="acknowledgements.signoff",
                    ),
                ),
                ("reference", models.CharField(max_length=12, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"abstract": False},
        ),
        # A printed receipt must keep working: its reference is never changed.
        append_only("acknowledgements_receiptreference"),
    ]
