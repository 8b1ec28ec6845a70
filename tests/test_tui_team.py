"""The team in the terminal inbox (issue 17): take or hand over a conversation, the
views, a note, and a reply held because another agent answered first. Whole stories
with real key presses on the demo store; the other agent acts through their own Desk
on the same file, as their own inbox would."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from convo_tui.session.desk import Desk
from convo_tui.store.models import Agent, AgentNotice, Message, OutboxItem

from .conftest import NOW
from .tui_helpers import (
    KENJI,
    MARIA,
    burst,
    conversation_of,
    make_app,
    notifications,
    open_conversation,
    plain,
    settle,
    started,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _phones(screen) -> list[str]:
    rows = (screen.inbox.row_at(i) for i in range(screen.inbox.total))
    return [row.phone for row in rows if row is not None]


def _agent_id(store, login: str) -> int:
    with store.read() as session:
        return int(session.exec(select(Agent.id).where(Agent.login == login)).one() or 0)


async def test_take_hand_over_and_the_views(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("a")  # take it
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).assignee_id == _agent_id(demo_store, "ana")
        assert any("assigned to you" in n for n in notifications(app))
        assert "AS  29m" in plain(app)  # Ana Souza's initials on the row
        total = screen.info.matching
        await pilot.press("w")  # All → Mine
        await settle(pilot)
        assert "Inbox: mine, open — 1 conversation" in plain(app)
        assert _phones(screen) == [MARIA]
        assert any("View: Mine — Mine 1 · Unassigned" in n for n in notifications(app))
        await pilot.press("w")  # → Unassigned
        await settle(pilot)
        assert "Inbox: unassigned, open" in plain(app)
        assert MARIA not in _phones(screen)
        assert screen.info.matching == (total or 0) - 1
        # The filter keeps the view; w goes back to All.
        await pilot.press("w")
        await settle(pilot)
        assert screen.info.matching == total
        # Hand it to Chloe with the picker; she is told, and z undoes it.
        await open_conversation(pilot, MARIA)
        await pilot.press("A")
        await settle(pilot)
        assert type(app.screen).__name__ == "AssignModal"
        text = plain(app)
        assert "Chloe Martin" in text and "← now" in text and "Eve" not in text  # no analyst
        logins = [a.login for a in app.screen.agents]  # type: ignore[attr-defined]
        for _ in range(logins.index("chloe") - logins.index("ana")):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        chloe = _agent_id(demo_store, "chloe")
        assert conversation_of(demo_store, MARIA).assignee_id == chloe
        with demo_store.read() as session:
            told = session.exec(select(AgentNotice).where(AgentNotice.agent_id == chloe)).all()
        assert [n.kind for n in told] == ["assigned"]
        await pilot.press("z")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).assignee_id == _agent_id(demo_store, "ana")
        await pilot.press("a")  # hers already: said so
        await settle(pilot)
        assert any("already assigned to you" in n for n in notifications(app))
        # The palette offers "Unassign" while someone has it.
        assert "Unassign" in [c.title for c in app.get_system_commands(app.screen)]
        await screen.run_action("unassign")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).assignee_id is None
        assert "Unassign" not in [c.title for c in app.get_system_commands(app.screen)]


async def test_a_note_is_written_and_drawn_apart(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await open_conversation(pilot, KENJI)
        await pilot.press("n")
        await settle(pilot)
        assert type(app.screen).__name__ == "NoteModal"
        await pilot.press(*"Refund approved, @chloe call him", "ctrl+s")
        await settle(pilot)
        assert any(
            "note added (not sent to the customer); told chloe" in n for n in notifications(app)
        )
        text = plain(app)
        assert "NOTE internal, not sent" in text and "Ana Souza" in text
        assert "Refund approved, @chloe call him" in text
        with demo_store.read() as session:
            note = session.exec(select(Message).where(Message.direction == "note")).one()
            assert (
                session.exec(select(OutboxItem).where(OutboxItem.message_id == note.id)).all() == []
            )


async def test_a_note_typed_in_a_burst_keeps_every_letter(demo_store) -> None:
    """ctrl+s right behind the letters (a fast typist, a slow SSH link batching keys):
    the note is what was typed, not its first letter (a priority binding ran ahead of
    the letters the text area had not taken yet)."""
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await open_conversation(pilot, KENJI)
        await pilot.press("n")
        await settle(pilot)
        burst(app, *"call him today", "ctrl+s")
        await settle(pilot)
        with demo_store.read() as session:
            note = session.exec(select(Message).where(Message.direction == "note")).one()
        assert note.body == "call him today"


async def test_a_reply_another_agent_answered_first_is_held(demo_store) -> None:
    """Ana opens James and writes; Ben answers him meanwhile (his own inbox). Ana's send
    is held and shows Ben's reply; her text stays; the next send goes."""
    app = make_app(demo_store)
    ben = Desk(demo_store, "ben", now=lambda: NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        james = screen.inbox.current
        assert james is not None and james.name == "James Lee"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"Yes, it ships today")
        ben.send(james.profile_id, "Hi James, Ben here: shipped this morning", [])
        screen.store_changed()  # the thread redraws under her typing: she may not look
        await settle(pilot)
        before = _outbox(demo_store)
        await pilot.press("enter")
        await settle(pilot)
        assert _outbox(demo_store) == before  # nothing queued
        held = [n for n in notifications(app) if n.startswith("Reply held")]
        assert held and "ben replied since you last looked" in held[0]
        assert "shipped this morning" in held[0]
        assert screen.composer.body.text == "Yes, it ships today"
        await pilot.press("enter")  # she has seen it now
        await settle(pilot)
        assert _outbox(demo_store)[-1] == "Yes, it ships today"


