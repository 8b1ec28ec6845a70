"""The inbox's first page before the store proper has loaded (see `store.quickread`):
the rows it read, made into inbox rows, for an agent who may open the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from convo_tui.clock import parse_stored
from convo_tui.core.roles import CHANGE_SETTINGS, INBOX_ROLES, acting_login, os_login
from convo_tui.core.rows import InboxRow
from convo_tui.errors import AccessDenied
from convo_tui.store import quickread


@dataclass(frozen=True)
class FirstPage:
    rows: list[InboxRow]
    total: int
    """Open conversations (the default filter)."""
    unread: int
    show_unread: bool
    login: str
    name: str
    role: str
    zone: str | None
    """The agent's own zone if set; else the host's decides."""
    may_change_settings: bool


def _when(value: str | None) -> datetime | None:
    return None if value is None else parse_stored(value)


def _row(raw: tuple[object, ...]) -> InboxRow:
    (cid, pid, phone, first, last, status, unread, at, preview, direction, waiting, snooze) = raw[
        :12
    ]
    at_time = _when(str(at))
    assert at_time is not None
    return InboxRow(
        int(str(cid)),
        int(str(pid)),
        str(phone),
        None if first is None else str(first),
        None if last is None else str(last),
        str(status),
        bool(unread),
        at_time,
        str(preview or ""),
        str(direction or ""),
        _when(None if waiting is None else str(waiting)),
        _when(None if snooze is None else str(snooze)),
        None if raw[12] is None else str(raw[12]),
        bool(raw[13]),
        _when(None if raw[14] is None else str(raw[14])),
        _when(None if raw[15] is None else str(raw[15])),
        None if raw[16] is None else str(raw[16]),
        None if raw[17] is None else str(raw[17]),
        None if raw[18] is None else str(raw[18]),
    )


def first_page(path: Path, requested: str | None, *, limit: int) -> FirstPage | None:
    """The newest open conversations and the counts for the agent acting (the OS login,
    or `requested` where roles.acting_login allows it), or None (let the normal start
    decide: no file, another schema revision, an agent that is unknown, removed, has no
    inbox role or may not be played, a lock)."""
    read = quickread.read(path, requested or os_login(), limit=limit)
    if read is None or read.agent is None:
        return None
    try:
        acting_login(requested, read.kind)
    except AccessDenied:
        return None
    login_, name, role, zone, active = read.agent
    if not active or role not in INBOX_ROLES:
        return None
    return FirstPage(
        rows=[_row(r) for r in read.rows],
        total=read.total,
        unread=read.unread,
        show_unread=read.show_unread,
        login=str(login_),
        name=str(name or login_),
        role=str(role),
        zone=str(zone) if zone else None,
        may_change_settings=role in CHANGE_SETTINGS,
    )
