"""The inbox list's paging window: the pages of rows held around the viewport and the
cursor, how a missing page is read, and which pages are let go.

A page is `PAGE` rows. A page next to a loaded one is read by keyset from that
neighbour's edge row (a stable cursor however many rows there are); a page with no
loaded neighbour is read by offset (a jump: `end`, a drag of the thumb), the last
page from the end. Each reload starts a new generation: pages read for an older one
are dropped when they arrive, and pages already held are shown until replaced.
At most `KEEP_PAGES` pages are kept, so memory stays flat however far the agent
scrolls. No Textual here: the inbox list widget (`widgets/inbox_list.py`) owns the
cursor, the drawing and the worker thread that calls `PageRequest.read`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from convo_tui.core.rows import InboxFilter, InboxRow

PAGE = 100
"""Rows a page: what one query reads."""
KEEP_PAGES = 12
"""Pages of rows kept in memory around the viewport and the cursor."""

Cursor = tuple[datetime, int]
"""A row's place in the inbox order (its `InboxRow.cursor`), the keyset to read from."""


@dataclass(frozen=True)
class Counts:
    total: int
    unread: int
    show_unread: bool
    empty_store: bool = False
    """No conversation at all, whatever the filter: the inbox says how to get some."""
    flagged: int = 0
    """Conversations waiting for an agent's opt-out decision (whatever the filter)."""
    flagged_since: datetime | None = None
    not_at_klaviyo: int = 0
    """Opt-outs recorded here that Klaviyo refused (a read-only key)."""


class RowSource(Protocol):
    """Where pages and counts are read (the Desk)."""

    def inbox_window(
        self,
        flt: InboxFilter,
        *,
        limit: int,
        after: Cursor | None = None,
        before: Cursor | None = None,
        offset: int = 0,
        last: int | None = None,
    ) -> list[InboxRow]: ...

    def counts(self, flt: InboxFilter) -> tuple[int, int, bool]: ...

    def opt_outs_waiting(self) -> tuple[int, datetime | None, int]: ...

    def has_conversations(self) -> bool: ...


@dataclass(frozen=True)
class LoadedPages:
    """Pages read for one generation, and the counts when they were asked for."""

    generation: int
    pages: dict[int, list[InboxRow]]
    counts: Counts | None


@dataclass(frozen=True)
class PageRequest:
    """Pages to read, with all `read` needs: it runs on a worker thread and touches no
    window state."""

    generation: int
    flt: InboxFilter
    pages: list[int]
    anchors: dict[int, tuple[Cursor | None, Cursor | None]]
    """For each page, the edge rows of its loaded neighbours (above, below)."""
    with_counts: bool
    total: int
    """The row count when asked (finds the last page)."""
    page_size: int = PAGE

    def read(self, source: RowSource) -> LoadedPages:
        flt = self.flt
        counts = None
        if self.with_counts:
            flagged, since, refused = source.opt_outs_waiting()
            counts = Counts(
                *source.counts(flt), flagged=flagged, flagged_since=since, not_at_klaviyo=refused
            )
        if counts is not None and counts.total == 0 and not source.has_conversations():
            counts = replace(counts, empty_store=True)
        size = self.page_size
        loaded: dict[int, list[InboxRow]] = {}
        for page in sorted(self.pages):
            after, before = self.anchors.get(page, (None, None))
            if loaded.get(page - 1):
                after = loaded[page - 1][-1].cursor
            if page == 0:
                rows = source.inbox_window(flt, limit=size)
            elif after is not None:
                rows = source.inbox_window(flt, limit=size, after=after)
            elif before is not None:
                rows = source.inbox_window(flt, limit=size, before=before)
            elif not self.with_counts and page == (self.total - 1) // size:
                rows = source.inbox_window(flt, limit=size, last=self.total - page * size)
            else:
                rows = source.inbox_window(flt, limit=size, offset=page * size)
            loaded[page] = rows
        return LoadedPages(self.generation, loaded, counts)


