"""The inbox list's paging window (convo_tui/session/inbox_pages.py), driven directly against a
real store through the Desk, with no app: which pages it asks for, how it reads them,
what it keeps when a reload overtakes a read, and what it lets go."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from convo_tui.core.rows import InboxFilter, InboxRow
from convo_tui.session.desk import Desk
from convo_tui.session.inbox_pages import InboxPages, PageRequest
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.kinds import Status
from convo_tui.store.open import open_store

from .conftest import NOW, text_in

SIZE = 10
"""Rows a page here: small pages, so a hundred-odd conversations make fourteen."""
ROWS = 137
"""Conversations in the store: thirteen full pages and a last one of seven."""
SCREEN = 6
"""Rows in sight."""


def fill(store: Store, conversations: int) -> None:
    """A customer a conversation, each a minute older than the one before."""
    with store.write() as session:
        for n in range(conversations):
            text_in(session, f"text {n}", phone=f"+1415555{n:04d}", at=NOW - timedelta(minutes=n))


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("pages") / "pages.sqlite3"
    opened = open_store(sqlite_url(path))
    fill(opened, ROWS)
    yield opened
    opened.close()


@pytest.fixture
def desk(filled: Store) -> Desk:
    return Desk(filled, "olivia", now=lambda: NOW)


def everything(desk: Desk, flt: InboxFilter = InboxFilter()) -> list[InboxRow]:
    return desk.inbox_window(flt, limit=10_000)


def load(window: InboxPages, desk: Desk, request: PageRequest | None) -> None:
    assert request is not None
    assert window.store(request.read(desk), window.in_sight(0, SCREEN, 0))


def test_the_first_read_counts_and_brings_the_top_page(desk: Desk) -> None:
    window = InboxPages(page_size=SIZE)
    assert window.in_sight(0, SCREEN, 0) == [0]  # nothing counted yet
    request = window.request([0], InboxFilter(), with_counts=True)
    assert request is not None and request.pages == [0] and window.fetching
    loaded = request.read(desk)
    assert loaded.counts is not None
    assert (loaded.counts.total, loaded.counts.empty_store) == (ROWS, False)
    assert window.store(loaded, [0]) and not window.fetching
    assert window.total == ROWS
    assert [window.row_at(i) for i in range(SIZE)] == everything(desk)[:SIZE]
    assert window.row_at(SIZE) is None  # not read yet


def test_pages_in_sight_reach_a_screen_beyond_the_viewport(desk: Desk) -> None:
    window = InboxPages(page_size=SIZE)
    load(window, desk, window.request([0], InboxFilter(), with_counts=True))
    # At the top: the viewport's page, and the one a screen below it.
    assert window.in_sight(0, SCREEN, 0) == [0, 1]
    # Viewport in page 5, cursor in it: the page a screen above and below too.
    assert window.in_sight(52, SCREEN, 55) == [4, 5, 6]
    # `end` pressed: the cursor's page (the last), far from the viewport's.
    assert window.in_sight(0, SCREEN, ROWS - 1) == [0, ROWS // SIZE]


def test_every_way_to_a_page_reads_the_rows_of_one_ordered_read(desk: Desk) -> None:
    """Below a loaded page (keyset after), above one (before), the last page from the end,
    and a jump with no neighbour (offset): all agree with the whole list read at once."""
    window = InboxPages(page_size=SIZE)
    flt = InboxFilter()
    load(window, desk, window.request([0], flt, with_counts=True))
    last = (ROWS - 1) // SIZE
    jump = window.request([last, 6], flt)  # no loaded neighbour for either
    assert jump is not None and jump.anchors == {last: (None, None), 6: (None, None)}
    load(window, desk, jump)
    below = window.request([1, 7], flt)  # under page 0, under page 6
    assert below is not None
    assert below.anchors[1] == (everything(desk)[SIZE - 1].cursor, None)
    load(window, desk, below)
    above = window.request([5], flt)  # over page 6
    assert above is not None and above.anchors[5] == (None, everything(desk)[60].cursor)
    load(window, desk, above)
    every = everything(desk)
    for page in (0, 1, 5, 6, 7, last):
        rows = [window.row_at(i) for i in range(page * SIZE, min((page + 1) * SIZE, ROWS))]
        assert rows == every[page * SIZE : (page + 1) * SIZE], page


def test_pages_current_or_on_their_way_are_not_asked_for_again(desk: Desk) -> None:
    window = InboxPages(page_size=SIZE)
    flt = InboxFilter()
    first = window.request([0, 1], flt, with_counts=True)
    assert first is not None
    assert window.request([0, 1], flt) is None  # on their way
    again = window.request([0, 1, 2], flt)
    assert again is not None and again.pages == [2]
    load(window, desk, first)
    assert window.request([0, 1], flt) is None  # current
    # A reload always counts again, even with every page current.
    counted = window.request([0], flt, with_counts=True)
    assert counted is not None and counted.pages == [] and counted.with_counts


def test_a_read_overtaken_by_a_reload_is_dropped_and_the_old_rows_stay_shown(
    store: Store,
) -> None:
    fill(store, 25)
    desk = Desk(store, "olivia", now=lambda: NOW)
    window = InboxPages(page_size=SIZE)
    flt = InboxFilter()
    load(window, desk, window.request([0], flt, with_counts=True))
    before = window.row_at(0)
    assert before is not None
    late = window.request([1], flt)
    assert late is not None
    window.renew()  # the store changed
    assert not window.fetching
    assert not window.store(late.read(desk), [0, 1])
    assert window.row_at(SIZE) is None  # the stale page was not kept
    assert window.row_at(0) == before  # shown until replaced
    assert window.find(before.conversation_id) is None  # but not current any more
    # A customer texts: the new generation reads page 0 again and finds them on top.
    with store.write() as session:
        text_in(session, "new here", phone="+14155559999", at=NOW + timedelta(minutes=1))
    fresh = window.request(window.in_sight(0, SCREEN, 0), flt, with_counts=True)
    assert fresh is not None and fresh.pages == [0, 1]
    load(window, desk, fresh)
    assert window.total == 26
    top = window.row_at(0)
    assert top is not None and top.preview == "new here"
    assert window.row_at(1) == before
    assert window.find(top.conversation_id) == 0
    assert window.find(before.conversation_id) == 1


def test_far_pages_are_let_go_but_the_first_and_the_last_stay(desk: Desk) -> None:
    window = InboxPages(page_size=SIZE, keep=4)
    flt = InboxFilter()
    last = (ROWS - 1) // SIZE
    load(window, desk, window.request([0], flt, with_counts=True))
    for page in range(1, last + 1):  # the agent walks down to the end
        first = page * SIZE
        request = window.request(window.in_sight(first, SCREEN, first), flt)
        if request is not None:
            assert window.store(request.read(desk), window.in_sight(first, SCREEN, first))
        assert len(window.held()) <= 4
    held = window.held()
    assert 0 in held and last in held and last - 1 in held, held
    assert window.row_at(5 * SIZE) is None  # let go: read again if the agent comes back
    again = window.request([5], flt)
    assert again is not None and again.anchors[5] == (None, None)  # no neighbour held


def test_a_row_read_alone_replaces_only_its_own_conversation(desk: Desk) -> None:
    window = InboxPages(page_size=SIZE)
    load(window, desk, window.request([0], InboxFilter(), with_counts=True))
    row, other = window.row_at(3), window.row_at(4)
    assert row is not None and other is not None
    read = row._replace(unread=not row.unread)
    assert not window.replace(4, read)  # another conversation is there now
    assert window.row_at(4) == other
    assert window.replace(3, read) and window.row_at(3) == read
    assert not window.replace(SIZE + 3, read)  # a page not held


def test_an_empty_store_says_so_and_an_empty_filter_does_not(store: Store, desk: Desk) -> None:
    window = InboxPages(page_size=SIZE)
    request = window.request([0], InboxFilter(), with_counts=True)
    assert request is not None
    empty = request.read(Desk(store, "olivia", now=lambda: NOW))
    assert empty.counts is not None and (empty.counts.total, empty.counts.empty_store) == (
        0,
        True,
    )
    assert empty.pages == {0: []}
    nothing = window.request([0], InboxFilter(status=Status.CLOSED), with_counts=True)
    assert nothing is not None
    counted = nothing.read(desk).counts
    assert counted is not None and (counted.total, counted.empty_store) == (0, False)
