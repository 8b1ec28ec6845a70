"""Draft writes in order: what the reply box handed up and the store does not have yet.

The box hands a draft up as the agent types (debounced) and when it lets go of a
conversation; workers write them. A send or a recall replaces the draft in the store
and must not be undone by a write that was still on its way: each conversation's
writes carry a turn, a replacing step takes a new turn, and a write whose turn is no
longer the newest is skipped. One lock makes the writes, sends and recalls of the
screen run one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from convo_tui.core.rows import DraftText

Save = Callable[[int, DraftText], None]


class PendingDrafts:
    def __init__(self) -> None:
        self._drafts: dict[int, DraftText] = {}
        """By conversation: newer than the store's until kept there."""
        self._turn: dict[int, int] = {}
        """The newest write asked for each conversation (older ones are skipped)."""
        self._lock = threading.Lock()

    def get(self, conversation_id: int, stored: DraftText) -> DraftText:
        """What the box should show: a draft not kept yet, else the stored one."""
        return self._drafts.get(conversation_id, stored)

    def handed(self, conversation_id: int, draft: DraftText) -> int:
        """The box handed a draft up: its turn, for `write`."""
        self._drafts[conversation_id] = draft
        return self._next_turn(conversation_id)

    def write(self, conversation_id: int, draft: DraftText, turn: int, save: Save) -> None:
        """In a worker: keep the draft, unless a newer write or a replacing step came."""
        with self._lock:
            if self._turn.get(conversation_id) != turn:
                return
            save(conversation_id, draft)
            if self._drafts.get(conversation_id) == draft:
                del self._drafts[conversation_id]  # the store has it now

    @contextmanager
    def replacing(self, conversation_id: int) -> Iterator[None]:
        """In a worker: a send or recall writes this conversation's draft itself; writes
        still on their way are skipped, and nothing pending is left for it."""
        with self._lock:
            self._next_turn(conversation_id)
            yield
            self._drafts.pop(conversation_id, None)

    def flush(self, save: Save) -> None:
        """Write every draft not kept yet (the app ends)."""
        with self._lock:
            for cid, draft in list(self._drafts.items()):
                save(cid, draft)

    def _next_turn(self, conversation_id: int) -> int:
        turn = self._turn.get(conversation_id, 0) + 1
        self._turn[conversation_id] = turn
        return turn
