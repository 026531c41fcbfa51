"""The database refuses to change or delete evidence, routing decisions and case accesses.

They are the record of what was reported, who it went to and why, and who looked: rows are
only ever added. Deletion is let through only inside lib.immutability's
erasure_permitted() (retention, and a test run emptying its database).
"""

from django.db import migrations

from lib.immutability import append_only


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [
        append_only("incidents_evidence"),
        append_only("incidents_routingdecision"),
        append_only("incidents_caseaccess"),
    ]
