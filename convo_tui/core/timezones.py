"""Time zones of agents (for snooze presets). Recipient zones come with quiet hours."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
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


@lru_cache(maxsize=1)
def _zone_data() -> tuple[dict[str, str], frozenset[str]]:
    """The zone links of the shipped tz database (old name → the zone it now names), and
    the names it lists for a country (zone.tab, zone1970.tab), read once from `tzdata`."""
    links: dict[str, str] = {}
    listed: set[str] = set()
    try:
        folder = resources.files("tzdata") / "zoneinfo"
        compiled = (folder / "tzdata.zi").read_text(encoding="utf-8")
        tables = [(folder / n).read_text(encoding="utf-8") for n in ("zone.tab", "zone1970.tab")]
    except (OSError, ModuleNotFoundError):
        return {}, frozenset()  # names shown as they come
    for line in compiled.splitlines():
        if line.startswith("L "):
            _l, target, old = line.split()[:3]
            links[old] = target
    for table in tables:
        for line in table.splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not line.startswith("#"):
                listed.add(fields[2])
    return links, frozenset(listed)


def canonical(name: str) -> str:
    """The zone's current name: "Asia/Kolkata" for "Asia/Calcutta", "Europe/Kyiv" for
    "Europe/Kiev" (phone-number data and old profiles still carry the old names).

    A name the database lists for a country stays as it is, although it may be a link
    too: Europe/Oslo is kept the same as Europe/Berlin since 1970, but is not renamed
    to it. So do UTC and the other names for Etc/ zones.
    """
    links, listed = _zone_data()
    for _hop in range(4):  # a link names a zone, never another link; guard all the same
        target = links.get(name)
        if name in listed or target is None or target.startswith("Etc/"):
            return name
        if not is_zone(target):  # pytz's data older than tzdata's: keep what works
            return name
        name = target
    return name


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
    return canonical(timezone if timezone and is_zone(timezone) else host_zone_name())


def agent_zone(agent: Agent | None) -> BaseTzInfo:
    return zone(agent_zone_name(agent.timezone if agent is not None else None))
