from django.urls import path

from . import views

app_name = "sharing"
urlpatterns = [
    path("replay/<uuid:run_id>/preview.png", views.preview_image, name="preview"),
    path(
        "compare/<uuid:run_a>/<uuid:run_b>/preview.png",
        views.compare_preview_image,
        name="compare-preview",
    ),
    path("embed/<uuid:run_id>/", views.embed_page, name="embed"),
    path("oembed", views.oembed, name="oembed"),
    path("p/", views.present_start, name="present-start"),
    path("p/<str:code>/", views.present_page, name="present"),
]
