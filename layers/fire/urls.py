"""URLs of the fire theme: the rangers' alert pages and their JSON API."""

from django.urls import path

from . import api, views

app_name = "fire"

ACTION = "<int:pk>/<str:action>/"

urlpatterns = [
    path("fire/", views.alerts, name="alerts"),
    # The link in alert mails and webhooks: the alert's own page.
    path("fire/events/<int:pk>/", views.event, name="event"),
    path("fire/events/<int:pk>/map/", views.event_map, name="event_map"),
    path("fire/events/<int:pk>/photo.jpg", views.photo, name="photo"),
    path(f"fire/events/{ACTION}", views.act, name="act"),
    path("api/fire/alerts/", api.AlertList.as_view(), name="api_alerts"),
    path("api/fire/events/<int:pk>/", api.EventDetail.as_view(), name="api_event"),
    path(f"api/fire/events/{ACTION}", api.EventAct.as_view(), name="api_act"),
    path("api/fire/response-times/", api.ResponseTimes.as_view(), name="api_response_times"),
]
