"""URLs of the cameras theme: device health pages (staff), snapshots, and the heartbeat API."""

from django.urls import path

from . import views

app_name = "cameras"

urlpatterns = [
    path("cameras/", views.health_list, name="list"),
    path("cameras/<int:pk>/", views.device_page, name="device"),
    path("cameras/<int:pk>/snapshot.jpg", views.snapshot, name="snapshot"),
    path("cameras/camera/<int:camera_id>/health.json", views.camera_health, name="camera_health"),
    path("api/devices/heartbeat/", views.heartbeat, name="heartbeat"),
]
