from django.core.management.base import BaseCommand, CommandError

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.exports.backup import write_backup


class Command(BaseCommand):
    help = "Write a full JSON (Lines) backup of one workspace or of all of them to FILE."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write; a name ending in .gz is compressed")
        parser.add_argument("--workspace", metavar="SLUG", help="only this workspace")

    def handle(self, *args, file, workspace=None, **options):
        try:
            counts = write_backup(file, workspace_slug=workspace)
        except TrustfunnelError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{sum(counts.values())} rows written to {file}")
        for label, count in counts.items():
            if count:
                self.stdout.write(f"  {label}: {count}", self.style.HTTP_INFO)
