"""The first inbox page of a SQLite store, read with the standard library alone.

Loading SQLAlchemy and SQLModel takes about a third of a second and 40 MiB,
longer than a minimal Textual app takes to paint. The terminal UI paints its
first page from here while the store proper loads on a thread; from then on
every read and action goes through the store (SQLAlchemy) as usual.

This is the one place outside `store/dialect.py` with hand-written SQL, and
only for reading: the same rows as `core.queries.inbox_window` for the default
filter (a test holds them equal) and the counts from the tally. It answers
None whenever the normal start must decide instead: no file, another schema
revision, an agent that is unknown, removed or has no inbox role, a lock.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from convo_tui.clock import parse_stored
from convo_tui.core.roles import CHANGE_SETTINGS, INBOX_ROLES
from convo_tui.core.rows import InboxRow
from convo_tui.store.heads import known_head
from convo_tui.store.kinds import Status


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


_PAGE_SQL = """
SELECT c.id, c.profile_id, p.phone, p.first_name, p.last_name, c.status, c.unread,
       c.last_message_at, c.last_message_preview, c.last_message_direction,
       c.waiting_since, c.snooze_until, s.name, p.blocked, c.reply_pending_at,
       c.possible_opt_out_at
FROM conversation AS c
JOIN profile AS p ON p.id = c.profile_id
LEFT OUTER JOIN message_source AS s ON s.id = c.attributed_source_id
WHERE c.status = ?
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT ?
"""


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
    )


def first_page(path: Path, login: str, *, limit: int) -> FirstPage | None:
    """The newest open conversations and the counts, or None (let the normal start decide)."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
    except sqlite3.Error:
        return None
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] != known_head():
            return None
        agent = conn.execute(
            "SELECT login, name, role, timezone, active FROM agent WHERE login = ?", (login,)
        ).fetchone()
        if agent is None or not agent[4] or agent[2] not in INBOX_ROLES:
            return None
        rows = [_row(r) for r in conn.execute(_PAGE_SQL, (Status.OPEN.value, limit))]
        total = conn.execute(
            "SELECT coalesce(sum(n), 0) FROM inbox_tally WHERE status = ?", (Status.OPEN.value,)
        ).fetchone()[0]
        unread = conn.execute(
            "SELECT coalesce(sum(n), 0) FROM inbox_tally WHERE unread = 1"
        ).fetchone()[0]
        shown = conn.execute(
            "SELECT value FROM setting WHERE key = 'notifications.unread_indicator'"
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    show = True if shown is None else json.loads(shown[0]) is True
    return FirstPage(
        rows=rows,
        total=int(total),
        unread=int(unread),
        show_unread=show,
        login=str(agent[0]),
        name=str(agent[1] or agent[0]),
        role=str(agent[2]),
        zone=str(agent[3]) if agent[3] else None,
        may_change_settings=agent[2] in CHANGE_SETTINGS,
    )
