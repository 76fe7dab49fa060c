"""The API under /api/v1/: every app's ``api.register(router)`` is called once here.

An app adds endpoints by defining ``register(router)`` (viewsets) and, optionally,
``urlpatterns`` (extra paths) in its ``api.py``; nothing else needs editing.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView
from rest_framework.routers import DefaultRouter

router = DefaultRouter(trailing_slash=True)
extra_patterns = []
for config in apps.get_app_configs():
    if not config.name.startswith("trustfunnel.") or find_spec(f"{config.name}.api") is None:
        continue
    module = import_module(f"{config.name}.api")
    if hasattr(module, "register"):
        module.register(router)
    extra_patterns += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs/", SpectacularRedocView.as_view(url_name="openapi", template_name="api/redoc.html"), name="api-docs"),
    *extra_patterns,
    *router.urls,
]
