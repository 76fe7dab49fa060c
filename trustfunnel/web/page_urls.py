from django.urls import path

from trustfunnel.web import views
from trustfunnel.workspaces.views import SwitchWorkspaceView

app_name = "web"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("workspace/switch/", SwitchWorkspaceView.as_view(), name="switch-workspace"),
]
