"""A reply answers the customer when the provider accepts it, not when it is queued.

Real SQLite stores: a scheduled reply leaves the customer waiting and the conversation
where it was; a cancelled one changes nothing; the waiting time stops at `mark_sent`,
and a text that came in after the reply was written keeps waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from convo_tui.core import outbox, profiles, queries, replies
from convo_tui.core import settings as settings_mod
from convo_tui.core.rows import InboxFilter
from convo_tui.store.engine import Store
from convo_tui.store.models import Agent, Conversation, Message

from .conftest import CUSTOMER, NOW, add_profile, sid, text_in

OTHER = "+14155550177"
ASKED = NOW - timedelta(hours=2)


@pytest.fixture
def asked(store: Store, owner: Agent) -> Store:
    """Maria asked two hours ago; another customer asked one hour ago."""
    with store.write() as session:
        settings_mod.set_value(session, owner, "auto_reply.enabled", False, now=NOW)
        add_profile(session)
        text_in(session, "Do you have size 38?", at=ASKED)
        add_profile(session, OTHER, first_name="Lucas")
        text_in(session, "Where is my order?", phone=OTHER, at=NOW - timedelta(hours=1))
    return store


def _conversation(session: Session, phone: str = CUSTOMER) -> Conversation:
    profile = profiles.find(session, phone, "US")
    return session.exec(select(Conversation).where(Conversation.profile_id == profile.id)).one()


def _queue(
    store: Store, owner: Agent, body: str, *, send_at: datetime | None = None, now: datetime = NOW
) -> int:
    with store.write() as session:
        profile = profiles.find(session, CUSTOMER, "US")
        message = replies.queue_reply(
            session,
            owner,
            profile,
            body,
            settings=settings_mod.load(session),
            send_at=send_at,
            now=now,
        )
        return int(message.id or 0)


def _accept(store: Store, message_id: int, *, at: datetime) -> None:
    """What the sync does when the provider accepts the text."""
    with store.write() as session:
        message = session.get(Message, message_id)
        assert message is not None
        outbox.mark_sent(session, outbox.item_for(session, message), provider_sid=sid(),
                         status="queued", now=at)  # fmt: skip


def test_a_scheduled_reply_leaves_the_customer_waiting_and_the_row_in_place(
    asked: Store, owner: Agent
) -> None:
    _queue(asked, owner, "Yes! In black and brown.", send_at=NOW + timedelta(hours=6))
    with asked.read() as session:
        conv = _conversation(session)
        assert conv.waiting_since == ASKED  # nothing has reached the customer yet
        assert conv.last_message_at == ASKED
        assert conv.last_message_preview == "Do you have size 38?"
        assert conv.last_message_direction == "inbound"
        assert conv.unread is False  # the agent read it to answer it
        rows = queries.inbox_page(session, InboxFilter())
    # Lucas asked later: he stays above Maria, whose reply is only scheduled.
    assert [r.phone for r in rows] == [OTHER, CUSTOMER]
    maria = rows[1]
    assert maria.waiting_since == ASKED
    assert maria.reply_pending_at == NOW + timedelta(hours=6)  # shown as scheduled
    assert rows[0].reply_pending_at is None


def test_a_cancelled_reply_does_not_count_as_an_answer(asked: Store, owner: Agent) -> None:
    message_id = _queue(asked, owner, "Later", send_at=NOW + timedelta(hours=6))
    with asked.write() as session:
        message = session.get(Message, message_id)
        assert message is not None
        outbox.cancel(session, outbox.item_for(session, message), owner,
                      now=NOW + timedelta(minutes=5))  # fmt: skip
    with asked.read() as session:
        conv = _conversation(session)
        assert conv.waiting_since == ASKED
        assert conv.last_message_preview == "Do you have size 38?"
        assert conv.last_message_at == ASKED
        assert conv.reply_pending_at is None
        assert conv.updated_by_id == owner.id


def test_the_waiting_time_stops_when_the_provider_accepts_the_reply(
    asked: Store, owner: Agent
) -> None:
    message_id = _queue(asked, owner, "On its way!", send_at=NOW + timedelta(hours=1))
    with asked.read() as session:
        assert _conversation(session).waiting_since == ASKED
    _accept(asked, message_id, at=NOW + timedelta(hours=1))
    with asked.read() as session:
        conv = _conversation(session)
        assert conv.waiting_since is None
        assert conv.last_message_at == NOW + timedelta(hours=1)  # moves up when sent
        assert conv.last_message_preview == "On its way!"
        assert conv.last_message_direction == "outbound"
        assert conv.reply_pending_at is None
        rows = queries.inbox_page(session, InboxFilter())
    assert [r.phone for r in rows] == [CUSTOMER, OTHER]


def test_a_text_that_came_in_after_the_reply_was_written_keeps_waiting(
    asked: Store, owner: Agent
) -> None:
    message_id = _queue(asked, owner, "Yes, size 38 is in stock", send_at=NOW + timedelta(hours=1))
    meanwhile = NOW + timedelta(minutes=30)
    with asked.write() as session:
        text_in(session, "Also, do you ship to Lisbon?", at=meanwhile)
    with asked.read() as session:  # the newest words are the customer's, not the pending reply
        assert _conversation(session).last_message_preview == "Also, do you ship to Lisbon?"
    _accept(asked, message_id, at=NOW + timedelta(hours=1))
    with asked.read() as session:
        conv = _conversation(session)
        assert conv.waiting_since == meanwhile  # the second question is not answered
        assert conv.last_message_preview == "Yes, size 38 is in stock"


def test_two_pending_replies_the_soonest_is_shown(asked: Store, owner: Agent) -> None:
    first = _queue(asked, owner, "Tonight", send_at=NOW + timedelta(hours=6))
    _queue(asked, owner, "Tomorrow", send_at=NOW + timedelta(hours=20))
    with asked.read() as session:
        assert _conversation(session).reply_pending_at == NOW + timedelta(hours=6)
    _accept(asked, first, at=NOW + timedelta(hours=6))
    with asked.read() as session:
        conv = _conversation(session)
        assert conv.reply_pending_at == NOW + timedelta(hours=20)
        assert conv.waiting_since is None
