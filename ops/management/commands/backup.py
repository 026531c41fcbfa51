from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, backup_create, key_from_environment, key_new


class Command(BaseCommand):
    help = (
        "Write an encrypted, dated backup of the database and the evidence files "
        "(PRIVATE_MEDIA_ROOT) into a directory, with the key in BACKUP_KEY."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, help="The directory to write the backup into.")
        parser.add_argument(
            "--new-key", action="store_true", help="Print a new BACKUP_KEY and do nothing else."
        )

    def handle(self, *args, to: Path | None, new_key: bool, **options) -> None:
        if new_key:
            self.stdout.write(key_new())
            return
        if to is None:
            raise CommandError("Say where to write the backup: --to DIR.")
        try:
            path = backup_create(to=to, key=key_from_environment())
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = path.stat().st_size
        self.stdout.write(f"Backup written: {path} ({size:,} bytes, encrypted)")
