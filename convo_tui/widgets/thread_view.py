"""The thread: the last 50 messages with one customer, labelled by source, with delivery status.

Every body, name and URL is drawn as literal `Text` after `visible`, so no
markup or escape sequence in a message can style the screen or run an action.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from convo_tui.core.rows import ThreadMessage
from convo_tui.display import ago, safe, safe_line, stamp, until
from convo_tui.views import ConversationView

FAILED = {"failed", "undelivered"}


def message_text(message: ThreadMessage, now: datetime, zone: tzinfo) -> Text:
    """One message: a head line (time, who, status), the body, then attachments."""
    text = Text()
    text.append(stamp(message.sent_at, now, zone), style="dim")
    text.append("  ")
    text.append_text(safe_line(message.label, style="bold"))
    if message.direction == "outbound":
        status = message.status
        if message.error_code:
            status += f" {message.error_code}"
        text.append(f"  · {status}", style="bold red" if message.status in FAILED else "dim")
        if message.error_message:
            text.append("  ")
            text.append_text(safe_line(message.error_message, style="red"))
    if message.attributed_to:
        text.append("  ← ", style="dim")
        text.append_text(safe_line(message.attributed_to, style="italic"))
    if message.body:
        text.append("\n")
        text.append_text(safe(message.body))
    for media in message.media:
        text.append("\n")
        text.append("attachment ", style="dim")
        text.append_text(safe_line(media.content_type or "file", style="italic"))
        text.append(" ")
        text.append_text(safe_line(media.url, style="underline"))
    return text


def header_text(view: ConversationView, now: datetime) -> Text:
    card = view.card
    text = Text()
    text.append_text(safe_line(card.name, style="bold"))
    text.append(f"  {card.phone}", style="dim")
    status = view.status
    if view.status == "snoozed":
        status += f" {until(view.snooze_until, now)}"
    text.append(f"  {status}")
    if view.unread:
        text.append(" · unread")
    if card.blocked:
        text.append(" · blocked", style="bold")
    if view.waiting_since is not None and view.status == "open":
        text.append(f" · waiting {ago(view.waiting_since, now)}")
    if view.attributed_to:
        text.append("  ← ", style="dim")
        text.append_text(safe_line(view.attributed_to, style="italic"))
    shown = len(view.messages)
    if shown < view.total_messages:
        text.append(f"\nlast {shown} of {view.total_messages} messages · h for older", style="dim")
    return text


class MessageBox(Static):
    """One message of the thread. Boxes are reused from one conversation to the next:
    updating 50 of them costs far less than mounting 50 new ones."""

    def __init__(self, message: ThreadMessage, text: Text) -> None:
        super().__init__(text, markup=False)
        self.message_id = message.id
        self.set_classes(_classes(message))

    def show(self, message: ThreadMessage, text: Text) -> None:
        self.message_id = message.id
        self.set_classes(_classes(message))
        self.update(text)


def _classes(message: ThreadMessage) -> str:
    classes = [message.direction]
    if message.status in FAILED:
        classes.append("failed")
    if message.source_kind in ("campaign", "flow", "auto_reply", "keyword_reply"):
        classes.append("automated")
    return " ".join(classes)


class ThreadView(VerticalScroll, can_focus=True):
    """The messages of the open conversation, oldest at the top."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "older", "Older", id="thread.older", tooltip="Show older messages"),
        Binding("j", "scroll_down", "Scroll down", id="thread.down", show=False),
        Binding("k", "scroll_up", "Scroll up", id="thread.up", show=False),
    ]

    class OlderWanted(Message):
        """The agent asked for older messages."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[object, ...] | None = None

    def compose_empty(self, words: str) -> None:
        self._shown = None
        self.remove_children()
        self.mount(Static(Text(words, style="dim"), classes="thread-empty"))

    def show(self, view: ConversationView, now: datetime, zone: tzinfo) -> None:
        """Draw `view`'s thread; unchanged content is left as it is (no flicker on polls)."""
        key = (view.conversation_id, view.messages, header_text(view, now).plain)
        if key == self._shown and view.focus_message_id is None:
            return
        at_end = self.is_vertical_scroll_end or self._shown is None
        same_conversation = self._shown is not None and self._shown[0] == view.conversation_id
        self._shown = key
        header = self.query(".thread-header")
        boxes = list(self.query(MessageBox))
        if not header:
            self.remove_children()
            self.mount(Static(header_text(view, now), classes="thread-header"))
            boxes = []
        else:
            header.first(Static).update(header_text(view, now))
        for box, message in zip(boxes, view.messages, strict=False):
            box.show(message, message_text(message, now, zone))
        extra = [MessageBox(m, message_text(m, now, zone)) for m in view.messages[len(boxes) :]]
        if extra:
            self.mount_all(extra)
        for box in boxes[len(view.messages) :]:
            box.remove()
        shown = (boxes + extra)[: len(view.messages)]
        for box in shown:
            box.remove_class("hit")
        if view.focus_message_id is not None:
            target = next((b for b in shown if b.message_id == view.focus_message_id), None)
            if target is not None:
                target.add_class("hit")
                self.call_after_refresh(self.scroll_to_widget, target, animate=False, top=True)
                return
        if at_end or not same_conversation:
            self.call_after_refresh(self.scroll_end, animate=False)

    def action_older(self) -> None:
        self.post_message(self.OlderWanted())
