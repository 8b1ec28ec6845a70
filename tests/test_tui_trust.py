"""The sequences a new agent really performs: drafts, focus, typing right after opening.

Each test walks a whole story on the demo store with real key presses.
"""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from convo_tui.store.kinds import Status
from convo_tui.store.models import Message, OutboxItem

from .tui_helpers import (
    AROHA,
    DANA,
    KENJI,
    MARIA,
    burst,
    conversation_of,
    customer_texts,
    keystroke,
    make_app,
    open_conversation,
    paste,
    plain,
    settle,
    started,
)

pytestmark = pytest.mark.anyio

JAMES_TEXT = "James: refund approved, card ending 4242"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def outbound_bodies(store) -> list[tuple[int, str]]:
    with store.read() as session:
        rows = session.exec(
            select(Message.profile_id, Message.body)
            .join(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
            .order_by(col(Message.id))
        ).all()
        return [(int(p), b) for p, b in rows]


async def test_a_draft_stays_with_its_conversation(demo_store) -> None:
    """The reported keys (enter, r, text, esc, j, r, enter): a draft for James never
    reaches the next customer. `enter` now puts the cursor in the reply box, so the `r`
    is the draft's first letter, and the draft stays James's."""
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        james = screen.inbox.current
        assert james is not None
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("r")
        await pilot.press(*JAMES_TEXT)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("j")
        await pilot.pause(0.2)
        await settle(pilot)
        other = screen.inbox.current
        assert other is not None and other.conversation_id != james.conversation_id
        assert JAMES_TEXT not in screen.composer.body.text
        assert "4242" not in plain(app)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")  # an empty composer sends nothing
        await settle(pilot)
        assert all("4242" not in body for _, body in outbound_bodies(demo_store))
        # Back on James: his draft is there, and enter sends it to him.
        await pilot.press("escape")
        await pilot.press("k")
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen.inbox.current is not None
        assert screen.inbox.current.conversation_id == james.conversation_id
        await pilot.press("enter")
        await settle(pilot)
        assert screen.composer.body.text == "r" + JAMES_TEXT
        assert screen.composer.body.has_focus
        await pilot.press("enter")
        await settle(pilot)
        sent = [(p, b) for p, b in outbound_bodies(demo_store) if "4242" in b]
        assert sent == [(james.profile_id, "r" + JAMES_TEXT)]


async def test_typing_right_after_enter_writes_the_reply(demo_store) -> None:
    """`enter` then letters: they go into the reply, never run one-key actions."""
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        maria = conversation_of(demo_store, MARIA)
        assert maria.id is not None
        assert screen.inbox.move_to_conversation(maria.id)
        await settle(pilot)
        await pilot.press("enter", *"ok cool, I will check the size and be back soon")
        await settle(pilot)
        after = conversation_of(demo_store, MARIA)
        assert after.status == Status.OPEN.value and after.snooze_until is None
        assert screen.composer.body.text == "ok cool, I will check the size and be back soon"
        assert app.screen is screen  # no snooze modal opened


async def test_a_store_change_right_after_enter_still_opens_it(demo_store) -> None:
    """`enter`, and before the conversation has loaded the sync writes something (the
    first sync of a session does, seconds after the inbox appears): the refresh that
    follows must not take the place of the open. Seen in a real terminal: the thread
    stayed a preview, unread, the box unfocused."""
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        maria = conversation_of(demo_store, MARIA)
        assert maria.id is not None and maria.unread
        assert screen.inbox.move_to_conversation(maria.id)
        await settle(pilot)
        await pilot.press("enter")
        screen.store_changed()  # before the open's worker has run
        await pilot.press(*"on it")
        await settle(pilot)
        assert screen.composer.body.has_focus
        assert screen.composer.body.text == "on it"
        assert not conversation_of(demo_store, MARIA).unread


async def test_a_paste_right_after_enter_keeps_what_was_typed_before_it(demo_store) -> None:
    """`enter`, letters, then a paste, all before the conversation has loaded: the
    reply holds them in the order they came, the paste without its escapes."""
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        maria = conversation_of(demo_store, MARIA)
        assert maria.id is not None
        assert screen.inbox.move_to_conversation(maria.id)
        await settle(pilot)
        await pilot.press("enter", *"AB ")
        paste(app, "CD\x1b[31m EF")
        await pilot.press(*" GH")
        await settle(pilot)
        assert screen.composer.body.text == "AB CD EF GH"


async def type_draft_for(pilot, phone: str, text: str) -> None:
    """Open the conversation, write a draft, leave it with esc."""
    await open_conversation(pilot, phone, back_to_list=False)
    assert pilot.app.inbox.composer.body.has_focus
    await pilot.press(*text)
    await pilot.press("escape")
    await settle(pilot)


async def test_a_draft_survives_a_restart_of_the_app(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await open_conversation(pilot, MARIA, back_to_list=False)
        await pilot.press(*"Size 38 is back on Friday")
        await settle(pilot)
        await app.action_quit()  # straight from the reply box, before any pause
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA, back_to_list=False)
        assert screen.composer.body.text == "Size 38 is back on Friday"
        # Another agent on the same store does not see it: drafts are per agent.
    other = make_app(demo_store, login="ben")
    async with other.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA, back_to_list=False)
        assert screen.composer.body.text == ""


