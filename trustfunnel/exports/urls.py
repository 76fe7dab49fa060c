from django.urls import path

from trustfunnel.exports import views

app_name = "exports"
urlpatterns = [
    path("exports/", views.ExportsIndexView.as_view(), name="index"),
    path("exports/people.vcf", views.PeopleVcfView.as_view(), name="people-vcf"),
    path("exports/people/<int:pk>.vcf", views.PersonVcfView.as_view(), name="person-vcf"),
    path("exports/<slug:key>.csv", views.ListCsvView.as_view(), name="list-csv"),
    path("exports/calendar/new/", views.IssueFeedTokenView.as_view(), name="calendar-issue"),
    path("exports/calendar/revoke/", views.RevokeFeedTokenView.as_view(), name="calendar-revoke"),
    path("exports/calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("exports/backup/", views.BackupDownloadView.as_view(), name="backup"),
]
