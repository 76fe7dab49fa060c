"""Country pages: dimensions compared, distance, prior, learned pace, our deals there."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from trustfunnel.core import culture as engine
from trustfunnel.core.errors import UnknownCountry
from trustfunnel.crm.models import Deal
from trustfunnel.culture import presenters, services
from trustfunnel.culture.terms import data_notice, heuristic_notice
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.views import WorkspaceMixin

DEALS_PER_PAGE = 25
MAX_COMPARE = 6


def _dimension_labels() -> list[str]:
    return [_(engine.DIMENSION_LABELS[d]) for d in engine.DIMENSIONS]


def _buyer_country():
    return Coalesce(
        NullIf(F("relationship__organization__country"), Value("")),
        F("relationship__person__country"),
        Value(""),
    )


def _chart_text() -> dict[str, str]:
    return {
        "dimTitle": _("Hofstede dimensions"),
        "dimAxis": _("Score (index, roughly 0–100)"),
        "dimX": _("Dimension"),
        "survTitle": _("Time to yes (Kaplan–Meier)"),
        "survX": _("Days since first contact"),
        "survY": _("Share that said yes (%)"),
        "band": _("95 % band"),
        "said": _("Said yes"),
    }


class CountryIndexView(WorkspaceMixin, TemplateView):
    template_name = "culture/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = services.culture_table_for(self.workspace)
        counts = dict(
            self.scoped(Deal)
            .annotate(buyer_country=_buyer_country())
            .values_list("buyer_country")
            .order_by()
            .annotate(n=Count("id"))
            .values_list("buyer_country", "n")
        )
        rows = [
            {
                "code": code,
                "name": services.country_name(code),
                "scores": [scores.get(d) for d in engine.DIMENSIONS],
                "deals": counts.get(code, 0),
            }
            for code, scores in sorted(table.rows.items())
        ]
        rows.sort(key=lambda r: (-r["deals"], r["name"]))
        context.update(
            rows=rows,
            dimensions=_dimension_labels(),
            home=self.workspace.home_country.code or "NL",
            notice=data_notice(),
            source=table.source,
        )
        return context


class CountryDetailView(WorkspaceMixin, TemplateView):
    template_name = "culture/country.html"

    def get_context_data(self, code: str, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            country = services.check_country(code)
        except UnknownCountry as exc:
            raise Http404(exc.message) from exc
        workspace = self.workspace
        params = params_for(workspace)
        table = services.culture_table_for(workspace)
        home = workspace.home_country.code or "NL"
        compare = self._compare_codes(home, country)
        today = timezone.localdate()
        sector = self.request.GET.get("sector") or None
        learned = services.learned_pace(
            workspace, country, today=today, sector=sector, params=params, table=table
        )
        curve = services.survival_curve(workspace, country, today=today, sector=sector)
        shown = list(dict.fromkeys([home, country, *compare]))  # each country once
        context.update(
            country=country,
            name=services.country_name(country),
            home=home,
            home_name=services.country_name(home),
            sector=sector,
            compare=",".join(c for c in compare if c not in (home, country)),
            chart=(chart := self._chart_data(table, shown)),
            dimension_rows=list(
                zip(chart["labels"], zip(*[ds["data"] for ds in chart["datasets"]], strict=True),
                    strict=True)
            ),
            chart_text=_chart_text(),
            distances=[
                presenters.distance_dict(engine.kogut_singh(table, home, c))
                for c in shown
                if c != home
            ],
            scores=presenters.scores_dict(table.get(country)),
            prior=presenters.prior_dict(learned.prior),
            learned=presenters.learned_dict(learned),
            learned_weeks=learned.weeks_to_yes,
            pair=presenters.pair_dict(engine.pair_pace(table, home, country, params.culture)),
            curve=self._curve_data(curve),
            notice=data_notice(),
            heuristic=heuristic_notice(),
            source=table.source,
            **self._deals_page(country),
        )
        return context

    def _compare_codes(self, home: str, country: str) -> list[str]:
        raw = self.request.GET.get("compare", "")
        codes = []
        for part in [p for p in raw.replace(" ", ",").split(",") if p][:MAX_COMPARE]:
            try:
                codes.append(services.check_country(part))
            except UnknownCountry as exc:
                messages.error(self.request, _("Not compared: %(message)s") % {"message": exc.message})
        return codes

    def _chart_data(self, table, codes: list[str]) -> dict:
        return {
            "labels": _dimension_labels(),
            "datasets": [
                {
                    "code": code,
                    "label": f"{services.country_name(code)} ({code})",
                    "data": [table.get(code).get(d) for d in engine.DIMENSIONS],
                }
                for code in codes
            ],
        }

    def _curve_data(self, curve) -> dict | None:
        if curve is None:
            return None
        return {
            "times": list(curve.times),
            "survival": [round(1 - s, 4) for s in curve.survival],  # share that said yes
            "lower": [round(1 - s, 4) for s in curve.upper],
            "upper": [round(1 - s, 4) for s in curve.lower],
            "n": curve.n,
            "events": curve.events,
        }

    def _deals_page(self, country: str) -> dict:
        deals = (
            self.scoped(Deal)
            .annotate(buyer_country=_buyer_country())
            .filter(buyer_country=country)
            .select_related("relationship__organization", "relationship__person")
            .order_by("-id")
        )
        before = self.request.GET.get("before")
        if before and before.isdigit():
            deals = deals.filter(id__lt=int(before))
        page = list(deals[: DEALS_PER_PAGE + 1])
        more = len(page) > DEALS_PER_PAGE
        page = page[:DEALS_PER_PAGE]
        return {"deals": page, "next_before": page[-1].id if more and page else None}


class PipelineByCountryView(WorkspaceMixin, TemplateView):
    template_name = "culture/pipeline.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = services.pipeline_by_country(self.workspace, today=timezone.localdate())
        context.update(
            rows=[
                {"row": r, "name": services.country_name(r.country) if r.country else _("Unknown")}
                for r in rows
            ],
            heuristic=heuristic_notice(),
        )
        return context