async def test_new_texts_and_a_resorted_list_never_move_a_draft(demo_store) -> None:
    """While a draft waits, customers text in: the list re-sorts under the cursor."""
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        maria = conversation_of(demo_store, MARIA)
        await type_draft_for(pilot, MARIA, "Maria only: ZQX refund is on its way")
        # Two other customers text: they jump above Maria, the rows shift under the cursor.
        customer_texts(demo_store, KENJI, "hello??", "SMtrust0001")
        customer_texts(demo_store, AROHA, "any news?", "SMtrust0002")
        app.poll_now()
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen.inbox.current is not None
        assert screen.inbox.current.conversation_id == maria.id  # the cursor followed Maria
        for _ in range(3):  # walk past the new rows: none shows Maria's draft
            await pilot.press("k")
            await pilot.pause(0.15)
            await settle(pilot)
            if screen.inbox.current.conversation_id != maria.id:
                assert "ZQX" not in screen.composer.body.text
                assert "ZQX" not in plain(app)
        # Typing in Maria's box while a text arrives and the list moves: it still goes to her.
        await open_conversation(pilot, MARIA, back_to_list=False)
        assert screen.composer.body.text == "Maria only: ZQX refund is on its way"
        customer_texts(demo_store, DANA, "are you there", "SMtrust0003")
        app.poll_now()
        await pilot.press(*" today")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        if app.screen is not screen:  # quiet hours where Maria is: send anyway
            await pilot.press("a")
            await settle(pilot)
        sent = [(p, b) for p, b in outbound_bodies(demo_store) if "ZQX" in b]
        assert sent == [(maria.profile_id, "Maria only: ZQX refund is on its way today")]


async def test_a_filter_change_never_shows_another_conversations_draft(demo_store) -> None:
    from convo_tui.core.rows import InboxFilter

    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        maria = conversation_of(demo_store, MARIA)
        await type_draft_for(pilot, MARIA, "Maria: size 38 is QJW-reserved")
        screen.apply_filter(InboxFilter(unread=True))  # Maria is read now: not in this view
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen.inbox.current is not None
        assert screen.inbox.current.conversation_id != maria.id
        assert screen.view is not None and screen.view.conversation_id != maria.id
        assert "QJW" not in screen.composer.body.text and "QJW" not in plain(app)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert all("QJW" not in b for _, b in outbound_bodies(demo_store))
        screen.apply_filter(InboxFilter())
        await settle(pilot)
        await open_conversation(pilot, MARIA, back_to_list=False)
        assert screen.composer.body.text == "Maria: size 38 is QJW-reserved"


def audit_actions(store) -> list[str]:
    from convo_tui.store.models import AuditEntry

    with store.read() as session:
        return [a.action for a in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]


def on_cursor(app, store, phone: str) -> bool:
    row = app.inbox.inbox.current
    return row is not None and row.conversation_id == conversation_of(store, phone).id


