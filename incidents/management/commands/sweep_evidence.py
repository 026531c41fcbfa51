"""Remove evidence files that no record names (left by a rolled-back report): the beat task
`evidence-sweep` runs this daily; run it by hand after restoring a backup, for instance."""

from django.core.management.base import BaseCommand

from incidents.evidence import evidence_sweep


class Command(BaseCommand):
    help = (
        "Remove files of the evidence folder that no evidence record names and that are more "
        "than an hour old."
    )

    def handle(self, *args, **options) -> None:
        removed = evidence_sweep()
        self.stdout.write(f"Removed {len(removed)} evidence files that no record names.")
