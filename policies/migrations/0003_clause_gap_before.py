from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_published_versions_are_immutable")]

    operations = [
        migrations.AddField(
            model_name="clause",
            name="gap_before",
            field=models.TextField(
                blank=True,
                help_text="What the school's original document is missing just before this clause (e.g. a section lost from the copy the portal was given). Shown in place; not part of the text that is signed.",
                null=True,
            ),
        ),
    ]
