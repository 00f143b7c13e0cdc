"""obsgen/calendar.py: zones come from the pinned tzdata package, whatever the machine holds."""

from __future__ import annotations

import shutil
import zoneinfo
from datetime import UTC, datetime
from importlib import resources

import pytest

from obsgen import calendar


def test_zones_are_read_from_the_pinned_tzdata_package_not_the_machine(tmp_path):
    """A machine whose tz database says Berlin is UTC (an old or odd one) gets Berlin's real offsets."""
    fake = tmp_path / "zoneinfo"
    (fake / "Europe").mkdir(parents=True)
    with resources.files("tzdata.zoneinfo").joinpath("UTC").open("rb") as utc:
        (fake / "Europe" / "Berlin").write_bytes(utc.read())
    shutil.copy(fake / "Europe" / "Berlin", fake / "UTC")
    zoneinfo.reset_tzpath(to=[str(fake)])
    try:
        assert zoneinfo.ZoneInfo.no_cache("Europe/Berlin").utcoffset(datetime(2025, 7, 1)).total_seconds() == 0
        summer = calendar.zone("Europe/Berlin").utcoffset(datetime(2025, 7, 1, tzinfo=UTC).replace(tzinfo=None))
        assert summer.total_seconds() == 7200
    finally:
        zoneinfo.reset_tzpath()


@pytest.mark.parametrize("name", ["../etc/passwd", "/etc/localtime", "Europe/../UTC", "Nowhere/City", "", "Europe/"])
def test_a_name_that_is_no_zone_of_the_package_is_refused(name):
    with pytest.raises(ValueError, match="unknown time zone"):
        calendar.zone(name)
