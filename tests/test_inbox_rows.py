"""The inbox list draws its rows from segments built directly; they must look exactly
like the `Text` the row methods build (which the narrowest widths still use)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from rich.style import Style
from rich.text import Span, Text

from convo_tui.core.rows import InboxRow

from .conftest import NOW
from .tui_helpers import make_app, started

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _rows() -> list[InboxRow]:
    names = [("Léa", "Martin"), ("健司", "山田"), ("🙂 Emoji", None), (None, None), ("A" * 60, "B")]
    previews = ["ok", "Hi\nthere\tfriend \x1b[31mred", "x" * 200, "", "日本語のテキスト" * 5]
    rows = []
    for index, ((first, last), preview, status, flags) in enumerate(
        itertools.product(names, previews, ("open", "snoozed", "closed"), range(4))
    ):
        rows.append(
            InboxRow(
                conversation_id=index + 1,
                profile_id=index + 1,
                phone="+14155550123",
                first_name=first,
                last_name=last,
                status=status,
                unread=bool(flags & 1),
                last_message_at=NOW - timedelta(minutes=index * 7),
                preview=preview,
                last_direction="outbound" if flags & 2 else "inbound",
                waiting_since=NOW - timedelta(minutes=index * 13) if status == "open" else None,
                snooze_until=NOW + timedelta(hours=3) if status == "snoozed" else None,
                attributed_to="Black Friday campaign 2026 long name" if flags & 2 else None,
                blocked=index % 11 == 0,
            )
        )
    return rows


async def test_rows_drawn_from_segments_look_like_their_text(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert app.inbox is not None
        inbox = app.inbox.inbox
        inbox.clock = lambda: NOW
        styles = inbox._row_styles()
        console = app.console
        compared = 0
        for row, part, width, selected in itertools.product(
            _rows(), (0, 1), (9, 20, 38, 45, 61, 100), (False, True)
        ):
            style = inbox.rich_style
            if selected:
                style += inbox.get_component_rich_style("inbox-list--cursor")
            text = Text("▌" if selected else " ", style=styles["bar"])
            text.append_text(
                inbox._first_line(row, width - 1)
                if part == 0
                else inbox._second_line(row, width - 1)
            )
            # Rich leaves out a text's own style when it has no spans at all (a row with
            # no preview and no wait): the rows keep the bar's colour either way.
            text.spans.append(Span(0, len(text), Style()))
            expected = inbox._strip(text, width, style)
            drawn = inbox._row_strip(row, part, width, selected, style)
            assert drawn.cell_length == width
            seen = drawn.simplify().render(console)
            assert seen == expected.simplify().render(console), (row, part, width)
            compared += inbox._line_segments(row, part, width - 1, styles) is not None
        assert compared > 1000  # most lines take the direct path
