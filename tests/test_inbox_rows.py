"""The inbox list draws its rows from segments built directly (widgets/inbox_rows.py, a
pure function: no app runs here); they must look exactly like the same layout written
with Rich `Text` (which it used before)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import timedelta

from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text

from convo_tui.core.rows import InboxRow
from convo_tui.display import WAIT_ALERT, ago, reply_marker, until
from convo_tui.text import one_line
from convo_tui.widgets.inbox_rows import RowStyles, row_strip

from .conftest import NOW

BASE = Style(color="#e0e0e0", bgcolor="#101010")
"""The list's own style (the widget's `rich_style`)."""
CURSOR = Style(bgcolor="#303050", bold=True)
BAR = Style(color="#5090ff")
PARTS = {
    "dot": Style(color="#40c0ff"),
    "unread": Style(bold=True),
    "late": Style(color="#ff4040"),
    "tag": Style(color="#101010", bgcolor="#c0a000"),
    "status": Style(italic=True),
    "muted": Style(color="#808080"),
}
"""Each part its own look, so a part drawn in another's style shows."""
STYLES = RowStyles(bar=BAR, **{name: BAR + style for name, style in PARTS.items()})


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
                reply_pending_at=(
                    NOW + timedelta(hours=13 if index % 2 else 0) if index % 5 == 0 else None
                ),
                possible_opt_out_at=NOW - timedelta(days=1) if index % 7 == 0 else None,
            )
        )
    return rows


def _rich_line(row: InboxRow, part: int, width: int) -> Text:
    """The row's line laid out with Rich `Text`, as the list drew it before it built
    segments itself: the reference the segments are held to."""
    now = NOW

    def style(name: str) -> Style:
        return PARTS[name.removeprefix("inbox-list--")]

    muted = PARTS["muted"]
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
        if row.possible_opt_out_at is not None:
            right.append("⚑ ", style("inbox-list--late"))
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
        marker = reply_marker(row.reply_pending_at, now)
        text.append("  ")
        main = Text((f"{marker} · " if marker else "") + arrow + one_line(row.preview))
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


def test_rows_drawn_from_segments_look_like_their_rich_text() -> None:
    console = Console(color_system="truecolor")
    for row, part, width, selected in itertools.product(
        _rows(), (0, 1), (9, 20, 38, 45, 61, 100), (False, True)
    ):
        style = BASE + CURSOR if selected else BASE
        text = Text("▌" if selected else " ", style=BAR)
        text.append_text(_rich_line(row, part, width - 1))
        # Rich leaves out a text's own style when it has no spans at all (a row with
        # no preview and no wait): the rows keep the bar's colour either way.
        text.spans.append(Span(0, len(text), Style()))
        text.truncate(width, overflow="ellipsis", pad=True)
        expected = [Segment(s.text, style + s.style) for s in text.render(console)]
        drawn = row_strip(row, part, width, selected=selected, style=style, styles=STYLES, now=NOW)
        assert drawn.cell_length == width
        assert _cells(drawn) == _cells(expected), (row, part, width)


def _style_of(strip: Iterable[Segment], text: str) -> Style | None:
    """The style `text` is drawn in (the segment that holds it)."""
    return next((s.style for s in strip if text in s.text), None)


def test_a_row_shows_its_state_in_its_parts_styles() -> None:
    maria = InboxRow(
        conversation_id=1,
        profile_id=1,
        phone="+14155550123",
        first_name="Maria",
        last_name="Lopez",
        status="open",
        unread=True,
        last_message_at=NOW - timedelta(minutes=5),
        preview="Where is my order?",
        last_direction="inbound",
        waiting_since=NOW - WAIT_ALERT - timedelta(minutes=1),
        snooze_until=None,
        attributed_to=None,
        blocked=False,
        possible_opt_out_at=NOW - timedelta(minutes=5),
    )

    def draw(row: InboxRow, part: int, *, selected: bool = False, width: int = 40) -> list[Segment]:
        style = BASE + CURSOR if selected else BASE
        return list(
            row_strip(row, part, width, selected=selected, style=style, styles=STYLES, now=NOW)
        )

    first, second = draw(maria, 0, selected=True), draw(maria, 1)
    line = "".join(s.text for s in first)
    assert line.startswith("▌● Maria Lopez") and line.rstrip().endswith("⚑   5m"), line
    assert _style_of(first, "▌") == BASE + CURSOR + BAR
    assert _style_of(first, "Maria") == BASE + CURSOR + STYLES.unread
    assert _style_of(first, "⚑") == BASE + CURSOR + STYLES.late
    assert _style_of(second, "Where is my order?") == BASE + STYLES.muted
    assert _style_of(second, "⧗") == BASE + STYLES.late  # waited past WAIT_ALERT

    # Read, answered a moment ago, snoozed: no dot, the name in the bar's style, the
    # wait no longer late, the status in its own style.
    calm = maria._replace(
        unread=False,
        waiting_since=NOW - timedelta(minutes=1),
        possible_opt_out_at=None,
    )
    assert _style_of(draw(calm, 0), "Maria") == BASE + BAR
    assert _style_of(draw(calm, 1), "⧗") == BASE + STYLES.muted
    snoozed = calm._replace(status="snoozed", snooze_until=NOW + timedelta(hours=3))
    assert _style_of(draw(snoozed, 0), "z ") == BASE + STYLES.status
    assert "⧗" not in "".join(s.text for s in draw(snoozed, 1))  # only an open one waits

    # Too narrow for the name and the right side: cut at the edge with an ellipsis.
    narrow = "".join(s.text for s in draw(maria, 0, width=9))
    assert len(narrow) == 9 and narrow.endswith("…"), narrow
