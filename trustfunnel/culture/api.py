"""API: countries (scores, prior, learned pace, distance) and pacing of relationships.

- ``GET /api/v1/countries/{code}/`` (``?sector=``): dimensions, prior, learned pace.
- ``GET /api/v1/countries/{a}/distance/{b}/``: Kogut–Singh distance.
- ``GET /api/v1/relationships/{id}/pace/``: next contact and warnings of one.
- ``GET /api/v1/pace/`` (``?warning=going_cold``, ``?after=<id>``, ``?page_size=``):
  open relationships with their next contact and warnings, keyset-paginated by id.

An unknown country code answers 400 ``unknown_country`` naming the code.
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from trustfunnel.core import culture as engine
from trustfunnel.core.errors import InvalidInput
from trustfunnel.core.pacing import PaceWarning
from trustfunnel.crm.models import Relationship
from trustfunnel.culture import presenters, services
from trustfunnel.culture.terms import data_notice
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.scoping import get_membership

MAX_PAGE = 200
WARNING_KEYS = {w.name.lower(): w for w in PaceWarning if w}


class _WorkspaceAPIView(APIView):
    @property
    def workspace(self):
        membership = get_membership(self.request)
        return membership.workspace if membership else None


class CountryDetailAPI(_WorkspaceAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("sector", str, required=False)],
        responses=OpenApiTypes.OBJECT,
        summary="A country's six dimensions, pace prior (heuristic) and learned pace",
    )
    def get(self, request, code: str):
        country = services.check_country(code)
        workspace = self.workspace
        params = params_for(workspace)
        table = services.culture_table_for(workspace)
        sector = request.query_params.get("sector") or None
        today = timezone.localdate()
        learned = services.learned_pace(
            workspace, country, today=today, sector=sector, params=params, table=table
        )
        home = workspace.home_country.code or "NL"
        return Response(
            {
                "country": country,
                "name": services.country_name(country),
                "scores": presenters.scores_dict(table.get(country)),
                "prior": presenters.prior_dict(learned.prior),
                "learned": presenters.learned_dict(learned),
                "home_country": home,
                "distance_from_home": presenters.distance_dict(
                    engine.kogut_singh(table, home, country)
                ),
                "pair": presenters.pair_dict(
                    engine.pair_pace(table, home, country, params.culture)
                ),
                "source": table.source,
                "notice": str(data_notice()),
            }
        )


class DistanceAPI(_WorkspaceAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Kogut–Singh distance of two countries")
    def get(self, request, a: str, b: str):
        first, second = services.check_country(a), services.check_country(b)
        table = services.culture_table_for(self.workspace)
        return Response(presenters.distance_dict(engine.kogut_singh(table, first, second)))


class RelationshipPaceAPI(_WorkspaceAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Next contact and warnings")
    def get(self, request, pk: int):
        workspace = self.workspace
        if not Relationship.objects.for_workspace(workspace).filter(pk=pk).exists():
            raise NotFound()
        result = services.plan_for_workspace(workspace, relationship_ids=[pk])
        if len(result.batch) == 0:
            return Response({"relationship": pk, "paced": False, "warnings": []})
        return Response({"paced": True, **presenters.advice_dict(result.batch.advice(0))})


class PaceListAPI(_WorkspaceAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("warning", str, required=False, enum=sorted(WARNING_KEYS)),
            OpenApiParameter("after", int, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="Open relationships with next contact and warnings (keyset by id)",
    )
    def get(self, request):
        size = _int_param(request, "page_size", 50, 1, MAX_PAGE)
        after = _int_param(request, "after", None, 0, None)
        warning = request.query_params.get("warning") or None
        if warning is not None and warning not in WARNING_KEYS:
            raise InvalidInput(
                "{field}: unknown warning {value!r}.", field="warning", value=warning
            )
        workspace = self.workspace
        if warning is None:
            # The page's relationships only: the grouped queries are limited to them.
            result = services.plan_for_workspace(workspace, after_id=after, limit=size + 1)
            rows = list(range(len(result.batch)))
        else:
            # Filtering by warning needs every row planned: one vectorised pass.
            result = services.plan_for_workspace(workspace, after_id=after)
            flag = int(WARNING_KEYS[warning])
            rows = [int(i) for i in (result.batch.warnings & flag).nonzero()[0][: size + 1]]
        more = len(rows) > size
        rows = rows[:size]
        items = [presenters.advice_dict(result.batch.advice(i)) for i in rows]
        next_url = None
        if more and items:
            query = request.query_params.copy()
            query["after"] = str(items[-1]["relationship"])
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"next": next_url, "results": items})


def _int_param(request, name, default, low, high):
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput("{field} must be a whole number.", field=name) from None
    if value < low or (high is not None and value > high):
        raise InvalidInput("{field} is out of range.", field=name)
    return value


urlpatterns = [
    path("countries/<str:code>/", CountryDetailAPI.as_view(), name="api-country"),
    path("countries/<str:a>/distance/<str:b>/", DistanceAPI.as_view(), name="api-country-distance"),
    path("relationships/<int:pk>/pace/", RelationshipPaceAPI.as_view(), name="api-relationship-pace"),
    path("pace/", PaceListAPI.as_view(), name="api-pace"),
]
