"""One place that turns a failed worker into a short notification."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from convo_tui.errors import ConvoError, StoreUnreachable
from convo_tui.text import one_line

QUIET = frozenset({"conversation", "side-details", "link-settings", "events", "drafts"})
"""Worker groups that read for the screen, or keep a draft that stays in the box: while
the store cannot be reached their failures go to the status line, not a toast each (an
agent's action still gets its toast: it did not happen)."""


def report_failure(node: Widget | Screen[Any] | App[Any], event: Worker.StateChanged) -> None:
    """Notify the agent when a worker failed: a ConvoError's one line, else its type."""
    if event.state != WorkerState.ERROR:
        return
    error = event.worker.error
    if isinstance(error, StoreUnreachable):
        told = getattr(node.app, "store_unreachable", None)
        if told is not None:
            told(error)  # the status line says it until the store answers again
        if event.worker.group in QUIET:
            return  # nothing was lost: the screen keeps what it showed, and reloads later
    if isinstance(error, ConvoError):
        node.notify(one_line(error.line(), 300), severity="error", markup=False, timeout=8)
        return
    node.log.error(f"worker {event.worker.name} failed", error)
    node.notify(
        one_line(f"Something went wrong: {type(error).__name__}{_first_line(error)}", 300),
        severity="error",
        markup=False,
        timeout=8,
    )


def _first_line(error: BaseException | None) -> str:
    """ ": " and the error's first line: a database error's next lines are its SQL and
    parameters (customer text, even), which never belong in a toast."""
    lines = str(error or "").strip().splitlines()
    return f": {lines[0]}" if lines else ""
