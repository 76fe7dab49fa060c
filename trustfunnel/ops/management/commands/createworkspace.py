"""``trustfunnel createworkspace``: a new firm's workspace (then add people with createuser)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.ops.services import check_create_workspace, do_create_workspace


class Command(BaseCommand):
    help = (
        "Create a workspace (one firm). Then `trustfunnel createuser NAME --workspace SLUG "
        "--role owner` gives it an owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short name used in URLs and the X-Workspace header.")
        parser.add_argument("--name", required=True, help="The firm's name.")
        parser.add_argument("--country", default="NL", help="Home country, ISO code (default NL).")
        parser.add_argument("--currency", default="EUR", help="Currency code (default EUR).")

    def handle(self, *args, slug, name, country, currency, **options):
        try:
            check_create_workspace(slug, name=name, country=country, currency=currency)
            with transaction.atomic(durable=True):
                workspace = do_create_workspace(slug, name=name, country=country,
                                                currency=currency)
        except TrustfunnelError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"Created workspace {workspace.slug} ({workspace.name})."))
