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

handler400 = "outage_replay.errors.bad_request"
handler403 = "outage_replay.errors.permission_denied"
handler404 = "outage_replay.errors.page_not_found"
handler500 = "outage_replay.errors.server_error"
