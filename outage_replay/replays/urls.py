from django.urls import path

from . import compare, determinism, player, views

app_name = "replays"
urlpatterns = [
    path("api/runs/", views.api_runs, name="api-runs"),
    path("api/runs/<uuid:run_id>/", views.api_run, name="api-run"),
    path("api/runs/<uuid:run_id>/frames", views.api_frames, name="api-frames"),
    path("api/runs/<uuid:run_id>/cancel", views.api_cancel, name="api-cancel"),
    path("api/runs/<uuid:run_id>/verify", determinism.api_verify, name="api-verify"),
    path("api/explore/", determinism.api_explore, name="api-explore"),
    path("api/explore/<str:key>/", determinism.api_explore_result, name="api-explore-result"),
    path("api/explore/<str:key>/replay", determinism.api_explore_replay, name="api-explore-replay"),
    path("s/<slug:slug>/replay", views.start, name="start"),
    path("replay/<uuid:run_id>/", player.replay_page, name="replay"),
    path("compare/<uuid:run_a>/<uuid:run_b>/", compare.compare_page, name="compare"),
    path("api/compare/<uuid:run_a>/<uuid:run_b>/", compare.api_compare, name="api-compare"),
]
