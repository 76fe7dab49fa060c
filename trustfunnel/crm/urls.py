from django.urls import path

from trustfunnel.crm import views

app_name = "crm"
urlpatterns = [
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path("organizations/new/", views.OrganizationFormView.as_view(), name="organization-create"),
    path("organizations/<int:pk>/", views.OrganizationDetailView.as_view(), name="organization-detail"),
    path("organizations/<int:pk>/edit/", views.OrganizationFormView.as_view(), name="organization-edit"),
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/new/", views.PersonFormView.as_view(), name="person-create"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/edit/", views.PersonFormView.as_view(), name="person-edit"),
    path("relationships/", views.RelationshipListView.as_view(), name="relationship-list"),
    path("relationships/new/", views.RelationshipFormView.as_view(), name="relationship-create"),
    path("relationships/<int:pk>/", views.RelationshipDetailView.as_view(), name="relationship-detail"),
    path("relationships/<int:pk>/edit/", views.RelationshipFormView.as_view(), name="relationship-edit"),
    path("deals/", views.DealListView.as_view(), name="deal-list"),
    path("deals/new/", views.DealFormView.as_view(), name="deal-create"),
    path("deals/<int:pk>/edit/", views.DealFormView.as_view(), name="deal-edit"),
]
