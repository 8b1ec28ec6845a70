"""The composer under the thread: live cost, media by URL, coupons; locked with the reason.

It counts characters, encoding and segments as the text will be sent (links
shortened), on every keystroke: a pure computation, no store access. Sending
is the screen's business: the composer only posts `Composer.Send`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, TextArea

from convo_tui.core import controls
from convo_tui.core.rows import DraftText
from convo_tui.session.views import ReplyRefusal
from convo_tui.text import visible
from convo_tui.widgets.redrawn.steady import SteadyStatic

PLACEHOLDER = "Reply… (enter sends, ctrl+j new line)"
KEEP_DELAY = 0.5
"""Seconds after the last key before a draft is kept in the store."""
NO_CONVERSATION = "Open a conversation to reply."


class ReplyArea(TextArea):
    """The reply text: enter sends, ctrl+j starts a new line."""

    class Submitted(Message):
        pass

    # TextArea's own private handlers, overridden (see widgets/textual_private.py).
    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted())
            return
        if event.key == "ctrl+j":
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.key.startswith("alt+") and event.character and len(event.character) == 1:
            # `esc` then a letter, arriving together (a quick hand, an SSH link batching
            # keys), reads as alt+letter: it means leaving the box, never typing the
            # letter (seen in a walk: "esc k", then enter, sent "...tookj").
            event.stop()
            event.prevent_default()
            for node in self.ancestors:
                if isinstance(node, Composer):
                    node.action_leave()  # what esc does here
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        # A paste may carry escape sequences: drawn as they are they would drive the
        # agent's own terminal, and they are never sent (core.controls). They go here,
        # and the agent is told; TextArea's own handler does not insert it again.
        event.prevent_default()
        if self.read_only:
            return
        cleaned = controls.clean(event.text)
        result = self.replace(cleaned.text, *self.selection)
        self.move_cursor(result.end_location)
        self.focus()
        if notice := cleaned.notice():
            self.notify(notice[0].upper() + notice[1:], severity="warning", markup=False)

    def check_message_enabled(self, message: Message) -> bool:
        # Textual drops clicks on a disabled widget; this one goes up to the composer,
        # which opens the locked box of a previewed conversation.
        if isinstance(message, events.Click) and self.disabled:
            return True
        return super().check_message_enabled(message)

    def on_resize(self, _event: events.Resize) -> None:
        # The cost line above may take a second line as the reply grows, which takes one
        # from this area: keep the cursor in sight.
        self.scroll_cursor_visible()


class Composer(Vertical):
    """Reply box: cost line (or why replying is refused), text, media URLs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "coupon", "Coupon", id="composer.coupon", tooltip="Insert a coupon code"),
        Binding(
            "ctrl+t",
            "saved_reply",
            "Saved reply",
            id="composer.saved_reply",
            tooltip="Insert a saved reply, filled in for this customer",
        ),
        Binding("escape", "leave", "Back", id="composer.leave", tooltip="Back to the inbox"),
    ]

    class Send(Message):
        """The agent asked to send `body` (with media URLs) to the conversation the
        draft was written in."""

        def __init__(
            self, conversation_id: int, profile_id: int, body: str, media: list[str]
        ) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.profile_id = profile_id
            self.body = body
            self.media = media

    class Keep(Message):
        """The draft of a conversation changed: keep it (in the store)."""

        def __init__(self, conversation_id: int, draft: DraftText) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.draft = draft

    class CouponWanted(Message):
        pass

    class SavedReplyWanted(Message):
        """The agent asked for the saved-reply picker (for the conversation in the box)."""

        def __init__(self, conversation_id: int, profile_id: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.profile_id = profile_id

    class ReplyWanted(Message):
        """The agent clicked the locked box of a previewed conversation."""

    class Leave(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.refusal: ReplyRefusal | None = None
        self.active = False
        """True when a conversation is open and replying to it is allowed."""
        self.preview = False
        """True when the conversation is only previewed (the box stays locked)."""
        self.links_shorten = True
        self.links_domain = "cnvo.link"
        self.conversation_id: int | None = None
        """The conversation whose draft the box holds (None: no conversation)."""
        self.profile_id: int | None = None
        self._kept = DraftText("")
        """The draft as last handed up in `Keep` (or loaded)."""
        self._keep_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield SteadyStatic(Text(NO_CONVERSATION, style="dim"), id="composer-info")
        yield ReplyArea(
            id="composer-body",
            soft_wrap=True,
            show_line_numbers=False,
            placeholder=PLACEHOLDER,
            disabled=True,
        )
        yield Input(
            id="composer-media",
            placeholder="Media URLs (MMS), optional",
            compact=True,
            disabled=True,
        )

    @property
    def body(self) -> ReplyArea:
        return self.query_one(ReplyArea)

    @property
    def media_input(self) -> Input:
        return self.query_one("#composer-media", Input)

    @property
    def draft(self) -> DraftText:
        """What the box holds now."""
        return DraftText(self.body.text, tuple(self.media_input.value.split()))

    def hold(self, conversation_id: int | None, profile_id: int | None, draft: DraftText) -> None:
        """Show the draft of another conversation (or none): the one held so far is
        handed up first, so it stays with the conversation it was written for."""
        if conversation_id == self.conversation_id:
            return
        self.keep_now()
        self.conversation_id = conversation_id
        self.profile_id = profile_id
        self._show(draft)

    def restore(self, conversation_id: int, draft: DraftText) -> None:
        """The store now keeps `draft` for this conversation (a recalled reply back):
        show it, if the box holds that conversation."""
        if conversation_id != self.conversation_id:
            return
        if self._keep_timer is not None:
            self._keep_timer.stop()
            self._keep_timer = None
        self._show(draft)

    def _show(self, draft: DraftText) -> None:
        """Show a draft the store has (nothing to hand up until it changes)."""
        self._kept = draft
        if self.body.text != draft.body:
            self.body.load_text(draft.body)  # and a fresh undo history: ctrl+z stays here
            self.body.move_cursor(self.body.document.end)
        media = " ".join(draft.media)
        if self.media_input.value != media:
            self.media_input.value = media
        self._update_info()

    def keep_now(self) -> None:
        """Hand the draft up now if it changed (leaving it, or before the app ends)."""
        if self._keep_timer is not None:
            self._keep_timer.stop()
            self._keep_timer = None
        if self.conversation_id is None:
            return
        draft = self.draft
        if draft != self._kept:
            self._kept = draft
            self.post_message(self.Keep(self.conversation_id, draft))

    def set_state(
        self,
        *,
        open_conversation: bool,
        refusal: ReplyRefusal | None,
        shorten: bool,
        domain: str,
        preview: bool = False,
    ) -> None:
        """Attributes down: which conversation state the composer reflects.

        A preview (the list's cursor resting on a row) shows why a reply would be
        refused, but the box stays locked until the conversation is opened: locking and
        unlocking restyle the text area's many parts, a few ms on every row that
        differs from the one above."""
        self.refusal = refusal
        self.links_shorten = shorten
        self.links_domain = domain
        self.preview = preview
        self.active = open_conversation and not preview and refusal is None
        self.body.disabled = not self.active
        self.media_input.disabled = not self.active
        # On the line that says why, not on the composer: a class on the composer would
        # restyle every widget in it (the text area's many parts).
        info = self.query_one("#composer-info", SteadyStatic)
        info.set_class(open_conversation and refusal is not None, "-refused")
        info.set_class(not self.active, "-locked")
        self._update_info()

    def _update_info(self) -> None:
        info = self.query_one("#composer-info", SteadyStatic)
        if self.refusal is not None:
            # Above the locked reply box, the whole reason: two lines hold it at 80x24,
            # and a locked box always keeps two for this line (`-locked`), so moving
            # down the list, from a row one may answer to a refused one, lays nothing
            # out again. Three at most (`max-height`), cut with an ellipsis.
            text = Text("Reply refused: ", style="bold")
            text.append(visible(self.refusal.message))
            text.truncate(3 * max(info.content_size.width, 20) - 8, overflow="ellipsis")
            info.show(text)
            if self.preview:
                # A preview says it in that line; the locked box (a text area, costly to
                # draw again) looks the same from row to row until one is opened.
                self.body.placeholder = ""
                return
            why = Text(visible(self.refusal.message))
            if self.refusal.fix:
                why.append(f" — {visible(self.refusal.fix)}", style="italic")
            self.body.placeholder = Content.from_rich_text(why)
            return
        self.body.placeholder = "" if self.preview else PLACEHOLDER
        if not self.active:
            words = "Open the conversation to reply." if self.preview else NO_CONVERSATION
            info.show(Text(words, style="dim"))
            return
        body = self.body.text
        if not body:
            info.show(Text("GSM-7 · 0 characters · 0 segments", style="dim"))
            return
        # Imported here: the composer is drawn before the store (and its rules) is loaded.
        from convo_tui.core import compose
        from convo_tui.core.replies import MAX_BODY

        cost = compose.text_cost(body, shorten=self.links_shorten, domain=self.links_domain)
        text = Text(visible(compose.cost_line(cost)))
        if cost.encoding == "UCS-2":
            text.stylize("bold", 0, 5)
        if len(body) > MAX_BODY:
            text.append(f" · over the {MAX_BODY}-character limit", style="bold red")
        info.show(text)

    def on_click(self, event: events.Click) -> None:
        if self.preview and not self.active:
            event.stop()
            self.post_message(self.ReplyWanted())

    def on_resize(self, _event: events.Resize) -> None:
        if self.refusal is not None:
            self._update_info()  # the reason's line is cut to the width

    @on(TextArea.Changed)
    @on(Input.Changed, "#composer-media")
    def _text_changed(self, _event: Message) -> None:
        self._update_info()
        if self.conversation_id is not None and self.draft != self._kept:
            # Kept a moment after the last key, not on every key: a store write each.
            if self._keep_timer is not None:
                self._keep_timer.stop()
            self._keep_timer = self.set_timer(KEEP_DELAY, self.keep_now)

    def on_descendant_blur(self, _event: events.DescendantBlur) -> None:
        self.keep_now()

    @on(ReplyArea.Submitted)
    @on(Input.Submitted, "#composer-media")
    def _submit(self, event: Message) -> None:
        event.stop()
        if not self.active:
            return
        media = self.media_input.value.split()
        body = self.body.text
        if not body.strip() and not media:
            self.notify("Write something first.", severity="warning")
            return
        if self.conversation_id is None or self.profile_id is None:
            return
        self.post_message(self.Send(self.conversation_id, self.profile_id, body, media))

    def sent(self, conversation_id: int) -> None:
        """The reply was queued: clear for the next one (if the box still holds that
        conversation's draft; the store dropped it with the send), keep the focus here."""
        self.restore(conversation_id, DraftText(""))

    def insert(self, text: str) -> None:
        if self.active:
            self.body.insert(text)
            self.body.focus()

    def action_coupon(self) -> None:
        if self.active:
            self.post_message(self.CouponWanted())

    def action_saved_reply(self) -> None:
        if self.active and self.conversation_id is not None and self.profile_id is not None:
            self.post_message(self.SavedReplyWanted(self.conversation_id, self.profile_id))

    def action_leave(self) -> None:
        self.post_message(self.Leave())
