from django.urls import path

from . import views

app_name = "sharing"
urlpatterns = [
    path("replay/<uuid:run_id>/preview.png", views.preview_image, name="preview"),
]
