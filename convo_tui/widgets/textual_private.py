"""Every private name of Textual that convo uses, with what for and where.

Textual may change a private name in any release, and a changed one fails quietly (a
scroll bar that stops updating, an enter that inserts a new line). convo reaches for a
few to draw parts of Textual itself at less cost (`widgets.redrawn`), and its tests for
a few more to read the screen. `tests/test_textual_private.py` checks that each name
below still exists in the installed Textual (methods with the same parameters), that
the installed version is `TEXTUAL_VERSION` and the one pinned in pyproject.toml, and
that the code uses no private Textual name missing here. Upgrading Textual: bump the
pin and `TEXTUAL_VERSION`, run that test, then read each use against the new source.

Not a name, but leaned on as well: the `@mouse.down` actions in the meta of
`ScrollBarRender.render_bar`'s segments (`redrawn.bar_column` tells the thumb from the
track by them; tests/test_inbox_scrollbar.py drags and clicks through them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.app import App
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import TextArea

TEXTUAL_VERSION = "8.2.8"
"""The Textual these names were checked against (pyproject.toml pins the same)."""


@dataclass(frozen=True)
class PrivateName:
    owner: type
    """The Textual class that defines the name."""
    name: str
    kind: Literal["attribute", "method", "override"]
    """Read (an instance attribute), called, or defined again in a subclass."""
    used_in: tuple[str, ...]
    """Files that use it, from the repository's root."""
    why: str
    parameters: tuple[str, ...] = ()
    """A method's parameters, as convo calls or overrides it."""


_STEADY = "convo_tui/widgets/redrawn/steady.py"

PRIVATE_NAMES: tuple[PrivateName, ...] = (
    PrivateName(
        ScrollView,
        "_size_updated",
        "override",
        (_STEADY,),
        "Called by every layout with the widget's size; SteadyScrollView skips it (and "
        "the scroll bar's repaint) when the size, container and virtual size are as before.",
        ("self", "size", "virtual_size", "container_size", "layout"),
    ),
    PrivateName(
        Widget,
        "_scroll_update",
        "method",
        (_STEADY,),
        "What a layout does to the scroll bars for a virtual size: called to set a new "
        "scroll height without laying the screen out (`_quiet_virtual_size`).",
        ("self", "virtual_size"),
    ),
    PrivateName(
        Widget,
        "_size",
        "attribute",
        (_STEADY,),
        "The size the last layout gave the widget (part of SteadyScrollView's state).",
    ),
    PrivateName(
        Widget,
        "_container_size",
        "attribute",
        (_STEADY,),
        "The container size the last layout gave the widget (part of the same state).",
    ),
    PrivateName(
        TextArea,
        "_on_key",
        "override",
        ("convo_tui/widgets/composer.py",),
        "TextArea inserts enter as a new line in this handler, before any `on_key`: the "
        "reply box takes enter (send) and ctrl+j (new line) here first.",
        ("self", "event"),
    ),
    PrivateName(
        TextArea,
        "_on_paste",
        "override",
        ("convo_tui/widgets/composer.py",),
        "TextArea inserts a paste in this handler: the reply box cleans escape sequences "
        "out of it first and inserts it itself.",
        ("self", "event"),
    ),
    PrivateName(
        App,
        "_thread_id",
        "attribute",
        ("convo_tui/app.py",),
        "The thread the app's loop runs on: `poke` and `set_sync_status` come from sync "
        "threads and from the loop itself, and `call_from_thread` refuses the loop's own.",
    ),
    PrivateName(
        App,
        "_notifications",
        "attribute",
        ("tests/test_tui_layout.py", "tests/tui_helpers.py"),
        "Tests read the toasts shown.",
    ),
    PrivateName(
        Screen,
        "_compositor",
        "attribute",
        ("tests/tui_helpers.py",),
        "Tests read every character on the screen (`plain`).",
    ),
    PrivateName(
        App,
        "_driver",
        "attribute",
        ("tests/tui_helpers.py",),
        "Tests queue keys in one burst, as a paste or an SSH link delivers them (`burst`):"
        " Pilot's `press` waits for each key.",
    ),
)
