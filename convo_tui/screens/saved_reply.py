"""The saved-reply picker: search as you type, a preview filled in for this customer
with its cost, then the values nobody has (asked for, never sent blank)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from convo_tui.core import reply_fill
from convo_tui.core.compose import cost_line, text_cost
from convo_tui.core.reply_fill import Filled, Reply
from convo_tui.session.views import SavedReplyChoices
from convo_tui.text import one_line


class SavedReplyModal(ModalScreen[tuple[str, dict[str, Any], str] | None]):
    """Returns (text filled in, actions, name) or None (cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="saved_reply.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="saved_reply.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="saved_reply.previous"),
    ]

    def __init__(self, choices: SavedReplyChoices) -> None:
        super().__init__(classes="modal")
        self.choices = choices
        self.shown: list[Reply] = []
        self.asking: tuple[Reply, list[str], dict[str, str]] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog saved-replies"):
            title = Text("Saved reply for ", style="bold")
            title.append(one_line(self.choices.customer, 40), style="bold")
            yield Static(title, classes="title")
            yield Input(placeholder="Search name, category, text", id="saved-reply-query")
            yield OptionList(id="saved-reply-list")
            yield Static("", id="saved-reply-preview")
            yield Static("", id="saved-reply-cost", classes="hint")

    def on_mount(self) -> None:
        self._search("")
        self.query_one("#saved-reply-query", Input).focus()

    # -- finding ------------------------------------------------------------------

    @on(Input.Changed, "#saved-reply-query")
    def _typed(self, event: Input.Changed) -> None:
        if self.asking is None:
            self._search(event.value)

    def _search(self, query: str) -> None:
        language = self.choices.context.language
        self.shown = reply_fill.search(self.choices.replies, query, language=language)
        listing = self.query_one("#saved-reply-list", OptionList)
        listing.clear_options()
        for reply in self.shown:
            label = Text(one_line(reply.name, 40))
            extra = " · ".join(p for p in (reply.category, reply.language) if p)
            if extra:
                label.append(f"  {one_line(extra, 30)}", style="dim")
            listing.add_option(Option(label))
        if self.shown:
            listing.highlighted = 0
        self._preview()

    def action_move(self, step: int) -> None:
        listing = self.query_one("#saved-reply-list", OptionList)
        if self.shown and self.asking is None:
            now = listing.highlighted or 0
            listing.highlighted = max(0, min(len(self.shown) - 1, now + step))
            self._preview()

    @on(OptionList.OptionHighlighted)
    def _moved(self) -> None:
        self._preview()

    def _current(self) -> Reply | None:
        index = self.query_one("#saved-reply-list", OptionList).highlighted
        return self.shown[index] if index is not None and index < len(self.shown) else None

    def _filled(self, reply: Reply, given: dict[str, str] | None = None) -> Filled:
        return reply_fill.fill(reply.body, self.choices.context, given)

    def _preview(self) -> None:
        preview = self.query_one("#saved-reply-preview", Static)
        cost = self.query_one("#saved-reply-cost", Static)
        reply = self._current()
        if reply is None:
            empty = "No saved replies yet: add them with convo replies add."
            preview.update(Text("Nothing matches." if self.choices.replies else empty))
            cost.update("")
            return
        filled = self._filled(reply)
        preview.update(Text(filled.text))  # literal: customer data is never markup
        line = Text(cost_line(text_cost(filled.text, shorten=self.choices.shorten,
                                        domain=self.choices.domain)))  # fmt: skip
        if reply.actions:
            line.append(f" · on send: {reply.action_words()}")
        if filled.refusal:
            line = Text(filled.refusal, style="bold red")
        elif filled.missing:
            line.append(f" · asks for: {', '.join(filled.missing)}", style="bold")
        cost.update(line)

    # -- choosing -----------------------------------------------------------------

    @on(OptionList.OptionSelected)
    def _picked(self) -> None:
        self._choose()

    @on(Input.Submitted, "#saved-reply-query")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.asking is None:
            self._choose()
            return
        reply, missing, given = self.asking
        value = event.value.strip()
        if not value:
            self.notify(f"Type a value for {missing[0]}, or escape.", severity="warning")
            return
        given[missing.pop(0)] = value
        if missing:
            self._ask(reply, missing, given)
        else:
            self._finish(reply, given)

    def _choose(self) -> None:
        reply = self._current()
        if reply is None:
            return
        filled = self._filled(reply)
        if filled.refusal:
            self.notify(filled.refusal, severity="warning", markup=False)
            return
        if filled.missing:
            self._ask(reply, list(filled.missing), {})
            return
        self._finish(reply, {})

    def _ask(self, reply: Reply, missing: list[str], given: dict[str, str]) -> None:
        self.asking = (reply, missing, given)
        field = self.query_one("#saved-reply-query", Input)
        field.value = ""
        field.placeholder = f"Value for {{{{ {missing[0]} }}}} (enter)"
        self.query_one("#saved-reply-cost", Static).update(
            Text(f"{reply.name}: no value for {missing[0]} — type it", style="bold")
        )
        field.focus()

    def _finish(self, reply: Reply, given: dict[str, str]) -> None:
        filled = self._filled(reply, given)
        if filled.ready:
            self.dismiss((filled.text, dict(reply.actions), reply.name))
