from django.urls import path

from trustfunnel.marketing import views

app_name = "marketing"
urlpatterns = [
    path("marketing/content/", views.ContentListView.as_view(), name="content"),
    path("marketing/segments/", views.SegmentListView.as_view(), name="segments"),
    path("marketing/segments/count/", views.SegmentCountView.as_view(), name="segment-count"),
    path("marketing/campaigns/", views.CampaignListView.as_view(), name="campaigns"),
    path("marketing/campaigns/<int:pk>/", views.CampaignReviewView.as_view(), name="campaign"),
    path("marketing/campaigns/<int:pk>/<str:action>/", views.CampaignActionView.as_view(),
         name="campaign-action"),
    path("marketing/insights/", views.InsightBoardView.as_view(), name="insights"),
    path("marketing/tasks/", views.MyTasksView.as_view(), name="tasks"),
    path("marketing/tasks/<int:pk>/close/", views.CloseTaskView.as_view(), name="close-task"),
    path("relationships/<int:relationship_id>/insights/", views.LogInsightView.as_view(),
         name="log-insight"),
    path("m/u/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
    path("m/c/<str:token>/<int:campaign_id>/", views.ClickView.as_view(), name="click"),
]
