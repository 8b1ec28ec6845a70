"""The outbox against the sandbox over real HTTP: the waiting time stops when the provider
accepts a reply, the send delay holds a reply back, and recall races the sync safely."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from convo_tui.clock import utcnow
from convo_tui.core import agents, outbox, profiles, replies
from convo_tui.core import settings as settings_mod
from convo_tui.errors import Refused
from convo_tui.sandbox import Sandbox
from convo_tui.store.engine import Store
from convo_tui.store.models import Conversation, Message, OutboxItem
from convo_tui.sync import push as push_mod

from .sync_helpers import clients, engine_for, fast_policy

MARIA = "+14155550123"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False).start()
    yield sb
    sb.stop()


def _sync(store: Store, sb: Sandbox, *, now: datetime | None = None) -> object:
    with engine_for(store, sb) as engine:
        if now is not None:
            engine.now = lambda: now
        return engine.run_once()


def _set_delay(store: Store, seconds: int) -> None:
    with store.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        settings_mod.set_value(session, ana, "replies.send_delay", seconds, now=utcnow())


def _queue(store: Store, body: str) -> int:
    with store.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        profile = profiles.find(session, MARIA, "US")
        message = replies.queue_reply(
            session, ana, profile, body, settings=settings_mod.load(session), now=utcnow()
        )
        return int(message.id or 0)


def _maria(store: Store) -> Conversation:
    with store.read() as session:
        profile = profiles.find(session, MARIA, "US")
        return session.exec(select(Conversation).where(Conversation.profile_id == profile.id)).one()


def _sent_to(sb: Sandbox, body: str) -> int:
    twilio, klaviyo = clients(sb)
    try:
        return sum(
            1
            for page in twilio.list_pages(to=MARIA)
            for m in page
            if m.body == body and m.direction == "outbound-api"
        )
    finally:
        twilio.close()
        klaviyo.close()


def _item(store: Store, message_id: int) -> OutboxItem:
    with store.read() as session:
        return session.exec(select(OutboxItem).where(OutboxItem.message_id == message_id)).one()


@pytest.fixture
def asking(store: Store, sandbox: Sandbox) -> Store:
    """Maria's history synced, and a new question from her waiting."""
    _sync(store, sandbox)
    sandbox.inject_inbound(MARIA, "Is size 38 back in stock?")
    _sync(store, sandbox)
    assert _maria(store).waiting_since is not None
    return store


def test_the_customer_waits_until_the_provider_accepts_the_reply(asking, sandbox) -> None:
    waiting = _maria(asking).waiting_since
    message_id = _queue(asking, "Yes, size 38 is back")
    _sync(asking, sandbox)  # within the send delay: not sent, not answered
    assert _sent_to(sandbox, "Yes, size 38 is back") == 0
    assert _item(asking, message_id).state == "queued"
    maria = _maria(asking)
    assert maria.waiting_since == waiting and maria.reply_pending_at is not None
    assert maria.last_message_preview == "Is size 38 back in stock?"
    _sync(asking, sandbox, now=utcnow() + timedelta(seconds=11))  # the delay is over
    assert _sent_to(sandbox, "Yes, size 38 is back") == 1
    maria = _maria(asking)
    assert maria.waiting_since is None and maria.reply_pending_at is None
    assert maria.last_message_preview == "Yes, size 38 is back"
    assert maria.last_message_direction == "outbound"


def test_recall_is_refused_while_the_sync_is_sending(asking, sandbox) -> None:
    _set_delay(asking, 0)
    message_id = _queue(asking, "Too late to take back")
    # The provider carries the POST out and answers a second later: the item is `sending`.
    sandbox.set_faults(
        [{"kind": "slow", "path": "Messages.json", "method": "POST", "count": 1, "delay": 1.0}]
    )
    twilio, klaviyo = clients(sandbox)
    pushing = threading.Thread(
        target=push_mod.push, args=(asking, twilio), kwargs={"now": utcnow()}
    )
    pushing.start()
    try:
        deadline = time.monotonic() + 30
        while _item(asking, message_id).state == "queued" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _item(asking, message_id).state == "sending"
        with asking.write() as session, pytest.raises(Refused, match="already went out"):
            ana = agents.identify(session, "ana", now=utcnow())
            outbox.recall(session, message_id, ana, now=utcnow())
    finally:
        pushing.join(30)
        twilio.close()
        klaviyo.close()
    assert _sent_to(sandbox, "Too late to take back") == 1
    assert _item(asking, message_id).state == "sent"


def test_a_reply_recalled_after_the_sync_listed_it_is_not_sent(asking, sandbox) -> None:
    _set_delay(asking, 0)
    message_id = _queue(asking, "Never mind")
    with asking.read() as session:
        listed = [item.id for item in outbox.due(session, now=utcnow())]
    with asking.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        outbox.recall(session, message_id, ana, now=utcnow())
    twilio, klaviyo = clients(sandbox)
    try:
        report = push_mod.PushReport()
        for item_id in listed:  # the sync's send step for what it listed before the recall
            push_mod._send_one(asking, twilio, item_id, report, now=utcnow())
        assert push_mod.push(asking, twilio, now=utcnow()).sent == 0
    finally:
        twilio.close()
        klaviyo.close()
    assert report.sent == 0 and _sent_to(sandbox, "Never mind") == 0
    with asking.read() as session:
        assert session.get(Message, message_id) is None


def test_the_background_sync_wakes_when_a_delayed_reply_is_due(asking, sandbox) -> None:
    """The UI wakes the sync once, at queue time; the round then finds nothing due,
    and the sync must not sleep its whole interval (here an hour) before sending."""
    from convo_tui.config import Config, TwilioConfig
    from convo_tui.sync.runner import BackgroundSync

    _set_delay(asking, 2)
    c = sandbox.credentials
    config = Config(
        twilio=TwilioConfig(
            base_url=sandbox.base_url,
            account_sid=c.account_sid,
            auth_token=c.auth_token,
            from_number=c.from_number,
        )
    )
    background = BackgroundSync(asking, config, interval=3600, policy=fast_policy()).start()
    try:
        deadline = time.monotonic() + 30
        while not background.status().last_sync and time.monotonic() < deadline:
            time.sleep(0.05)
        message_id = _queue(asking, "After the delay")
        background.wake()  # what the UI's reply_queued does
        deadline = time.monotonic() + 30
        while _item(asking, message_id).state != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        background.stop()
    assert _item(asking, message_id).state == "sent"
    assert _sent_to(sandbox, "After the delay") == 1
