"""The pages: the shell's own, then every app's ``urls.urlpatterns`` (if it has one).

Apps use distinct path prefixes (``people/``, ``relationships/`` ...) and namespaced
names through ``app_name`` in their own urls module.
"""

from importlib.util import find_spec

from django.apps import apps
from django.urls import include, path

from trustfunnel.web import views
from trustfunnel.workspaces.views import SwitchWorkspaceView

app_name = "web"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("workspace/switch/", SwitchWorkspaceView.as_view(), name="switch-workspace"),
]

app_patterns = [
    path("", include(f"{config.name}.urls"))
    for config in apps.get_app_configs()
    if config.name.startswith("trustfunnel.")
    and config.name != "trustfunnel.web"
    and find_spec(f"{config.name}.urls") is not None
]
