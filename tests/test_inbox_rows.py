"""The inbox list draws its rows from segments built directly; they must look exactly
like the same layout written with Rich `Text` (which it used before)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text

from convo_tui.core.rows import InboxRow
from convo_tui.display import WAIT_ALERT, ago, until
from convo_tui.text import one_line

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


def _rich_line(inbox: Any, row: InboxRow, part: int, width: int) -> Text:
    """The row's line laid out with Rich `Text`, as the list drew it before it built
    segments itself: the reference the segments are held to."""
    now = NOW
    style = partial(inbox.get_component_rich_style, partial=True)
    muted = inbox._muted()
    right = Text()
    text = Text()
    if part == 0:
        if row.attributed_to and width >= 44:
            right.append(f" {one_line(row.attributed_to, 20)} ", style("inbox-list--tag"))
            right.append(" ")
        status = ""
        if row.blocked:
            status = "blocked"
        elif row.status == "snoozed":
            status = f"z {until(row.snooze_until, now)}"
        elif row.status == "closed":
            status = "closed"
        if status:
            right.append(status + " ", style("inbox-list--status"))
        right.append(f"{ago(row.last_message_at, now):>4}", muted)
        text.append("● " if row.unread else "  ", style("inbox-list--dot") if row.unread else None)
        main = Text(one_line(row.name))
        if row.unread:
            main.stylize(style("inbox-list--unread"))
    else:
        if row.waiting_since is not None and row.status == "open":
            late = now - row.waiting_since > WAIT_ALERT
            wait = f"⧗{ago(row.waiting_since, now)}"
            right.append(f"{wait:>5}", style("inbox-list--late") if late else muted)
        arrow = "→ " if row.last_direction == "outbound" else ""
        text.append("  ")
        main = Text(arrow + one_line(row.preview))
        main.stylize(muted)
    main.truncate(max(width - text.cell_len - right.cell_len - 1, 4), overflow="ellipsis", pad=True)
    text.append_text(main)
    text.append(" ")
    text.append_text(right)
    return text


def _cells(segments: Iterable[Segment]) -> list[str]:
    """Each character as the terminal gets it (however the segments are cut)."""
    return [
        (segment.style or Style()).render(char, color_system=ColorSystem.TRUECOLOR)
        for segment in segments
        for char in segment.text
    ]


async def test_rows_drawn_from_segments_look_like_their_rich_text(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert app.inbox is not None
        inbox = app.inbox.inbox
        inbox.clock = lambda: NOW
        bar = inbox._row_styles()["bar"]
        console = app.console
        for row, part, width, selected in itertools.product(
            _rows(), (0, 1), (9, 20, 38, 45, 61, 100), (False, True)
        ):
            style = inbox.rich_style
            if selected:
                style += inbox.get_component_rich_style("inbox-list--cursor")
            text = Text("▌" if selected else " ", style=bar)
            text.append_text(_rich_line(inbox, row, part, width - 1))
            # Rich leaves out a text's own style when it has no spans at all (a row with
            # no preview and no wait): the rows keep the bar's colour either way.
            text.spans.append(Span(0, len(text), Style()))
            text.truncate(width, overflow="ellipsis", pad=True)
            expected = [Segment(s.text, style + s.style) for s in text.render(console)]
            drawn = inbox._row_strip(row, part, width, selected, style)
            assert drawn.cell_length == width
            assert _cells(drawn) == _cells(expected), (row, part, width)
