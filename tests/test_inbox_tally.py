"""The inbox counts come from a tally kept by triggers: after any sequence of what
agents, customers and campaigns do, every filter's count equals a real COUNT(*)."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import product

from sqlalchemy import delete, func, select
from sqlmodel import col

from convo_tui.core import conversations, profiles
from convo_tui.core.queries import _filtered, inbox_count, unread_count
from convo_tui.core.rows import InboxFilter
from convo_tui.store import dialect
from convo_tui.store.engine import Store
from convo_tui.store.kinds import Status
from convo_tui.store.models import Agent, Conversation, MessageSource

from .conftest import NOW, add_profile, send_campaign, text_in


def assert_tally_true(store: Store) -> None:
    with store.read() as session:
        # Core statements (the real COUNT(*)s) run on the connection, as queries.py runs its own.
        db = session.connection()
        sources = [None, *db.execute(select(col(MessageSource.id))).scalars()]
        for status, unread, source in product([None, *Status], [None, True, False], sources):
            flt = InboxFilter(status=status, unread=unread, attributed_source_id=source)
            real = db.execute(_filtered(select(func.count()).select_from(Conversation), flt))
            assert inbox_count(session, flt) == real.scalar_one(), flt
        real_unread = db.execute(
            select(func.count()).select_from(Conversation).where(col(Conversation.unread))
        )
        assert unread_count(session) == real_unread.scalar_one()


def test_counts_follow_every_change(store: Store, owner: Agent) -> None:
    rng = random.Random(42)
    phones = [f"+1415555{n:04d}" for n in range(40)]
    at = NOW - timedelta(days=2)
    with store.write() as session:
        for phone in phones:
            add_profile(session, phone)
    for step in range(400):
        at += timedelta(minutes=7)
        phone = rng.choice(phones)
        with store.write() as session:
            agent = session.get(Agent, owner.id)
            assert agent is not None
            profile = profiles.find(session, phone, "US")
            conversation = profiles.conversation_of(session, profile)
            roll = rng.random()
            if roll < 0.15:
                send_campaign(session, at=at, phone=phone, name=rng.choice(["Fall", "Winter"]))
            elif roll < 0.45 or conversation is None:
                text_in(session, f"question {step}", phone=phone, at=at)
            elif roll < 0.55:
                conversations.close(session, conversation, agent, now=at)
            elif roll < 0.65:
                conversations.reopen(session, conversation, agent, now=at)
            elif roll < 0.75:
                conversations.snooze(session, conversation, agent, at + timedelta(hours=1), now=at)
            elif roll < 0.85:
                conversations.set_unread(session, conversation, agent, rng.random() < 0.5, now=at)
            elif roll < 0.92:
                conversations.block(session, profile, conversation, agent, now=at)
            else:
                conversations.unblock(session, profile, agent, now=at)
            if step % 50 == 0:
                conversations.wake_due(session, now=at)
        if step % 40 == 0:
            assert_tally_true(store)
    assert_tally_true(store)
    with store.write() as session:  # a conversation removed is taken off the tally too
        profile = add_profile(session, "+14155559999")
        assert profile.id is not None
        session.add(
            Conversation(
                profile_id=profile.id,
                status="closed",
                unread=True,
                last_message_at=at,
                last_message_preview="",
                last_message_direction="inbound",
                created_at=at,
                updated_at=at,
            )
        )
    assert_tally_true(store)
    with store.write() as session:
        session.exec(delete(Conversation).where(col(Conversation.profile_id) == profile.id))
    assert_tally_true(store)


def test_the_demo_counts_and_a_rebuild_agree(demo_store: Store) -> None:
    assert_tally_true(demo_store)
    with demo_store.write() as session:
        dialect.rebuild_inbox_tally(session.connection())
    assert_tally_true(demo_store)
