from django.core.management.base import BaseCommand, CommandError

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.exports.backup import restore_backup


class Command(BaseCommand):
    help = "Restore a trustfunnel backup into an empty (migrated) database, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by `trustfunnel backup`")

    def handle(self, *args, file, **options):
        try:
            counts = restore_backup(file)
        except TrustfunnelError as exc:
            raise CommandError(exc.message) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file") from exc
        self.stdout.write(f"{sum(counts.values())} rows restored from {file}")
