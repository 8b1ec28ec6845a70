"""An inbox that does not sync watches the one that does: on PostgreSQL the sync runs as
a service (`convo sync --follow` under its own role), and an agent's host without the
provider secrets never syncs; its status line says whether the service is running."""

from __future__ import annotations

from convo_tui.errors import ConvoError
from convo_tui.store.engine import Store
from convo_tui.sync.lock import current_holder
from convo_tui.sync.status import SyncHealth, SyncStatus


class ServiceWatch:
    """A SyncSource that syncs nothing: `status` says who holds the sync lock, if anyone."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def status(self) -> SyncStatus:
        try:
            holder = current_holder(self.store)
        except ConvoError:  # the store is unreachable: the status line says so already
            return SyncStatus()
        if holder is None:
            return SyncStatus(state="absent")
        return SyncStatus(state="elsewhere", by=holder.status_words())

    def wake(self, why: str = "reply queued") -> None:
        """The service sends queued replies at its next round; nothing to wake here."""

    def health(self) -> SyncHealth:
        return SyncHealth(status=self.status())
