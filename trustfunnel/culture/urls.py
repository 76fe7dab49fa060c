from django.urls import path

from trustfunnel.culture import views

app_name = "culture"
urlpatterns = [
    path("countries/", views.CountryIndexView.as_view(), name="index"),
    path("countries/pipeline/", views.PipelineByCountryView.as_view(), name="pipeline"),
    path("countries/<str:code>/", views.CountryDetailView.as_view(), name="country"),
]
