"""Opening the terminal inbox from the CLI. Textual is imported here lazily, inside the function,
so every other command stays headless."""

from __future__ import annotations

from typing import TYPE_CHECKING

from convo_tui.cli.runtime import Runtime
from convo_tui.sync.status import SyncSource

if TYPE_CHECKING:
    from convo_tui.app import ConvoApp


def build_tui(rt: Runtime, *, sync: SyncSource | None = None) -> ConvoApp:
    """The app for the runtime's store and agent; refuses (AccessDenied) roles without access.

    The agent is identified first, so a refused role gets the CLI's one-line
    error before the screen is ever taken over.
    """
    with rt.reading():
        pass  # identifies the agent (the first one becomes the owner); raises AccessDenied
    from convo_tui.app import ConvoApp
    from convo_tui.session.desk import Desk

    return ConvoApp(Desk(rt.store, rt.login()), sync=sync, keys=rt.config.keys)
