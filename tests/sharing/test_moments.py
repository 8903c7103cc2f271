from __future__ import annotations

import pytest

from outage_replay.sharing.moments import headline, parse_share_t, peak_moment, statuses_at

AWS = {
    "start": "2025-10-19T23:30:00-07:00",
    "timezone": "America/Los_Angeles",
    "duration_s": 106200,
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("23:48", 1080),
        ("23:48:30", 1110),
        ("1d02:25:00", 10500),  # Oct 20 02:25 PDT
        ("02:25", 10500),  # before the start time without a day: the next day
        ("4500s", 4500),
        ("999999s", 106200),  # clamped to the run
        ("1d05:00", 19800),
        ("24:00", None),
        ("2:5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_it_reads_a_share_links_t_like_the_player(value, expected):
    assert parse_share_t(AWS, value) == expected


SPEC = {
    **AWS,
    "duration_s": 3600,
    "services": [
        {"id": "dns", "name": "DNS"},
        {"id": "db", "name": "Database"},
        {"id": "web", "name": "Web"},
    ],
}
INTERVALS = {
    "dns": [["healthy", 0, 100], ["down", 100, 900], ["healthy", 900, 3600]],
    "db": [
        ["healthy", 0, 120],
        ["down", 120, 1000],
        ["recovering", 1000, 1200],
        ["healthy", 1200, 3600],
    ],
    "web": [
        ["healthy", 0, 130],
        ["degraded", 130, 140],
        ["down", 140, 1100],
        ["healthy", 1100, 3600],
    ],
}


def test_it_states_the_moment_leading_with_the_first_service_to_go_down():
    assert statuses_at(INTERVALS, 500)["db"] == ("down", 120.0)
    assert statuses_at(INTERVALS, 3600)["web"] == ("healthy", 1100.0)  # the very end
    assert headline(SPEC, INTERVALS, 0).text == "23:30 PDT · all 3 services healthy"
    assert headline(SPEC, INTERVALS, 500).text == "23:38 PDT · DNS DOWN · 3 services dark"
    assert headline(SPEC, INTERVALS, 950).text == "23:45 PDT · Database DOWN · 2 services dark"
    assert headline(SPEC, INTERVALS, 1150).text == "23:49 PDT · Database RECOVERING · 1 impaired"
    assert headline(SPEC, {}, 60).text == "23:31 PDT · still simulating"
    assert [headline(SPEC, INTERVALS, t).short for t in (0, 500, 1150)] == [
        "all healthy",
        "3 services dark",
        "1 impaired",
    ]


def test_it_picks_the_earliest_moment_with_the_most_services_down():
    assert peak_moment(INTERVALS, 3600) == 140
