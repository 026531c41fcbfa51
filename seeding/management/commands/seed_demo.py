from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from seeding.demo.activity import seed_activity
from seeding.demo.people import DEMO_PASSWORD, seed_demo
from seeding.demo.policies import seed_policies


class Command(BaseCommand):
    help = "Create the demo trust, schools and people (safe to run again: it changes nothing)."

    # The demo's own notices (to Heads, reporters) go out as the transaction commits: they are
    # not worth printing to the console.
    @override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    @transaction.atomic
    def handle(self, *args, **options) -> None:
        counts = seed_demo()
        counts["policies published"] = seed_policies()
        counts["demo sign-offs and reports"] = seed_activity()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {summary}."))
        self.stdout.write(f"Sign in as e.g. head@stelisabeths.example with {DEMO_PASSWORD!r}.")
