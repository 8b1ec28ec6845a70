"""The first inbox page of a SQLite store, read with the standard library alone.

Loading SQLAlchemy and SQLModel takes about a third of a second and 40 MiB,
longer than a minimal Textual app takes to paint. The terminal UI paints its
first page from here while the store proper loads on a thread; from then on
every read and action goes through the store (SQLAlchemy) as usual.

This is the one place outside `store/dialect.py` with hand-written SQL, and
only for reading: the same rows as `core.queries.inbox_window` for the default
filter (a test holds them equal) and the counts from the tally, as the columns
hold them. `core.first_page` applies the rules (who may open the inbox) and makes
the rows. It answers None whenever the normal start must decide instead: no
file, another schema revision, a lock.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from convo_tui.store.heads import known_head
from convo_tui.store.kinds import Status


@dataclass(frozen=True)
class QuickRead:
    rows: list[tuple[object, ...]]
    """The page's rows in `_PAGE_SQL`'s column order, as SQLite returns them."""
    total: int
    """Open conversations (the default filter)."""
    unread: int
    show_unread: bool
    agent: tuple[object, ...] | None
    """The agent's login, name, role, timezone and active flag; None: no such agent."""
    kind: str | None = None
    """The store's kind (store_meta "kind": demo, bench, test), None for a real store."""


_PAGE_SQL = """
SELECT c.id, c.profile_id, p.phone, p.first_name, p.last_name, c.status, c.unread,
       c.last_message_at, c.last_message_preview, c.last_message_direction,
       c.waiting_since, c.snooze_until, s.name, p.blocked, c.reply_pending_at,
       c.possible_opt_out_at, a.login, a.name,
       (SELECT group_concat(t.name, ' ') FROM tag AS t
        JOIN conversation_tag AS ct ON ct.tag_id = t.id
        WHERE ct.conversation_id = c.id) AS tags
FROM conversation AS c
JOIN profile AS p ON p.id = c.profile_id
LEFT OUTER JOIN message_source AS s ON s.id = c.attributed_source_id
LEFT OUTER JOIN agent AS a ON a.id = c.assignee_id
WHERE c.status = ?
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT ?
"""


def read(path: Path, login: str, *, limit: int) -> QuickRead | None:
    """The newest open conversations, the counts and the agent, or None (let the
    normal start decide)."""
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
        mark = conn.execute("SELECT value FROM store_meta WHERE key = 'kind'").fetchone()
        kind = None if mark is None else str(mark[0])
        if agent is None:
            return QuickRead([], 0, 0, True, None, kind)
        rows = [tuple(r) for r in conn.execute(_PAGE_SQL, (Status.OPEN.value, limit))]
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
    return QuickRead(rows, int(total), int(unread), show, tuple(agent), kind)
