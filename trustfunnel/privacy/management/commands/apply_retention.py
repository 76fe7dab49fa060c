from django.core.management.base import BaseCommand

from trustfunnel.privacy.tasks import apply_retention_rules


class Command(BaseCommand):
    help = "Apply every workspace's retention rules now (the daily job does this too)."

    def handle(self, *args, **options):
        report = apply_retention_rules.call()
        for slug, done in report.items():
            summary = ", ".join(f"{kind} {count}" for kind, count in done.items() if count) or "nothing to do"
            self.stdout.write(f"{slug}: {summary}")
