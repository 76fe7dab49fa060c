from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import DefaultRouter

router = DefaultRouter(trailing_slash=True)
# Each app registers its viewsets in its own api.py; imported here once.
from trustfunnel.crm import api as crm_api  # noqa: E402
from trustfunnel.timeline import api as timeline_api  # noqa: E402

crm_api.register(router)
timeline_api.register(router)

urlpatterns = [
    path("openapi.json", SpectacularAPIView.as_view(), name="openapi"),
    path("docs/", SpectacularRedocView.as_view(url_name="openapi"), name="api-docs"),
    *router.urls,
]
