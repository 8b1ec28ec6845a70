"""The inbox list draws its own scroll bar (widgets/redrawn/bar_column.py): where Textual's bar
would be, in its colours, and the mouse works on it as on Textual's (the snapshots hold
the look cell for cell; here: position, colours by state, clicks and drags)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment

from convo_bench.generate import BENCH_AGENT, generate
from convo_tui.app import ConvoApp
from convo_tui.session.desk import Desk
from convo_tui.store.engine import sqlite_url
from convo_tui.store.open import open_store
from convo_tui.widgets.inbox_list import InboxList
from convo_tui.widgets.inbox_rows import ROW_HEIGHT

from .tui_helpers import settle, started

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SIZE = (100, 30)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = tmp_path_factory.mktemp("bar") / "bar.sqlite3"
    generate(path, conversations=400, messages=1200, seed=5, now=NOW)
    return path


@pytest.fixture
async def running(store_path: Path) -> AsyncIterator[tuple[ConvoApp, Any, InboxList]]:
    store = open_store(sqlite_url(store_path), migrate=False)
    app = ConvoApp(Desk(store, BENCH_AGENT, now=lambda: NOW), poll_seconds=3600.0)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(pilot)
            assert screen is not None
            yield app, pilot, screen.inbox
    finally:
        store.close()


def bar_cells(inbox: InboxList) -> list[Segment]:
    """The last cell of each visible line, as the list draws it."""
    width = inbox.scrollable_content_region.width
    cells = []
    for y in range(inbox.scrollable_content_region.height):
        segments = list(inbox.render_line(y))
        assert sum(s.cell_length for s in segments) == width
        cells.append(segments[-1])
    return cells


def thumb_rows(inbox: InboxList) -> list[int]:
    """Rows where the thumb is (Textual draws it reversed, or as a partial block)."""
    return [y for y, cell in enumerate(bar_cells(inbox)) if cell.style and cell.style.color]


def bar_x(inbox: InboxList) -> int:
    return inbox.scrollable_content_region.width - 1


async def test_the_bar_follows_the_scroll_in_textuals_colours(running: Any) -> None:
    _app, pilot, inbox = running
    height = inbox.scrollable_content_region.height
    assert inbox.total * ROW_HEIGHT > height
    # Textual draws no bar of its own: the rows keep the column the list draws in.
    assert inbox.styles.scrollbar_size_vertical == 0
    top = thumb_rows(inbox)
    assert top and top[0] == 0, top
    styles = inbox.styles
    back = inbox.background_colors[0] + styles.scrollbar_background
    track = bar_cells(inbox)[top[-1] + 1]
    assert track.text == " " and track.style is not None
    assert track.style.bgcolor == back.rich_color
    thumb = bar_cells(inbox)[top[0]]
    assert thumb.style is not None
    assert thumb.style.color == (back + styles.scrollbar_color).rich_color

    await pilot.press("end")
    await settle(pilot)
    end = thumb_rows(inbox)
    assert end and end[-1] == height - 1, end
    await pilot.press("home")
    await settle(pilot)
    assert thumb_rows(inbox) == top


async def test_clicks_on_the_bar_page_and_never_pick_a_row(running: Any) -> None:
    _app, pilot, inbox = running
    height = inbox.scrollable_content_region.height
    cursor = inbox.cursor
    below = thumb_rows(inbox)[-1] + 2
    await pilot.click(inbox, offset=(bar_x(inbox), below))
    await pilot.wait_for_scheduled_animations()  # a page scrolls smoothly, as Textual's
    await settle(pilot)
    assert inbox.scroll_y == height
    assert inbox.cursor == cursor
    await pilot.click(inbox, offset=(bar_x(inbox), 0))  # above the thumb now
    await pilot.wait_for_scheduled_animations()
    await settle(pilot)
    assert inbox.scroll_y == 0
    assert inbox.cursor == cursor
    # One column to the left is a row again.
    await pilot.click(inbox, offset=(bar_x(inbox) - 1, 2))
    await settle(pilot)
    assert inbox.cursor == 1


async def test_dragging_the_thumb_scrolls_in_proportion(running: Any) -> None:
    app, pilot, inbox = running
    height = inbox.scrollable_content_region.height
    virtual = inbox.virtual_size.height
    x = bar_x(inbox)
    grab = thumb_rows(inbox)[0]
    normal = bar_cells(inbox)[grab].style
    await pilot.mouse_down(inbox, offset=(x, grab))
    await settle(pilot)
    active = bar_cells(inbox)[grab].style
    assert active != normal
    assert active is not None
    styles = inbox.styles
    back = inbox.background_colors[0] + styles.scrollbar_background_active
    assert active.color == (back + styles.scrollbar_color_active).rich_color
    await pilot.hover(inbox, offset=(x, grab + 3))
    await settle(pilot)
    assert inbox.scroll_y == pytest.approx(3 * virtual / height, abs=1)
    await pilot.mouse_up(inbox, offset=(x, grab + 3))
    await settle(pilot)
    assert app.mouse_captured is None
    # Let go, moving the mouse no longer scrolls.
    scrolled = inbox.scroll_y
    await pilot.hover(inbox, offset=(5, 10))
    await settle(pilot)
    assert inbox.scroll_y == scrolled


async def test_the_bar_takes_the_hover_colours_under_the_pointer(running: Any) -> None:
    _app, pilot, inbox = running
    styles = inbox.styles
    base = inbox.background_colors[0]

    def thumb_colour() -> object:
        cell = bar_cells(inbox)[thumb_rows(inbox)[0]]
        assert cell.style is not None
        return cell.style.color

    normal = base + styles.scrollbar_background
    hover = base + styles.scrollbar_background_hover
    assert hover + styles.scrollbar_color_hover != normal + styles.scrollbar_color
    assert thumb_colour() == (normal + styles.scrollbar_color).rich_color
    await pilot.hover(inbox, offset=(bar_x(inbox), 5))
    await settle(pilot)
    assert thumb_colour() == (hover + styles.scrollbar_color_hover).rich_color
    await pilot.hover(inbox, offset=(2, 5))
    await settle(pilot)
    assert thumb_colour() == (normal + styles.scrollbar_color).rich_color


async def test_the_thread_draws_its_bar_too_and_pages_on_a_click(store_path: Path) -> None:
    store = open_store(sqlite_url(store_path), migrate=False)
    app = ConvoApp(Desk(store, BENCH_AGENT, now=lambda: NOW), poll_seconds=3600.0)
    try:
        async with app.run_test(size=(90, 16)) as pilot:
            screen = await started(pilot)
            assert screen is not None
            thread = screen.thread
            inbox = screen.inbox
            # The first conversation whose thread does not fit opens at its end.
            for _ in range(40):
                await pilot.press("enter")
                await settle(pilot)
                if thread.virtual_size.height > thread.scrollable_content_region.height:
                    break
                inbox.focus()
                await pilot.press("j")
                await settle(pilot)
            height = thread.scrollable_content_region.height
            assert thread.virtual_size.height > height
            assert thread.styles.scrollbar_size_vertical == 0
            width = thread.scrollable_content_region.width
            cells = [list(thread.render_line(y))[-1] for y in range(height)]
            thumb = [y for y, cell in enumerate(cells) if cell.style and cell.style.color]
            assert thumb and thumb[-1] == height - 1, thumb  # at the end
            end = thread.scroll_y
            assert end == thread.max_scroll_y > 0
            await pilot.click(thread, offset=(width, 0))  # the track above the thumb
            await pilot.wait_for_scheduled_animations()
            await settle(pilot)
            assert thread.scroll_y == max(end - height, 0)
    finally:
        store.close()
