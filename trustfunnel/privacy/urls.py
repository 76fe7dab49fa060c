from django.urls import path

from trustfunnel.privacy import views

app_name = "privacy"
urlpatterns = [
    path("privacy/people/<int:pk>/", views.PersonPrivacyView.as_view(), name="person"),
    path("privacy/people/<int:pk>/consent/", views.RecordConsentView.as_view(), name="record-consent"),
    path("privacy/people/<int:pk>/access-report/", views.AccessReportView.as_view(), name="access-report"),
    path("privacy/people/<int:pk>/access-report.json", views.AccessReportView.as_view(),
         {"as_json": True}, name="access-report-json"),
    path("privacy/people/<int:pk>/erase/", views.ErasePersonView.as_view(), name="erase"),
    path("privacy/retention/", views.RetentionView.as_view(), name="retention"),
]
