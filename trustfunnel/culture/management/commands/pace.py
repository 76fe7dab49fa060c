"""``trustfunnel pace --country DE [--sector ...]``: the learned time-to-yes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.culture import presenters, services
from trustfunnel.culture.management.commands.culture import resolve_workspace


def _days(value, *, open_end: str = "-") -> str:
    return open_end if value is None else f"{value:.0f}"


def _estimate(value: float, lower_bound: bool) -> str:
    return f"more than {value:.0f}" if lower_bound else f"{value:.0f}"


class Command(BaseCommand):
    help = "Print the learned time-to-yes for buyers from a country (and sector)."

    def add_arguments(self, parser):
        parser.add_argument("--country", required=True, help="ISO 3166 code, e.g. DE")
        parser.add_argument("--sector", default=None)
        parser.add_argument("--workspace", help="workspace slug (needed if there are several)")

    def handle(self, *args, country, sector, workspace, **options):
        try:
            code = services.check_country(country)
        except TrustfunnelError as exc:
            raise CommandError(exc.message) from exc
        ws = resolve_workspace(workspace)
        pace = services.learned_pace(ws, code, today=timezone.localdate(), sector=sector)
        out = self.stdout
        label = f"{code}" + (f" / {sector}" if sector else "")
        out.write(f"Time to yes for buyers from {label} ({ws.slug})")
        out.write(f"  deals: {pace.n} ({pace.won} won; lost and open ones censored)")
        for q in pace.learned:
            out.write(
                f"  learned {int(q.q * 100)}% said yes by: "
                + (f"{q.time:.0f} days" if q.time is not None else "not reached")
                + f" (95% CI {_days(q.lower)} to {_days(q.upper, open_end='open')})"
            )
        q25, q50, q75 = (
            _estimate(v, b) for v, b in zip(
                (pace.days_25, pace.days_50, pace.days_75), pace.lower_bounds, strict=True
            )
        )  # fmt: skip
        out.write(
            f"  estimate: median {q50} days, 25% {q25}, 75% {q75} days; "
            f"{pace.data_weight:.0%} data, {pace.prior_weight:.0%} prior"
        )
        out.write(
            f"  prior (a heuristic from the culture scores): {pace.prior.weeks_to_yes:.1f} weeks, "
            f"{pace.prior.touches:.0f} touches, answers expected within "
            f"{pace.prior.reply_days:.0f} business day(s)"
        )
        for reason in pace.reasons:
            out.write(f"  - {presenters.reason_text(reason)}")
