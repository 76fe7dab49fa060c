from django.views.generic import TemplateView

from trustfunnel.workspaces.views import WorkspaceMixin


class HomeView(WorkspaceMixin, TemplateView):
    template_name = "web/home.html"