async def test_every_triage_action_undoes_with_z(demo_store) -> None:
    """close, snooze, unread, block, unblock: each undone with z from the list, the toast
    names the key, the conversation comes back under the cursor, the undo is audited."""
    from convo_tui.core.rows import InboxFilter

    from .tui_helpers import notifications, profile_of

    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        before = conversation_of(demo_store, MARIA)

        await pilot.press("c")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == Status.CLOSED.value
        assert any(n.endswith("closed — z undoes") for n in notifications(app))
        await pilot.press("z")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == Status.OPEN.value
        assert on_cursor(app, demo_store, MARIA)

        await pilot.press("s", "2")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == Status.SNOOZED.value
        await pilot.press("z")
        await settle(pilot)
        after = conversation_of(demo_store, MARIA)
        assert after.status == Status.OPEN.value and after.snooze_until is None

        await pilot.press("u")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).unread
        await pilot.press("z")
        await settle(pilot)
        assert not conversation_of(demo_store, MARIA).unread

        await pilot.press("b", "y")
        await settle(pilot)
        assert profile_of(demo_store, MARIA).blocked
        await pilot.press("z")
        await settle(pilot)
        assert not profile_of(demo_store, MARIA).blocked
        assert conversation_of(demo_store, MARIA).status == before.status
        assert on_cursor(app, demo_store, MARIA)

        screen.apply_filter(InboxFilter(status=None))
        await pilot.pause(0.2)
        await settle(pilot)
        assert on_cursor(app, demo_store, MARIA)
        await pilot.press("b", "y")
        await settle(pilot)
        await pilot.press("b", "y")  # unblock
        await settle(pilot)
        assert not profile_of(demo_store, MARIA).blocked
        await pilot.press("z")  # undo the unblock: blocked again
        await settle(pilot)
        assert profile_of(demo_store, MARIA).blocked

        actions = audit_actions(demo_store)
        assert actions.count("undo") == 5
        assert "Nothing to undo." not in notifications(app)
        for _ in range(3):
            await pilot.press("z")
            await settle(pilot)
        assert "Nothing to undo." in notifications(app)


async def test_undo_refuses_when_someone_changed_it_since(demo_store) -> None:
    """A colleague reopened what I closed and snoozed it: my undo must not overwrite it."""
    from datetime import timedelta

    from convo_tui.core import agents, conversations

    from .conftest import NOW
    from .tui_helpers import notifications

    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("c")
        await settle(pilot)
        with demo_store.write() as session:
            ben = agents.identify(session, "ben", now=NOW)
            conv = session.get(
                type(conversation_of(demo_store, MARIA)), conversation_of(demo_store, MARIA).id
            )
            conversations.snooze(session, conv, ben, NOW + timedelta(hours=3), now=NOW)
        await pilot.press("z")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == Status.SNOOZED.value
        assert any(n.startswith("Not undone: Maria Silva: closed") for n in notifications(app))
        assert "undo" not in audit_actions(demo_store)


async def test_u_under_the_read_filter_toggles_the_same_conversation(demo_store) -> None:
    from convo_tui.core.rows import InboxFilter

    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        screen.apply_filter(InboxFilter(unread=False))
        await pilot.pause(0.2)
        await settle(pilot)
        first = screen.inbox.current
        assert first is not None and not first.unread
        total = screen.inbox.total
        await pilot.press("u")
        await settle(pilot)
        with demo_store.read() as session:
            from convo_tui.store.models import Conversation

            assert session.get(Conversation, first.conversation_id).unread
        assert screen.inbox.current is not None
        assert screen.inbox.current.conversation_id == first.conversation_id  # stays
        assert screen.inbox.current.unread  # and shows its new state
        await pilot.press("u")  # the same one again: read again
        await settle(pilot)
        with demo_store.read() as session:
            from convo_tui.store.models import Conversation

            assert not session.get(Conversation, first.conversation_id).unread
            next_row = screen.inbox.row_at(1)
            assert next_row is not None
            second = session.get(Conversation, next_row.conversation_id)
            assert not second.unread  # the next one was never touched
        await pilot.press("u", "j")  # unread, then move on: now it leaves the view
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen.inbox.total == total - 1
        rows = [screen.inbox.row_at(i) for i in range(min(screen.inbox.total, 10))]
        assert all(row is not None and row.conversation_id != first.conversation_id for row in rows)


