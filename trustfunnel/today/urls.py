from django.urls import path

from trustfunnel.today import views

app_name = "today"
urlpatterns = [
    path("today/", views.TodayView.as_view(), name="today"),
    path("today/answer/", views.AnswerItemView.as_view(), name="answer"),
    path("relationships/<int:pk>/meeting-sheet/", views.MeetingSheetView.as_view(),
         name="meeting-sheet"),
    path("pipeline/", views.PipelineView.as_view(), name="pipeline"),
    path("pipeline/deals/<int:pk>/move/", views.MoveDealView.as_view(), name="move-deal"),
]
