"""Recipient local time and quiet hours, across DST, half-hour DST and odd offsets."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from convo_tui.core import recipient_time as rtime
from convo_tui.core.timezones import zone
from convo_tui.store.models import Profile

from .conftest import NOW


def _profile(**fields: Any) -> Profile:
    base: dict[str, Any] = {"phone": "+14155550123", "created_at": NOW, "updated_at": NOW}
    base.update(fields)
    return Profile(**base)


def test_resolution_order_profile_then_location_then_phone() -> None:
    p = _profile(timezone="Europe/Lisbon", latitude=35.68, longitude=139.69)
    assert rtime.resolve(p, NOW) == rtime.RecipientZone("Europe/Lisbon", "profile")
    p = _profile(latitude=35.68, longitude=139.69)  # Tokyo
    assert rtime.resolve(p, NOW) == rtime.RecipientZone("Asia/Tokyo", "location")
    p = _profile(phone="+12125550123")
    assert rtime.resolve(p, NOW) == rtime.RecipientZone("America/New_York", "phone")
    # A Portuguese mobile may be in Lisbon's clock (Madeira keeps it too) or the Azores'.
    assert rtime.resolve(_profile(phone="+351912345678"), NOW) == rtime.RecipientZone(
        None, "phone", candidates=("Atlantic/Azores", "Europe/Lisbon")
    )
    assert rtime.resolve(p, NOW).describe() == "America/New_York, from phone number"


def test_a_bad_profile_zone_or_coordinates_fall_through() -> None:
    p = _profile(timezone="Mars/Olympus", latitude=999.0, longitude=0.0, phone="+442079460958")
    assert rtime.resolve(p, NOW) == rtime.RecipientZone("Europe/London", "phone")


def test_coordinates_at_sea_are_ignored_and_the_phone_decides() -> None:
    """timezonefinder gives Etc/GMT±N out at sea: no one's wall clock, never "from location"."""
    assert rtime.zone_from_coordinates(0.0, -30.0) is None  # mid-Atlantic: Etc/GMT+2
    p = _profile(latitude=0.0, longitude=-30.0, phone="+12125550123")
    assert rtime.resolve(p, NOW) == rtime.RecipientZone("America/New_York", "phone")
    # A sea zone cached by an older convo is not trusted either.
    p = _profile(phone="+12125550123", latitude=0.0, longitude=-30.0)
    p.resolved_timezone, p.timezone_source = "Etc/GMT+2", "location"
    p.timezone_basis = f"None|0.0|-30.0|{p.phone}"
    assert rtime.resolve(p, NOW) == rtime.RecipientZone("America/New_York", "phone")


def test_phone_zones_that_agree_on_the_offset_now_are_accepted() -> None:
    # +1 604 681 (Vancouver, BC) is one zone; a number phonenumbers places only in
    # "British Columbia" may be in its Mountain-time east too; a US toll-free number
    # may be anywhere in the US.
    assert rtime.zone_from_phone("+16046811234", NOW) == "America/Vancouver"
    assert rtime.zone_from_phone("+16045550123", NOW) is None
    assert rtime.zone_from_phone("+18005550123", NOW) is None


def test_resolved_zone_is_cached_and_refreshed_when_the_location_changes() -> None:
    p = _profile(latitude=38.72, longitude=-9.14)  # Lisbon
    assert rtime.resolve(p, NOW).name == "Europe/Lisbon"
    assert (p.resolved_timezone, p.timezone_source) == ("Europe/Lisbon", "location")
    p.latitude, p.longitude = -33.87, 151.21  # moved to Sydney
    assert rtime.resolve(p, NOW).name == "Australia/Sydney"
    assert p.resolved_timezone == "Australia/Sydney"


