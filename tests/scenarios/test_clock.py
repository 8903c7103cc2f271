import pytest

from outage_replay.scenarios.clock import Clock, format_duration

CLOCK = Clock.for_values("2025-10-19T23:30:00-07:00", "America/Los_Angeles")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10500", 10500),
        ("10500s", 10500),
        ("+2h55m", 10500),
        ("2h 55m", 10500),
        ("02:25", 10500),
        ("2:25:30", 10530),
        ("Oct 20 02:25", 10500),
        ("Oct 20, 2:25 AM", 10500),
        ("oct 20 2:25 pm", 53700),
        ("2025-10-20 02:25", 10500),
        ("2025-10-20T09:25:00Z", 10500),
        ("23:30", 0),
        ("1d", 86400),
    ],
)
def test_it_parses_scenario_times(text, seconds):
    assert CLOCK.parse(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "25:00", "Foo 20 02:25", "Oct 40 02:25", "13:00 pm"])
def test_it_explains_what_it_cannot_parse(text):
    with pytest.raises(ValueError, match=r"\w"):
        CLOCK.parse(text)


def test_it_labels_times_in_the_scenario_zone():
    assert CLOCK.label(10500) == "Oct 20 02:25"
    assert CLOCK.label(10530) == "Oct 20 02:25:30"
    assert CLOCK.utc_label(10500) == "2025-10-20 09:25:00 UTC"
    assert CLOCK.parse(CLOCK.label(12345)) == 12345
    assert format_duration(106200) == "29h 30m" and format_duration(45) == "45s"


def test_it_has_no_clock_without_a_valid_start():
    assert Clock.for_values("2025-10-19T23:30:00", "UTC") is None
    assert Clock.for_values("nonsense", "UTC") is None
