"""Time zones of agents (for snooze presets). Recipient zones come with quiet hours."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytz
from pytz.tzinfo import BaseTzInfo

if TYPE_CHECKING:
    from convo_tui.store.models import Agent


def zone(name: str) -> BaseTzInfo:
    return pytz.timezone(name)


def is_zone(name: str) -> bool:
    try:
        pytz.timezone(name)
    except pytz.UnknownTimeZoneError:
        return False
    return True


def host_zone_name() -> str:
    """The host's IANA zone: $TZ, else /etc/localtime, else /etc/timezone, else UTC."""
    candidate = os.environ.get("TZ", "").lstrip(":")
    if candidate and is_zone(candidate):
        return candidate
    localtime = Path("/etc/localtime")
    try:
        target = str(localtime.resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if is_zone(name):
            return name
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
    except OSError:
        name = ""
    return name if name and is_zone(name) else "UTC"


def agent_zone_name(timezone: str | None) -> str:
    """The zone an agent works in: their own if set and known, else the host's."""
    return timezone if timezone and is_zone(timezone) else host_zone_name()


def agent_zone(agent: Agent | None) -> BaseTzInfo:
    return zone(agent_zone_name(agent.timezone if agent is not None else None))
