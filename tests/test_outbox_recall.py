"""The send delay and recall: a reply queued "now" waits a few seconds in the outbox,
and until the sync takes it the agent can take it back (real SQLite stores)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from convo_tui.core import conversation_read, outbox, profiles, queries, replies
from convo_tui.core import settings as settings_mod
from convo_tui.core.rows import InboxFilter
from convo_tui.errors import NotFound, Refused
from convo_tui.session.desk import Desk
from convo_tui.store.engine import Store
from convo_tui.store.models import Agent, AuditEntry, Conversation, Message, OutboxItem

from .conftest import CUSTOMER, NOW, add_profile, text_in

ASKED = NOW - timedelta(hours=2)


@pytest.fixture
def asked(store: Store, owner: Agent) -> Store:
    with store.write() as session:
        settings_mod.set_value(session, owner, "auto_reply.enabled", False, now=NOW)
        add_profile(session)
        text_in(session, "Do you have size 38?", at=ASKED)
    return store


def _conversation(session: Session) -> Conversation:
    profile = profiles.find(session, CUSTOMER, "US")
    return session.exec(select(Conversation).where(Conversation.profile_id == profile.id)).one()


def _queue(
    store: Store, owner: Agent, body: str = "Yes, in black", *, media: Sequence[str] = ()
) -> Message:
    with store.write() as session:
        profile = profiles.find(session, CUSTOMER, "US")
        return replies.queue_reply(
            session, owner, profile, body, settings=settings_mod.load(session), now=NOW, media=media
        )


def test_the_send_delay_setting() -> None:
    assert settings_mod.SPECS["replies.send_delay"].default == 10
    assert settings_mod.parse_value("replies.send_delay", "0") == 0
    assert settings_mod.parse_value("replies.send_delay", "60") == 60
    with pytest.raises(settings_mod.BadSetting, match="from 0 to 60"):
        settings_mod.parse_value("replies.send_delay", "61")


def test_a_reply_queued_now_waits_the_send_delay_and_shows_as_pending(
    asked: Store, owner: Agent
) -> None:
    message = _queue(asked, owner)
    with asked.read() as session:
        item = outbox.item_for(session, message)
        assert item.send_at == NOW + timedelta(seconds=10)
        assert outbox.due(session, now=NOW) == []
        assert [i.id for i in outbox.due(session, now=NOW + timedelta(seconds=10))] == [item.id]
        (shown,) = [m for m in conversation_read.thread(session, message.profile_id)
                    if m.id == message.id]  # fmt: skip
        assert shown.status == "pending"
        (row,) = queries.inbox_page(session, InboxFilter())
        assert row.reply_pending_at == NOW + timedelta(seconds=10)  # an answer in progress
        assert row.waiting_since == ASKED  # the customer has nothing yet


def test_no_send_delay_queues_for_now(asked: Store, owner: Agent) -> None:
    with asked.write() as session:
        settings_mod.set_value(session, owner, "replies.send_delay", 0, now=NOW)
    message = _queue(asked, owner)
    with asked.read() as session:
        assert outbox.item_for(session, message).send_at == NOW
        stored = session.get(Message, message.id)
        assert stored is not None and stored.status == "queued"


def test_recall_gives_the_reply_back_and_leaves_no_trace_but_the_audit(
    asked: Store, owner: Agent
) -> None:
    message = _queue(asked, owner, "Yes, in black", media=["https://cdn.example/a.jpg"])
    with asked.write() as session:
        recalled = outbox.recall(
            session, int(message.id or 0), owner, now=NOW + timedelta(seconds=3)
        )
    assert recalled == outbox.Recalled(
        body="Yes, in black",
        media=("https://cdn.example/a.jpg",),
        profile_id=message.profile_id,
        conversation_id=message.conversation_id,
    )
    with asked.read() as session:
        assert session.get(Message, message.id) is None
        assert session.exec(select(OutboxItem)).all() == []
        assert [m.body for m in conversation_read.thread(session, message.profile_id)] == [
            "Do you have size 38?"
        ]
        conv = _conversation(session)
        assert conv.waiting_since == ASKED and conv.reply_pending_at is None
        assert conv.last_message_preview == "Do you have size 38?"
        actions = [a.action for a in session.exec(select(AuditEntry)).all()]
        assert actions[-1] == "outbox.recall"


def test_recall_is_refused_once_the_sync_took_the_reply(asked: Store, owner: Agent) -> None:
    message = _queue(asked, owner)
    item_id = 0
    with asked.write() as session:  # the sync's own transaction, before its network call
        item = outbox.item_for(session, message)
        item_id = int(item.id or 0)
        assert outbox.claim(session, item_id, now=NOW + timedelta(seconds=10)) is not None
    with asked.write() as session, pytest.raises(Refused, match="already went out"):
        outbox.recall(session, int(message.id or 0), owner, now=NOW + timedelta(seconds=10))
    with asked.read() as session:
        taken = session.get(OutboxItem, item_id)
        assert taken is not None and taken.state == "sending"


def test_a_recalled_reply_cannot_be_claimed_by_the_sync(asked: Store, owner: Agent) -> None:
    message = _queue(asked, owner)
    with asked.read() as session:
        item_id = int(outbox.item_for(session, message).id or 0)
    with asked.write() as session:
        outbox.recall(session, int(message.id or 0), owner, now=NOW + timedelta(seconds=2))
    with asked.write() as session:  # a sync that listed the item as due just before
        assert outbox.claim(session, item_id, now=NOW + timedelta(seconds=10)) is None


def test_only_agents_replies_in_the_outbox_can_be_recalled(asked: Store, owner: Agent) -> None:
    with asked.write() as session, pytest.raises(Refused, match="not waiting in the outbox"):
        first = session.exec(select(Message)).first()
        assert first is not None
        outbox.recall(session, int(first.id or 0), owner, now=NOW)
    with asked.write() as session, pytest.raises(NotFound, match="no message 999"):
        outbox.recall(session, 999, owner, now=NOW)


def test_desk_recall(asked: Store, owner: Agent) -> None:
    desk = Desk(asked, "olivia", now=lambda: NOW)
    with asked.read() as session:
        profile_id = int(profiles.find(session, CUSTOMER, "US").id or 0)
    sent = desk.send(profile_id, "Size 38 is back", [])
    recalled = desk.recall(sent.message_id)
    assert recalled.body == "Size 38 is back" and recalled.profile_id == profile_id
    view = desk.conversation(recalled.conversation_id or 0)
    assert [m.body for m in view.messages] == ["Do you have size 38?"]
    with pytest.raises(NotFound, match="no message"):
        desk.recall(sent.message_id)  # a second undo finds nothing to take back


def test_desk_recall_is_audited_and_says_why_once_the_sync_took_the_reply(
    asked: Store, owner: Agent
) -> None:
    """What the TUI's undo gets: the draft back, or a refusal it can show as one line."""
    with asked.read() as session:
        profile_id = int(profiles.find(session, CUSTOMER, "US").id or 0)
    desk = Desk(asked, "olivia", now=lambda: NOW + timedelta(seconds=4))
    kept = desk.send(profile_id, "Back in stock tomorrow", ["https://cdn.example/b.jpg"])
    assert kept.recall_until == NOW + timedelta(seconds=14)  # held for the send delay
    recalled = desk.recall(kept.message_id)
    assert recalled.media == ("https://cdn.example/b.jpg",)
    with asked.read() as session:
        (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.recall"))
        assert entry.agent_id == owner.id and entry.profile_id == profile_id
        assert entry.detail == f"message {kept.message_id}"
    taken = desk.send(profile_id, "Too late for this one", [])
    with asked.write() as session:  # the sync claims it once it is due
        item = session.exec(
            select(OutboxItem).where(OutboxItem.message_id == taken.message_id)
        ).one()
        assert outbox.claim(session, int(item.id or 0), now=NOW + timedelta(seconds=15))
    with pytest.raises(Refused, match="already went out") as caught:
        desk.recall(taken.message_id)
    assert caught.value.reason == "already_sent"
    assert "send a correction" in caught.value.fix
    with asked.read() as session:  # nothing lost: the reply stays, being sent
        assert session.get(Message, taken.message_id) is not None
        assert [a.action for a in session.exec(select(AuditEntry))].count("outbox.recall") == 1


def test_a_cancelled_reply_cannot_be_recalled(asked: Store, owner: Agent) -> None:
    message = _queue(asked, owner, "Never mind")
    with asked.write() as session:
        outbox.cancel(session, outbox.item_for(session, message), owner, now=NOW)
    with asked.write() as session, pytest.raises(Refused, match="is cancelled") as caught:
        outbox.recall(session, int(message.id or 0), owner, now=NOW)
    assert caught.value.reason == "not_queued"
