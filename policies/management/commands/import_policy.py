import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from people.models import School, Trust
from policies.importer import PolicyFormatError
from policies.services import policy_import, version_publish


class Command(BaseCommand):
    help = (
        "Read a policy file (format: policies/README.md) into a new draft version of a school's "
        "or trust's policy. Nothing is written if any line is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--school", help="the school's slug, e.g. st-elisabeths")
        owner.add_argument("--trust", help="the trust's slug, e.g. shine")
        parser.add_argument("--title", help="overrides the file's title: line")
        parser.add_argument("--publish", action="store_true", help="publish the draft at once")
        parser.add_argument("--approved-by", default="", help='e.g. "Full governing body"')
        parser.add_argument("--approved-on", type=datetime.date.fromisoformat)
        parser.add_argument("--review-due", type=datetime.date.fromisoformat)

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: cannot be read as UTF-8 text ({error})") from error
        owner = {}
        try:
            if options["school"]:
                owner["school"] = School.objects.get(slug=options["school"])
            else:
                owner["trust"] = Trust.objects.get(slug=options["trust"])
        except (School.DoesNotExist, Trust.DoesNotExist) as error:
            raise CommandError(f"No school or trust called {error}") from error
        if options["publish"] and not (options["approved_on"] and options["review_due"]):
            raise CommandError("--publish needs --approved-by, --approved-on and --review-due")
        try:
            version = policy_import(text=text, title=options["title"], **owner)
            if options["publish"]:
                version_publish(
                    version=version,
                    by=None,
                    approved_by=options["approved_by"],
                    approved_on=options["approved_on"],
                    review_due=options["review_due"],
                )
        except PolicyFormatError as error:
            raise CommandError(f"{path}, {error}. Nothing was imported.") from error
        except ValidationError as error:
            raise CommandError(
                f"{path}: {' '.join(error.messages)} Nothing was imported."
            ) from error
        state = "published" if options["publish"] else "a draft"
        self.stdout.write(
            self.style.SUCCESS(
                f"{version.policy.title}: version {version.number} with "
                f"{version.clauses.count()} clauses is {state}."
            )
        )