def _outbox(store) -> list[str]:
    with store.read() as session:
        return list(
            session.exec(
                select(Message.body)
                .join(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
                .order_by(col(Message.id))
            ).all()
        )


async def test_presence_between_two_inboxes(demo_store) -> None:
    """Ben's inbox says who else is on what: Ana viewing, then typing, on the row and in
    the thread header; his own inbox's row says what he has open, and goes when he quits.
    Ana's note mentioning him and her handing him a conversation toast "For you"."""
    from convo_tui.core import presence
    from convo_tui.store.models import Presence

    app = make_app(demo_store, login="ben")
    ana = Desk(demo_store, "ana", now=lambda: NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        james = screen.inbox.current
        assert james is not None
        # Ana's inbox has James open: Ben sees it on the row and in the header.
        ana.announce("ana-run", james.conversation_id, False)
        app.poll_now()
        await pilot.pause(1.2)  # the others are read once a second
        app.poll_now()
        await settle(pilot)
        text = plain(app)
        assert "◉AS" in text and "Ana is viewing" in text
        ana.announce("ana-run", james.conversation_id, True)
        await pilot.pause(1.1)
        app.poll_now()
        await settle(pilot)
        assert "Ana is typing" in plain(app)
        # Ben's own row: what he has open (he opens James and writes).
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"On it")
        await pilot.pause(0.7)  # the draft is handed up (Composer.KEEP_DELAY)
        app.poll_now()
        await settle(pilot)
        with demo_store.read() as session:
            mine = session.get(Presence, app.session_key)
            assert mine is not None
            assert (mine.conversation_id, mine.typing) == (james.conversation_id, True)
        # Ana leaves: the mark and the words go.
        ana.leave("ana-run")
        await pilot.pause(1.1)
        app.poll_now()
        await settle(pilot)
        assert "Ana is" not in plain(app) and "◉AS" not in plain(app)
        ana.add_note(james.profile_id, "@ben he prefers a call")
        ana.assign(james.conversation_id, "ben")
        app.poll_now()
        await settle(pilot)
        told = notifications(app)
        assert any(n.startswith("Ana mentioned you on James Lee: @ben he prefers") for n in told)
        assert "Ana gave you James Lee" in told
        await pilot.press("escape")
        await app.action_quit()
    with demo_store.read() as session:
        assert session.get(Presence, app.session_key) is None
        assert presence.present(session, now=NOW) == []  # the desks' clock
