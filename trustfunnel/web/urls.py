from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from trustfunnel.web.page_urls import app_patterns

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("trustfunnel.web.api_urls")),
    path("", include("trustfunnel.web.page_urls")),
    *app_patterns,
]
