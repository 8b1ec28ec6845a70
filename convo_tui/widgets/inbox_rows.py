"""How the inbox list draws one row: a pure function of the row, the width, whether the
cursor is on it, the time and the styles (no widget: the list caches what it returns).

A row is two lines: the name, the attribution tag, the status, the assignee's initials
and the age; then the preview and how long the customer has waited. Lines are built
from segments (a page down draws some forty lines, and a Rich `Text` a line cost most
of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from convo_tui.core.rows import InboxRow
from convo_tui.display import WAIT_ALERT, ago, reply_marker, until
from convo_tui.text import one_line
from convo_tui.widgets.redrawn.strip_fit import fit

ROW_HEIGHT = 2
"""Lines a row: `part` 0 and 1."""


@dataclass(frozen=True)
class RowStyles:
    """The styles of a row's parts, each over the cursor bar's (`bar`)."""

    bar: Style
    dot: Style
    unread: Style
    late: Style
    tag: Style
    status: Style
    muted: Style


def row_strip(
    row: InboxRow,
    part: int,
    width: int,
    *,
    selected: bool,
    style: Style,
    styles: RowStyles,
    now: datetime,
    viewers: str = "",
) -> Strip:
    """Line `part` of a row, `width` cells: the cursor's bar, then the line, all in
    `style` (the list's, with the cursor's over it when `selected`); every part carries
    the bar's colour under its own. `viewers`: the initials of other agents who have the
    conversation open now."""
    bar = Segment("▌" if selected else " ", styles.bar)
    line = _line_segments(row, part, width - 1, styles, now, viewers)
    return fit(Strip([bar, *line]), width).apply_style(style)


def _line_segments(
    row: InboxRow, part: int, width: int, styles: RowStyles, now: datetime, viewers: str = ""
) -> list[Segment]:
    """A row's first line (name, tag, status, age) or second (preview, wait): the name or
    preview takes what the right side leaves, cut with an ellipsis; a pane too narrow
    for both is cut at its edge."""
    bar = styles.bar
    right: list[Segment] = []
    if part == 0:
        if row.attributed_to and width >= 44:
            right.append(Segment(f" {one_line(row.attributed_to, 20)} ", styles.tag))
            right.append(Segment(" ", bar))
        status = ""
        if row.blocked:
            status = "blocked"
        elif row.status == "snoozed":
            status = f"z {until(row.snooze_until, now)}"
        elif row.status == "closed":
            status = "closed"
        if row.possible_opt_out_at is not None:
            # Replies wait for an agent's decision: it stands out as a late wait does.
            right.append(Segment("⚑ ", styles.late))
        if status:
            right.append(Segment(status + " ", styles.status))
        if viewers:  # someone else has it open now: look before you answer
            right.append(Segment(f"◉{viewers} ", styles.late))
        if row.assignee_login and width >= 30:  # whose it is: their initials
            right.append(Segment(row.assignee_initials + " ", styles.tag))
        right.append(Segment(f"{ago(row.last_message_at, now):>4}", styles.muted))
        left = Segment("● ", styles.dot) if row.unread else Segment("  ", bar)
        main, main_style = one_line(row.name), styles.unread if row.unread else bar
    else:
        if row.waiting_since is not None and row.status == "open":
            wait = f"⧗{ago(row.waiting_since, now)}"
            late = now - row.waiting_since > WAIT_ALERT
            right.append(Segment(f"{wait:>5}", styles.late if late else styles.muted))
        left = Segment("  ", bar)
        arrow = "→ " if row.last_direction == "outbound" else ""
        marker = reply_marker(row.reply_pending_at, now)
        main = (f"{marker} · " if marker else "") + arrow + one_line(row.preview)
        main_style = styles.muted
    right_width = sum(cell_len(segment.text) for segment in right)
    main_width = max(width - 2 - right_width - 1, 4)
    main = _fit(main, main_width)
    pad = Segment(" " * (main_width - cell_len(main) + 1), bar)
    segments = [left, Segment(main, main_style), pad, *right]
    if 2 + main_width + 1 + right_width > width:  # too narrow: cut at the edge
        line = Strip(segments)
        cut = list(line.crop(width - 1, width))  # the ellipsis takes its style
        segments = [*line.crop(0, width - 1), Segment("…", cut[0].style if cut else bar)]
    return [segment for segment in segments if segment.text]


def _fit(text: str, width: int) -> str:
    """`text` in `width` cells: cut with an ellipsis when longer."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return text