async def test_the_row_you_see_is_the_row_you_act_on(demo_store) -> None:
    """Another process blocks the open conversation: list, thread and box stay in step,
    and a key acts on what the screen shows."""
    from convo_tui.core import agents, conversations
    from convo_tui.store.models import Conversation, Profile

    from .conftest import NOW

    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        maria = conversation_of(demo_store, MARIA)

        # In Maria's reply box with a draft; someone else blocks her.
        await open_conversation(pilot, MARIA, back_to_list=False)
        await pilot.press(*"hold on")
        await settle(pilot)

        def block_maria() -> None:
            with demo_store.write() as session:
                ben = agents.identify(session, "ben", now=NOW)
                profile = session.get(Profile, maria.profile_id)
                conv = session.get(Conversation, maria.id)
                conversations.block(session, profile, conv, ben, now=NOW)

        block_maria()
        app.poll_now()
        await pilot.pause(0.2)
        await settle(pilot)
        # The thread still shows Maria, now refused; the box is locked and keeps the draft.
        assert screen.view is not None and screen.view.conversation_id == maria.id
        assert screen.view.refusal is not None and screen.view.refusal.reason == "blocked"
        assert screen.composer.body.disabled
        assert screen.composer.conversation_id == maria.id
        await pilot.press("enter")
        await settle(pilot)
        assert all(b != "hold on" for _, b in outbound_bodies(demo_store))

        # Back in the list: Maria left the open inbox; the cursor's row and the thread agree.
        await pilot.press("escape")
        await pilot.pause(0.2)
        await settle(pilot)
        row = screen.inbox.current
        assert row is not None and row.conversation_id != maria.id
        assert screen.view is not None and screen.view.conversation_id == row.conversation_id
        assert screen.composer.conversation_id == row.conversation_id
        was_unread = row.unread
        await pilot.press("u")
        await settle(pilot)
        with demo_store.read() as session:
            assert session.get(Conversation, row.conversation_id).unread is (not was_unread)
            assert not session.get(Conversation, maria.id).unread  # the hidden one untouched


async def test_a_key_right_after_moving_acts_on_the_highlighted_row(demo_store) -> None:
    """j then c at once, before the preview loads: the highlighted row closes."""
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        first = screen.inbox.current
        second = screen.inbox.row_at(1)
        assert first is not None and second is not None
        closed_before = audit_actions(demo_store).count("conversation.close")
        await pilot.press("j", "c")
        await settle(pilot)
        from convo_tui.store.models import Conversation

        with demo_store.read() as session:
            assert session.get(Conversation, first.conversation_id).status == "open"
            assert session.get(Conversation, second.conversation_id).status == "closed"
        assert audit_actions(demo_store).count("conversation.close") == closed_before + 1


def outbox_state(store, body: str) -> str | None:
    with store.read() as session:
        found = session.exec(
            select(OutboxItem.state)
            .join(Message, col(Message.id) == col(OutboxItem.message_id))
            .where(Message.body == body)
        ).first()
        return None if found is None else str(found)


