from django.db import migrations

from lib.immutability import append_only


class Migration(migrations.Migration):
    """Decisions, LADO contacts, outcomes and low-level concerns are evidence: never changed,
    deleted only inside erasure_permitted() (retention)."""

    dependencies = [("allegations", "0001_initial")]

    operations = [
        append_only("allegations_thresholddecision"),
        append_only("allegations_ladocontact"),
        append_only("allegations_allegationoutcome"),
        append_only("allegations_lowlevelconcern"),
        append_only("allegations_lowlevelconcernresponse"),
    ]
