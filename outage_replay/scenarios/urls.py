from django.urls import path

from . import views

app_name = "scenarios"
urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("s/<slug:slug>/", views.detail, name="detail"),
    path("docs/mechanisms/", views.mechanisms, name="mechanisms"),
    path("api/scenarios/", views.api_list, name="api-list"),
    path("api/scenarios/<slug:slug>.json", views.api_export, name="api-export"),
    path("schema/outage-replay-1.schema.json", views.schema, name="schema"),
]
