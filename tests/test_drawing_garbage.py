"""Drawing lines leaves nothing for the cyclic collector (widgets/redrawn/strip_fit.py).

Textual's `Strip.crop_extend` caches a strip that already fits in itself, a cycle
that only the collector frees; fitting every drawn line that way gave the collector
thousands of objects a key. The thread's lines and the inbox's rows, drawn afresh,
must now be freed by reference counting alone."""

from __future__ import annotations

import gc

import pytest

from convo_tui.store.engine import Store
from convo_tui.widgets.inbox_rows import row_strip

from .conftest import NOW
from .tui_helpers import make_app, settle, started

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_drawn_lines_leave_no_cycles(demo_store: Store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen is not None
        thread, inbox = screen.thread, screen.inbox
        rows = [inbox.row_at(index) for index in range(10)]
        width = inbox.scrollable_content_region.width
        gc.collect()
        gc.disable()
        try:
            for _ in range(5):
                thread._rendered.clear()  # draw every line of the thread again
                lines = [thread.render_line(y) for y in range(thread.size.height)]
                for index, row in enumerate(rows):
                    assert row is not None
                    for part in (0, 1):
                        drawn = row_strip(
                            row,
                            part,
                            width,
                            selected=index == 0,
                            style=inbox.rich_style,
                            styles=inbox.row_styles(),
                            now=NOW,
                        )
                        lines.append(drawn)
                assert all(line.cell_length for line in lines)
                del lines
            left = gc.collect()
        finally:
            gc.enable()
        assert left == 0
