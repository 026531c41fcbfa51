import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from seeding.scale import SCALE_PASSWORD, SMALL, TRUST_SCALE, AlreadySeeded, seed_scale


class Command(BaseCommand):
    help = (
        "Fill an empty, migrated database with the deterministic trust-scale dataset "
        "(50 schools, 5,000 people, 20,000 incidents) that `make bench` measures, or a multiple "
        "of it (--factor)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--small", action="store_true", help="A dataset ten times smaller (for tests)."
        )
        parser.add_argument(
            "--factor",
            type=int,
            default=1,
            help="Times as many trusts and schools (10: 500 schools, 50,000 people, 200,000 "
            "reports), each school the same size.",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()

        def log(message: str) -> None:
            self.stdout.write(f"{time.monotonic() - started:6.1f}s  {message}")

        try:
            size = (SMALL if options["small"] else TRUST_SCALE).times(options["factor"])
            counts = seed_scale(size, log=log)
        except AlreadySeeded as error:
            raise CommandError(str(error)) from error
        if connection.vendor == "postgresql":
            # The planner's statistics, now rather than whenever autovacuum gets to them: the
            # first queries after a bulk load otherwise plan for empty tables.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Seeded in {time.monotonic() - started:.1f}s: {summary}.")
        )
        self.stdout.write(f"Sign in as e.g. head@school-01.scale.example with {SCALE_PASSWORD!r}.")
