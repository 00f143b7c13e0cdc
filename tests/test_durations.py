import pytest

from obsgen import durations


@pytest.mark.parametrize(("text", "seconds"), [("300ms", 0.3), ("5m", 300), ("1h30m", 5400), ("4w", 28 * 86400)])
def test_parse(text, seconds):
    assert durations.seconds(text) == seconds


@pytest.mark.parametrize("text", ["5", "1.5h", "-1h", "5 minutes", "", "0s"])
def test_rejects(text):
    with pytest.raises(ValueError, match="duration"):
        durations.parse(text)


@pytest.mark.parametrize(("seconds", "text"), [(30 * 86400, "30d"), (28 * 86400, "4w"), (7 * 86400, "1w"),
                                              (300, "5m"), (5400, "1h30m")])
def test_format_like_prometheus(seconds, text):
    assert durations.format_seconds(seconds) == text