def test_timezonefinder_is_not_imported_until_needed() -> None:
    code = (
        "import sys, convo_tui.core.recipient_time as r, convo_tui.cli\n"
        "assert 'timezonefinder' not in sys.modules\n"
        "r.zone_from_coordinates(0.0, 0.0)\n"
        "assert 'timezonefinder' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _check(name: str, at: datetime) -> rtime.QuietCheck:
    return rtime.check(rtime.RecipientZone(name, "profile"), at)


@pytest.mark.parametrize(
    ("name", "utc", "local", "quiet"),
    [
        # New York: spring forward 2026-03-08 02:00 EST -> 03:00 EDT
        ("America/New_York", _utc(2026, 3, 8, 6, 59), "01:59 EST", True),
        ("America/New_York", _utc(2026, 3, 8, 7, 0), "03:00 EDT", True),
        ("America/New_York", _utc(2026, 3, 8, 12, 0), "08:00 EDT", False),
        # New York: fall back 2026-11-01, 01:30 happens twice
        ("America/New_York", _utc(2026, 11, 1, 5, 30), "01:30 EDT", True),
        ("America/New_York", _utc(2026, 11, 1, 6, 30), "01:30 EST", True),
        ("America/New_York", _utc(2026, 11, 1, 13, 0), "08:00 EST", False),
        ("America/New_York", _utc(2026, 11, 2, 0, 59), "19:59 EST", False),
        ("America/New_York", _utc(2026, 11, 2, 1, 0), "20:00 EST", True),
        # Lisbon: DST starts 2026-03-29 01:00 UTC, ends 2026-10-25 01:00 UTC
        ("Europe/Lisbon", _utc(2026, 3, 29, 0, 59), "00:59 WET", True),
        ("Europe/Lisbon", _utc(2026, 3, 29, 1, 0), "02:00 WEST", True),
        ("Europe/Lisbon", _utc(2026, 3, 29, 7, 0), "08:00 WEST", False),
        ("Europe/Lisbon", _utc(2026, 10, 25, 0, 30), "01:30 WEST", True),
        ("Europe/Lisbon", _utc(2026, 10, 25, 1, 30), "01:30 WET", True),
        ("Europe/Lisbon", _utc(2026, 10, 25, 8, 0), "08:00 WET", False),
        # São Paulo: no DST since 2019, always -03
        ("America/Sao_Paulo", _utc(2026, 1, 15, 11, 0), "08:00 -03", False),
        ("America/Sao_Paulo", _utc(2026, 11, 1, 10, 59), "07:59 -03", True),
        # Lord Howe: 30-minute DST (+10:30 / +11), ends 2026-04-05, starts 2026-10-04
        ("Australia/Lord_Howe", _utc(2026, 4, 4, 14, 59), "01:59 +11", True),
        ("Australia/Lord_Howe", _utc(2026, 4, 4, 15, 0), "01:30 +1030", True),
        ("Australia/Lord_Howe", _utc(2026, 4, 4, 21, 30), "08:00 +1030", False),
        ("Australia/Lord_Howe", _utc(2026, 10, 3, 15, 30), "02:30 +11", True),
        ("Australia/Lord_Howe", _utc(2026, 10, 3, 21, 0), "08:00 +11", False),
        # Kathmandu: +05:45, no DST
        ("Asia/Kathmandu", _utc(2026, 6, 1, 2, 14), "07:59 +0545", True),
        ("Asia/Kathmandu", _utc(2026, 6, 1, 2, 15), "08:00 +0545", False),
        ("Asia/Kathmandu", _utc(2026, 6, 1, 14, 15), "20:00 +0545", True),
    ],
)
def test_local_time_and_quiet_hours_across_dst(name, utc, local, quiet) -> None:
    result = _check(name, utc)
    assert result.local is not None
    assert result.local.strftime("%H:%M %Z") == local
    assert result.quiet is quiet
    if quiet:
        assert local[:5] in (result.warning() or "")


def test_unknown_zone_warns() -> None:
    result = rtime.check(rtime.UNKNOWN, NOW)
    assert result.quiet and "unknown" in (result.warning() or "")


def test_window_is_configurable() -> None:
    at = _utc(2026, 6, 1, 12, 30)  # 08:30 in New York
    assert not rtime.check(rtime.RecipientZone("America/New_York", "profile"), at).quiet
    assert rtime.check(
        rtime.RecipientZone("America/New_York", "profile"), at, start="09:00", end="21:00"
    ).quiet


@pytest.mark.parametrize(
    ("name", "now", "expected_local"),
    [
        # 23:00 before spring-forward night: next 08:00 is after the gap, EDT
        ("America/New_York", _utc(2026, 3, 8, 4, 0), "2026-03-08 08:00 EDT"),
        # after fall-back
        ("America/New_York", _utc(2026, 11, 1, 2, 0), "2026-11-01 08:00 EST"),
        # 21:00 in Lord Howe the evening DST starts
        ("Australia/Lord_Howe", _utc(2026, 10, 3, 10, 30), "2026-10-04 08:00 +11"),
        ("Asia/Kathmandu", _utc(2026, 6, 1, 15, 0), "2026-06-02 08:00 +0545"),
        # across the date line: at 22:00 UTC on June 1 Auckland is already at June 2
        ("Pacific/Auckland", _utc(2026, 6, 1, 22, 0), "2026-06-03 08:00 NZST"),
        ("Pacific/Auckland", _utc(2026, 6, 1, 10, 0), "2026-06-02 08:00 NZST"),
        ("Pacific/Honolulu", _utc(2026, 6, 1, 22, 0), "2026-06-02 08:00 HST"),
    ],
)
def test_next_window_start(name, now, expected_local) -> None:
    when = rtime.next_window_start(name, now)
    assert when > now
    assert when.astimezone(zone(name)).strftime("%Y-%m-%d %H:%M %Z") == expected_local
