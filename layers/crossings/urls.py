"""URLs of the crossings app."""

from django.urls import path

from . import views

app_name = "crossings"
urlpatterns = [
    path("api/crossings/readings/", views.post_readings, name="post_readings"),
    path("crossings/<int:pk>/", views.crossing_page, name="page"),
    path("crossings/<int:pk>/status.json", views.crossing_status, name="status"),
]
