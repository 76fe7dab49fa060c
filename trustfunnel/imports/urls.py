from django.urls import path

from trustfunnel.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.UploadView.as_view(), name="upload"),
    path("imports/<int:pk>/map/", views.MapView.as_view(), name="map"),
    path("imports/<int:pk>/", views.RunView.as_view(), name="run"),
    path("imports/<int:pk>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("imports/promises/<int:pk>/decide/", views.PromiseDecideView.as_view(), name="decide-promise"),
]
