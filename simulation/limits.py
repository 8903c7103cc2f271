"""Documented size limits for scenario documents.

They keep a run bounded in memory and time whatever a user imports:

| key | value | why |
|---|---|---|
| max_services | 200 | the player's graph stays readable; frames stay small |
| max_mechanisms | 100 | each mechanism is evaluated every frame |
| max_dependencies | 1000 | ~5 edges per service |
| max_events | 500 | faults + interventions + milestones together |
| max_duration_s | 1209600 | 14 days of simulated time |
| max_frames | 50000 | duration_s / frame_interval_s (≈ 20 MB stored at most) |
| max_work | 2000000 | frames × (services + mechanisms), plus each mechanism's own events |
| max_bytes | 1048576 | 1 MiB per scenario file |
| max_depth | 32 | JSON nesting depth |
| max_string | 4000 | any single string (descriptions included) |
"""

from __future__ import annotations

LIMITS: dict[str, int] = {
    "max_services": 200,
    "max_mechanisms": 100,
    "max_dependencies": 1000,
    "max_events": 500,
    "max_duration_s": 14 * 24 * 3600,
    "max_frames": 50_000,
    "max_work": 2_000_000,
    "max_bytes": 1024 * 1024,
    "max_depth": 32,
    "max_string": 4000,
}
