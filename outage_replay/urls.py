from django.contrib import admin
from django.urls import include, path

from outage_replay.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("outage_replay.scenarios.urls")),
    path("", include("outage_replay.replays.urls")),
    path("", include("outage_replay.sharing.urls")),
]
