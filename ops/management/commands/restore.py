from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, backup_restore, key_from_environment


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into this database and PRIVATE_MEDIA_ROOT, then "
        "verify every sign-off's hash and every evidence file's SHA-256."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that is not empty: everything in it is dropped first.",
        )

    def handle(self, *args, file: Path, force: bool, **options) -> None:
        if not file.is_file():
            raise CommandError(f"No backup at {file}.")
        try:
            result = backup_restore(path=file, key=key_from_environment(), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if result.problems:
            raise CommandError(
                f"Restored, but {len(result.problems)} records fail their check:\n"
                + "\n".join(result.problems)
            )
        self.stdout.write(
            f"Restored {file}: {result.signoffs} sign-offs match their policy text, "
            f"{result.evidence} evidence files match their SHA-256."
        )
