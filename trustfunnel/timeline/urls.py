from django.urls import path

from trustfunnel.timeline import views

app_name = "timeline"
urlpatterns = [
    path("relationships/<int:pk>/timeline/", views.TimelineView.as_view(), name="entries"),
    path("relationships/<int:pk>/log/interaction/", views.LogInteractionView.as_view(),
         name="log-interaction"),
    path("relationships/<int:pk>/log/signal/", views.LogSignalView.as_view(), name="log-signal"),
    path("relationships/<int:pk>/log/exchange/", views.LogExchangeView.as_view(),
         name="log-exchange"),
    path("relationships/<int:pk>/signals/<int:signal_pk>/retract/",
         views.RetractSignalView.as_view(), name="retract-signal"),
]
