"""Evidence records the SHA-256 of the upload as well as of the stored file: an image is stored
encoded again, without its metadata (incidents/evidence/images.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_retention")]

    operations = [
        # Nullable with no default, so both engines add the column in place and the
        # append-only triggers of migration 0002 stay as they are.
        migrations.AddField(
            model_name="evidence",
            name="original_sha256",
            field=models.CharField(
                blank=True,
                help_text="Of the file as it arrived; an image is stored encoded again, without metadata.",
                max_length=64,
                null=True,
                verbose_name="SHA-256 as uploaded",
            ),
        ),
    ]