class InboxPages:
    """The rows held for the inbox list, by page, and what is on its way."""

    def __init__(self, *, page_size: int = PAGE, keep: int = KEEP_PAGES) -> None:
        self.page_size = page_size
        self.keep = keep
        """Pages held at most."""
        self.total = 0
        """Rows matching the filter, as last counted."""
        self.empty_store = False
        """The last count found no conversation at all."""
        self.generation = 0
        self._pages: dict[int, list[InboxRow]] = {}
        self._fresh: set[int] = set()
        """Pages loaded in the current generation (others are shown until replaced)."""
        self._inflight: set[int] = set()

    @property
    def fetching(self) -> bool:
        """Pages are on their way."""
        return bool(self._inflight)

    def page_of(self, index: int) -> int:
        return index // self.page_size

    def row_at(self, index: int) -> InboxRow | None:
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def renew(self) -> None:
        """Start a new generation (the store or the filter changed): the pages held stay
        shown but are read again when asked for, and pages on their way are dropped."""
        self.generation += 1
        self._fresh.clear()
        self._inflight.clear()

    def clear(self) -> None:
        """Forget every row held (a new filter: the old rows would be wrong)."""
        self._pages.clear()

    def in_sight(self, first: int, screen: int, cursor: int) -> list[int]:
        """The pages of rows `first` to `first + screen` (the viewport) and under the
        cursor, and the page a screen beyond them either way: it loads while the agent
        is still a screen from its edge, so the key that gets there finds it drawn
        instead of placeholders to fill."""
        size = self.page_size
        last = max(first + screen, cursor)
        pages = {first // size, last // size, cursor // size}
        if self.total:
            pages.add(min(last + screen, self.total - 1) // size)
            pages.add(max(min(first, cursor) - screen, 0) // size)
        return sorted(pages)

    def request(
        self, pages: Iterable[int], flt: InboxFilter, *, with_counts: bool = False
    ) -> PageRequest | None:
        """What to read for `pages` (those neither current nor on their way), marked as on
        their way; None when there is nothing to read."""
        wanted = [p for p in pages if p not in self._fresh and p not in self._inflight]
        if not wanted and not with_counts:
            return None
        anchors: dict[int, tuple[Cursor | None, Cursor | None]] = {}
        for page in wanted:
            above = self._pages.get(page - 1) if page - 1 in self._fresh else None
            below = self._pages.get(page + 1) if page + 1 in self._fresh else None
            anchors[page] = (
                above[-1].cursor if above else None,
                below[0].cursor if below else None,
            )
        self._inflight.update(wanted)
        return PageRequest(
            self.generation, flt, wanted, anchors, with_counts, self.total, self.page_size
        )

    def store(self, loaded: LoadedPages, in_sight: Iterable[int]) -> bool:
        """Keep pages that were read (then let go of those far from `in_sight`) and take
        the new counts; False, keeping nothing, when they were read for an older
        generation."""
        if loaded.generation != self.generation:
            return False
        for page, rows in loaded.pages.items():
            self._inflight.discard(page)
            self._pages[page] = rows
            self._fresh.add(page)
        self._evict(in_sight)
        if loaded.counts is not None:
            self.total = loaded.counts.total
            self.empty_store = loaded.counts.empty_store
        return True

    def _evict(self, in_sight: Iterable[int]) -> None:
        if len(self._pages) <= self.keep:
            return
        # The first and the last page stay: home and end go back to them (and the page a
        # screen beyond the viewport, asked for ahead, must not push them out).
        near = {0, (max(self.total, 1) - 1) // self.page_size, *in_sight}
        far = sorted(self._pages, key=lambda p: min(abs(p - n) for n in near))[self.keep :]
        for page in far:
            del self._pages[page]
            self._fresh.discard(page)

    def held(self) -> list[int]:
        """The pages held now (current or not), in order."""
        return sorted(self._pages)

    def find(self, conversation_id: int) -> int | None:
        """The index of a conversation among the current pages' rows, if there."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.conversation_id == conversation_id and page in self._fresh:
                    return page * self.page_size + offset
        return None

    def replace(self, index: int, row: InboxRow) -> bool:
        """Put `row` at `index` if the row there is the same conversation (its new state,
        read alone); False when it is not there."""
        page = self._pages.get(index // self.page_size)
        offset = index % self.page_size
        if page and offset < len(page) and page[offset].conversation_id == row.conversation_id:
            page[offset] = row
            return True
        return False