async def test_a_reply_sent_by_mistake_is_recalled_with_its_text_back(demo_store) -> None:
    """Send, see it pending, undo from the reply box (ctrl+r: z is a letter there): the
    reply leaves the outbox and the thread, its text is back in the box, and what was
    typed since stays after it. Then send again, go to the list, and z recalls it too."""
    from .tui_helpers import notifications

    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA, back_to_list=False)
        await pilot.press(*"Wrong customer, sorry", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "QuietHoursModal"
        await pilot.press("a")  # it is night in San Francisco: send anyway
        await settle(pilot)
        assert outbox_state(demo_store, "Wrong customer, sorry") == "queued"
        toast = notifications(app)[-1]
        assert "pending, sends at" in toast and toast.endswith("— ^r undoes"), toast
        await pilot.pause(0.2)
        await settle(pilot)
        assert "· pending ·" in plain(app) and "sends at 12:00:10" in plain(app)
        await pilot.press(*"P.S.")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert outbox_state(demo_store, "Wrong customer, sorry") is None
        assert screen.composer.body.text == "Wrong customer, sorry\nP.S."
        assert screen.composer.body.has_focus
        assert "Wrong customer, sorry" not in [b for _, b in outbound_bodies(demo_store)]
        assert "outbox.recall" in audit_actions(demo_store)
        assert any("recalled, its text is back" in n for n in notifications(app))

        # Kept as Maria's draft in the store: a restart would show it.
        from convo_tui.session.desk import Desk

        maria = conversation_of(demo_store, MARIA)
        assert maria.id is not None
        assert Desk(demo_store, "ana").draft(maria.id).body == "Wrong customer, sorry\nP.S."

        await pilot.press("enter")  # sends the whole box
        await settle(pilot)
        assert type(app.screen).__name__ == "QuietHoursModal"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert notifications(app)[-1].endswith("— z undoes") is False  # said in the box
        await pilot.press("z")
        await settle(pilot)
        assert outbox_state(demo_store, "Wrong customer, sorry\nP.S.") is None
        await open_conversation(pilot, MARIA, back_to_list=False)
        assert screen.composer.body.text == "Wrong customer, sorry\nP.S."


async def test_a_reply_the_sync_took_is_not_recalled(demo_store) -> None:
    """Once the sync has the reply it can only be corrected: undo says so, and keeps it."""
    from convo_tui.core import outbox

    from .conftest import NOW
    from .tui_helpers import notifications

    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA, back_to_list=False)
        await pilot.press(*"On its way", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "QuietHoursModal"
        await pilot.press("a")
        await settle(pilot)
        with demo_store.write() as session:
            item = session.exec(
                select(OutboxItem)
                .join(Message, col(Message.id) == col(OutboxItem.message_id))
                .where(Message.body == "On its way")
            ).one()
            from datetime import timedelta

            assert outbox.claim(session, item.id, now=NOW + timedelta(seconds=30))
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert outbox_state(demo_store, "On its way") == "sending"
        assert any(
            n.startswith("Not undone: Reply #") and "already went out" in n
            for n in notifications(app)
        ), notifications(app)
        assert screen.composer.body.text == ""


@pytest.mark.parametrize(
    ("key", "typed"),
    [
        ("enter", "thanks"),
        ("enter", "Quick burst typed"),
        ("enter", "ok, u"),
        ("enter", "yes back soon"),
        ("r", "on it, back soon"),
    ],
)
async def test_letters_arriving_with_the_open_key_are_the_replys(demo_store, key, typed) -> None:
    """`enter` (or `r`) and letters in one burst (a fast typist, a paste, an SSH link
    batching keys): none of them may run a list key on the way. Seen in a real terminal:
    "thanks" moved the cursor (k) and snoozed Kenji (s); "Quick burst typed" marked James
    unread, closed him and blocked another customer (b, then the y of "typed" confirmed
    it); "ok, u" opened the settings; after `r`, the comma of "on it, back soon" did."""
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        maria = conversation_of(demo_store, MARIA)
        assert maria.id is not None
        assert screen.inbox.move_to_conversation(maria.id)
        await settle(pilot)
        before = audit_actions(demo_store)
        burst(app, key, *typed)
        await settle(pilot)
        assert app.screen is screen  # no snooze, block or settings modal
        assert screen.composer.body.has_focus
        assert screen.composer.body.text == typed
        after = conversation_of(demo_store, MARIA)
        assert after.status == Status.OPEN.value and after.snooze_until is None
        # Opening her read her; nothing else was done to anyone.
        assert set(audit_actions(demo_store)[len(before) :]) <= {"conversation.mark_read"}
        assert screen.inbox.current is not None
        assert screen.inbox.current.conversation_id == maria.id


async def test_esc_and_a_letter_together_leave_the_box_and_type_nothing(demo_store) -> None:
    """`esc` then `k` in one burst reaches the app as alt+k: the reply box is left and
    the letter never joins the reply (a walk sent "Yes, in black tookj")."""
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA, back_to_list=False)
        await pilot.press(*"Yes, in black too")
        await settle(pilot)
        assert screen.composer.body.text == "Yes, in black too"
        keystroke(app, "alt+k", "k")  # what the parser makes of ESC and k together
        await settle(pilot)
        assert screen.composer.body.text == "Yes, in black too"
        assert not screen.composer.body.has_focus
