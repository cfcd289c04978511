"""URLs of the shared outbox: the dead-letter page and its retry."""

from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("delivery/dead/", views.dead, name="dead"),
    path("delivery/dead/<int:pk>/retry/", views.retry, name="retry"),
    path("delivery/dead/fire/<int:pk>/retry/", views.retry, {"source": "fire"}, name="retry-fire"),
    path("delivery/runs/<int:pk>/rerun/", views.rerun, name="rerun"),
]
