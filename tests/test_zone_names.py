"""Zones are shown by their current IANA names, whichever old name the data carried."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from convo_tui.core import recipient_time
from convo_tui.core.timezones import agent_zone_name, canonical, is_zone

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("old", "current"),
    [
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
        ("Asia/Katmandu", "Asia/Kathmandu"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("US/Eastern", "America/New_York"),
        ("GB", "Europe/London"),
    ],
)
def test_an_old_name_is_shown_by_its_current_one(old: str, current: str) -> None:
    assert is_zone(old) and canonical(old) == current


@pytest.mark.parametrize(
    "name", ["Asia/Kolkata", "Europe/Oslo", "Arctic/Longyearbyen", "UTC", "Etc/UTC", "Nope/Zone"]
)
def test_a_current_or_country_name_is_kept(name: str) -> None:
    # Europe/Oslo is a link to Europe/Berlin in the database, but Norway's own name.
    assert canonical(name) == name


def test_a_zone_from_the_phone_number_has_its_current_name() -> None:
    zone = recipient_time.RecipientZone(
        recipient_time.zone_from_phone("+919876501234", NOW), "phone"
    )
    assert zone.name == "Asia/Kolkata"
    assert zone.describe() == "Asia/Kolkata, from phone number"
    assert recipient_time.check(zone, NOW).local is not None


def test_an_agents_old_zone_name_is_shown_by_its_current_one() -> None:
    assert agent_zone_name("Asia/Calcutta") == "Asia/Kolkata"
