"""The thread wraps only the lines that do not fit; the result is Rich's word wrap."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from convo_tui.core.rows import ThreadMessage
from convo_tui.widgets.thread_view import _wrap, message_text

BODIES = [
    "ok",
    "Hi! Does the Harbor Chelsea Boot run true to size? I'm usually EU 39",
    "line one\nline two that is a good deal longer than the width of the pane\n\nafter a gap",
    "trailing spaces   \n   leading spaces",
    "日本語のテキストは幅が二倍です。注文番号は12345です。",
    "🙂🙂🙂 emoji " * 6,
    "https://acme.example/campaigns/black-friday/early-access-with-a-very-long-path.gif",
    "\n",
    "",
]


def _cells(segments: Iterable[Segment]) -> list[tuple[str, Style]]:
    """Each character with its style (how the segments are cut does not matter)."""
    return [(char, segment.style or Style()) for segment in segments for char in segment.text]


def _rich_wrap(text: Text, width: int, console: Console) -> list[list[tuple[str, Style]]]:
    lines = []
    for line in text.wrap(console, width, overflow="fold"):
        line.rstrip()
        lines.append(_cells([*line.render(console), Segment(" " * (width - line.cell_len))]))
    return lines


def test_wrapping_only_long_lines_is_the_same_as_wrapping_all() -> None:
    console = Console(width=200, color_system="truecolor")
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    for index, body in enumerate(BODIES):
        message = ThreadMessage(
            id=index,
            direction="inbound" if index % 2 else "outbound",
            body=body,
            sent_at=now,
            status="delivered",
            error_code=None,
            error_message=None,
            source_kind=None if index % 2 else "agent",
            source_name=None,
            agent_login=None if index % 2 else "ana",
            agent_name=None if index % 2 else "Ana Souza",
            keyword=None,
            attributed_to="Black Friday Early Access" if index % 3 == 0 else None,
            provider_sid=None,
        )
        text = message_text(message, now, UTC)
        for width in (8, 13, 21, 34, 47, 60, 120):
            ours = [_cells(strip) for strip in _wrap(text, width, console)]
            assert ours == _rich_wrap(text, width, console), (body, width)
