from django.urls import path

from trustfunnel.events import views

app_name = "events"
urlpatterns = [
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("events/new/", views.EventCreateView.as_view(), name="event-create"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event-detail"),
    path("events/<int:pk>/sessions/", views.AddSessionView.as_view(), name="session-add"),
    path("events/sessions/<int:pk>/register/", views.RegisterView.as_view(), name="register"),
    path("events/sessions/<int:pk>/checkin/", views.CheckInListView.as_view(), name="checkin"),
    path("events/registrations/<int:pk>/checkin/", views.CheckInToggleView.as_view(),
         name="checkin-toggle"),
    path("events/registrations/<int:pk>/<slug:action>/", views.RegistrationActionView.as_view(),
         name="registration-action"),
    path("events/offers/<int:pk>/<slug:action>/", views.OfferActionView.as_view(),
         name="offer-action"),
    path("events/terms-advice/", views.TermsAdvicePartialView.as_view(), name="terms-advice"),
    path("events/payments-due/", views.PaymentsDueView.as_view(), name="payments-due"),
    path("reliability/<int:pk>/", views.ReliabilityView.as_view(), name="reliability"),
    path("reliability/<int:pk>/policy/", views.PolicyView.as_view(), name="policy"),
]
