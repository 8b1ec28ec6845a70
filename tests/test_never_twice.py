"""A reply reaches the customer once, whatever is lost on the way: lost answers, failed
lookups, a list that lags, smart encoding, answers that do not parse, identical replies,
a provider that repeats itself or answers for another message."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta

import httpx
import pytest
from sqlmodel import col, func, select

from convo_tui.clock import utcnow
from convo_tui.core import agents, profiles
from convo_tui.core import settings as settings_mod
from convo_tui.providers.twilio import TwilioClient
from convo_tui.sandbox import Sandbox
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.models import Message, OutboxItem, OutboxState, Profile
from convo_tui.store.open import open_store
from convo_tui.sync.doubt import GRACE
from convo_tui.sync.engine import SyncReport

from .cli_helpers import run_process
from .sync_helpers import FAST, engine_for, env_for, fast_policy, kill_a_sync, twilio_for
from .test_outbox_sync import MARIA, _item, _queue, _sent_to, _set_delay

LOST_POST = {"kind": "drop", "count": 1, "path": "Messages.json", "method": "POST"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False).start()
    yield sb
    sb.stop()


def _sync(store: Store, sb: Sandbox, *, now: datetime | None = None) -> SyncReport:
    with engine_for(store, sb) as engine:
        if now is not None:
            engine.now = lambda: now
        return engine.run_once()


def _cli_sync(db_path, sb: Sandbox) -> str:
    result = run_process("sync", "--once", "--db", db_path, env=env_for(sb), timeout=120)
    assert "Traceback" not in result.err, result.err
    return result.out + result.err


def _later(minutes: float = 0) -> datetime:
    return utcnow() + GRACE + timedelta(minutes=minutes, seconds=1)


@pytest.fixture
def waiting(store: Store, sandbox: Sandbox) -> Store:
    """Maria's history synced, a new question from her, no send delay."""
    _sync(store, sandbox)
    sandbox.inject_inbound(MARIA, "Is size 38 back in stock?")
    _sync(store, sandbox)
    _set_delay(store, 0)
    return store


def _copies_in_store(store: Store, body: str) -> int:
    with store.read() as session:
        query = select(func.count()).select_from(Message).where(col(Message.body) == body)
        return int(session.exec(query).one())


def _settled(store: Store, message_id: int) -> str | None:
    """The sid a sent reply holds (None: not sent, or sent under no known id)."""
    item = _item(store, message_id)
    assert item.state == OutboxState.SENT.value, (item.state, item.last_error)
    with store.read() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message.provider_sid


# 1. A lookup that fails, or finds nothing too early, proves nothing ----------------


def test_the_issues_steps_with_the_real_cli_send_once(db_path, store, sandbox) -> None:
    _cli_sync(db_path, sandbox)
    sandbox.inject_inbound(MARIA, "Is size 38 back in stock?")
    _cli_sync(db_path, sandbox)
    _set_delay(store, 0)
    body = "Yes, size 38 is back: I put one aside for you"
    message_id = _queue(store, body)
    sandbox.set_faults([LOST_POST])
    _cli_sync(db_path, sandbox)
    sandbox.set_faults([{"kind": "500", "count": 5, "path": "Messages.json", "method": "GET"}])
    second = _cli_sync(db_path, sandbox)
    assert "1 reply in doubt" in second
    sandbox.set_faults([])
    _cli_sync(db_path, sandbox)
    _cli_sync(db_path, sandbox)
    assert _sent_to(sandbox, body) == 1
    assert _copies_in_store(store, body) == 1
    assert _settled(store, message_id)


def test_a_failed_lookup_then_a_pull_that_works_never_sends_again(waiting, sandbox) -> None:
    """The lookup fails (five unreadable answers) while the plain pull works: the pull
    sees our text first. It settles the reply instead of storing it as a stranger's."""
    body = "Size 38 is on its way to the shop"
    message_id = _queue(waiting, body)
    sandbox.set_faults([LOST_POST])
    _sync(waiting, sandbox)
    sandbox.set_faults(
        [{"kind": "invalid_json", "count": 6, "path": "Messages.json", "query": "To=+1"}]
    )
    report = _sync(waiting, sandbox)
    assert any("outbox" in e for e in report.errors), report.errors
    for minutes in (0, 1):
        _sync(waiting, sandbox, now=_later(minutes))
    assert _sent_to(sandbox, body) == 1
    assert _copies_in_store(waiting, body) == 1
    assert _settled(waiting, message_id)


def test_not_found_right_after_a_lost_answer_is_no_proof(waiting, sandbox) -> None:
    """The provider's list lags the send by a minute: the reply waits, in doubt, and is
    found once the list shows it; it is never sent again."""
    body = "Your parcel left the warehouse this morning"
    message_id = _queue(waiting, body)
    sandbox.set_faults([LOST_POST])
    _sync(waiting, sandbox)
    sandbox.set_faults([{"kind": "lag", "count": 1000, "delay": 60, "path": "Messages.json"}])
    report = _sync(waiting, sandbox)
    sandbox.set_faults([])  # the list has caught up
    assert _sent_to(sandbox, body) == 1
    assert _item(waiting, message_id).state == OutboxState.SENDING.value
    assert report.in_doubt == 1
    _sync(waiting, sandbox, now=_later())
    assert _sent_to(sandbox, body) == 1
    assert _settled(waiting, message_id)


def test_a_text_that_never_reached_the_provider_is_sent_after_the_grace(waiting, sandbox) -> None:
    body = "Sorry for the wait, here is your code"
    message_id = _queue(waiting, body)
    sandbox.set_faults([{"kind": "500", "count": 1, "path": "Messages.json", "method": "POST"}])
    _sync(waiting, sandbox)
    _sync(waiting, sandbox)
    assert _sent_to(sandbox, body) == 0  # within the grace: not yet
    _sync(waiting, sandbox, now=_later())
    _sync(waiting, sandbox, now=_later(1))
    assert _sent_to(sandbox, body) == 1
    assert _settled(waiting, message_id)


def test_a_smart_encoded_copy_is_found(waiting, sandbox) -> None:
    """The provider rewrote the curly quotes and the dash: the lookup still knows it."""
    sandbox.world.smart_encoding = True
    body = "We\u2019re on it \u2014 \u201cexpress\u201d shipping\u2026"
    message_id = _queue(waiting, body)
    sandbox.set_faults([LOST_POST])
    _sync(waiting, sandbox)
    _sync(waiting, sandbox, now=_later())
    _sync(waiting, sandbox, now=_later(1))
    assert _sent_to(sandbox, body) == 0
    assert _sent_to(sandbox, 'We\'re on it - "express" shipping...') == 1
    assert _settled(waiting, message_id)


# 2. Identical replies, one to one ---------------------------------------------------


def test_two_identical_replies_both_answers_lost_make_two_copies(waiting, sandbox) -> None:
    body = "Thanks!"
    first, second = _queue(waiting, body), _queue(waiting, body)
    sandbox.set_faults([{**LOST_POST, "count": 2}])
    _sync(waiting, sandbox)
    _sync(waiting, sandbox, now=_later())
    _sync(waiting, sandbox, now=_later(1))
    assert _sent_to(sandbox, body) == 2
    sids = {_settled(waiting, first), _settled(waiting, second)}
    assert len(sids) == 2 and None not in sids


def test_a_pulled_copy_settles_one_reply_of_two(waiting, sandbox) -> None:
    """Only the first of two identical replies reached the provider: the pull's copy
    settles one, and the other is sent after the grace (never both settled by one)."""
    body = "On it!"
    first, second = _queue(waiting, body), _queue(waiting, body)
    sandbox.set_faults(
        [LOST_POST, {"kind": "500", "count": 1, "path": "Messages.json", "method": "POST"}]
    )
    _sync(waiting, sandbox)
    assert _sent_to(sandbox, body) == 1
    _sync(waiting, sandbox)
    states = {_item(waiting, first).state, _item(waiting, second).state}
    assert states == {OutboxState.SENT.value, OutboxState.SENDING.value}
    _sync(waiting, sandbox, now=_later())
    _sync(waiting, sandbox, now=_later(1))
    assert _sent_to(sandbox, body) == 2
    assert _settled(waiting, first) != _settled(waiting, second)


# 3. Any 2xx means sent ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["invalid_json", "odd_answer"])
def test_a_2xx_that_does_not_parse_is_never_sent_again(waiting, sandbox, kind) -> None:
    body = f"Your refund is on its way ({kind})"
    message_id = _queue(waiting, body)
    sandbox.set_faults([{"kind": kind, "count": 1, "path": "Messages.json", "method": "POST"}])
    _sync(waiting, sandbox)
    for minutes in (0, 5, 60):
        _sync(waiting, sandbox, now=_later(minutes))
    assert _sent_to(sandbox, body) == 1
    assert _settled(waiting, message_id)


# 4. One sid for two sends ------------------------------------------------------------


def test_two_answers_with_one_sid_keep_both_replies(waiting, sandbox) -> None:
    first = _queue(waiting, "First answer")
    _sync(waiting, sandbox)
    second = _queue(waiting, "Second answer")
    sandbox.set_faults(
        [{"kind": "repeat_sid", "count": 1, "path": "Messages.json", "method": "POST"}]
    )
    report = _sync(waiting, sandbox)
    assert any("the id of another message" in e for e in report.errors), report.errors
    assert _settled(waiting, first) is not None
    assert _settled(waiting, second) is None  # sent, under no id of its own
    assert (_sent_to(sandbox, "First answer"), _sent_to(sandbox, "Second answer")) == (1, 1)
    assert _sync(waiting, sandbox).errors == []  # the sync goes on
    assert _sent_to(sandbox, "Second answer") == 1


# 5. A fetch that answers for another message -----------------------------------------


def test_a_fetch_answered_with_another_message_is_refused(waiting, sandbox) -> None:
    _queue(waiting, "Tracking: ZX123")
    _sync(waiting, sandbox)
    with waiting.read() as session:
        before = session.exec(select(func.count()).select_from(Message)).one()
        people = session.exec(select(func.count()).select_from(Profile)).one()
    sandbox.set_faults([{"kind": "other_message", "count": 50, "path": "/Messages/SM"}])
    report = _sync(waiting, sandbox)
    assert any("when asked for" in e for e in report.errors), report.errors
    with waiting.read() as session:
        assert session.exec(select(func.count()).select_from(Message)).one() == before
        assert session.exec(select(func.count()).select_from(Profile)).one() == people


# 6. No second auto-reply from a new store ---------------------------------------------


def _auto_reply_on(store: Store) -> None:
    with store.write() as session:
        owner = agents.identify(session, "olivia", now=utcnow())
        for key, value in [
            ("organization.prefix", "ACME"),
            ("organization.email", "help@acme.example"),
            ("auto_reply.enabled", True),
        ]:
            settings_mod.set_value(session, owner, key, value, now=utcnow())


def _auto_replies_at(sb: Sandbox, to: str) -> int:
    with twilio_for(sb) as twilio:
        return sum(
            1
            for page in twilio.list_pages(to=to)
            for m in page
            if m.direction == "outbound-api" and "ACME" in m.body
        )


def test_a_first_sync_of_an_account_another_store_answered_sends_no_auto_reply(
    store, sandbox, tmp_path
) -> None:
    _auto_reply_on(store)
    _sync(store, sandbox)
    new = "+14155550199"
    sandbox.inject_inbound(new, "hi, are you open today?")
    _sync(store, sandbox)
    _sync(store, sandbox)
    assert _auto_replies_at(sandbox, new) == 1  # the first store answered
    other = open_store(sqlite_url(tmp_path / "second.sqlite3"))
    try:
        _auto_reply_on(other)
        _sync(other, sandbox)  # its first sync: history
        _sync(other, sandbox)
        assert _auto_replies_at(sandbox, new) == 1
        # Back after a pause: the customer wrote again and the first store answered.
        sandbox.inject_inbound(new, "anyone?")
        _sync(store, sandbox)
        _sync(store, sandbox)
        _sync(other, sandbox)
        _sync(other, sandbox)
        assert _auto_replies_at(sandbox, new) == 1  # within the cooldown: none at all
    finally:
        other.close()


def test_a_business_text_pulled_within_the_cooldown_holds_the_auto_reply(store, sandbox) -> None:
    _auto_reply_on(store)
    _sync(store, sandbox)
    new = "+14155550198"
    sandbox.inject_inbound(new, "do you ship to Canada?")
    # Someone else (another tool, the console) answered before this store's next round.
    with twilio_for(sandbox) as twilio:
        twilio.create(new, "Thanks for your text! ACME will answer soon.")
    _sync(store, sandbox)
    _sync(store, sandbox)
    assert _auto_replies_at(sandbox, new) == 1
    with store.read() as session:
        profile = profiles.find(session, new, "US")
        queued = session.exec(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.profile_id == profile.id)
        ).one()
        assert queued == 0


# 7. The date filter on the wire -------------------------------------------------------


class _Recording(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[httpx.URL] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return super().handle_request(request)


def test_the_date_filter_is_an_iso_date_time_and_the_sandbox_checks_it(sandbox) -> None:
    wire = _Recording()
    c = sandbox.credentials
    with closing(
        TwilioClient(
        sandbox.base_url, c.account_sid, c.account_sid, c.auth_token,
        policy=fast_policy(), timeout=FAST, transport=wire,
        )
    ) as twilio:  # fmt: skip
        day = utcnow().date() - timedelta(days=2)
        listed = [m for page in twilio.list_pages(sent_on_or_after=day) for m in page]
    assert listed
    assert wire.urls[0].params["DateSent>"] == f"{day.isoformat()}T00:00:00Z"
    path = f"/2010-04-01/Accounts/{c.account_sid}/Messages.json"
    auth = (c.account_sid, c.auth_token)
    for value, status in [
        (day.isoformat(), 200),
        (f"{day.isoformat()}T00:00:00Z", 200),
        (f"{day.isoformat()}garbage", 400),
        ("yesterday", 400),
    ]:
        answer = httpx.get(sandbox.base_url + path, params={"DateSent>": value}, auth=auth)
        assert answer.status_code == status, (value, answer.text)


# The SIGKILL test, with replies in flight -----------------------------------------------

KILL_FAULTS = [
    [{"kind": "drop", "count": 2, "path": "Messages.json", "method": "POST"}],
    [{"kind": "500", "count": 1, "path": "Messages.json", "method": "POST"}],
    [{"kind": "slow", "count": 3, "delay": 1.5, "path": "Messages.json", "method": "POST"}],
    [{"kind": "500", "count": 5, "path": "Messages.json", "method": "GET"}],
    [{"kind": "invalid_json", "count": 6, "path": "Messages.json", "query": "To=+"}],
    [{"kind": "lag", "count": 50, "delay": 20, "path": "Messages.json"}],
    [{"kind": "invalid_json", "count": 1, "path": "Messages.json", "method": "POST"}],
    [],
]
"""Per round of the kill loop: lost answers, failed sends, failed and lagging lookups."""


def test_killing_sync_with_replies_in_flight_never_sends_twice_or_loses_one(
    db_path, store, sandbox
) -> None:
    """SIGKILL a real `convo sync --once` at random moments while replies (many of the
    same text) go out under the faults above; then let rounds finish. Every reply is at
    the provider exactly once."""
    import os
    import random

    customers = ["+14155550123", "+12065550147", "+13125550142"]
    _sync(store, sandbox)
    for phone in customers:
        sandbox.inject_inbound(phone, "hello, a question about my order")
    _sync(store, sandbox)
    _set_delay(store, 0)
    rng = random.Random(14)
    queued: list[tuple[str, str]] = []
    env = {**os.environ, **env_for(sandbox)}
    kills = 30
    for round_ in range(kills):
        for _ in range(rng.choice([0, 1, 2])):
            phone = rng.choice(customers)
            body = rng.choice(["Thanks!", "On it!", f"Update {round_ % 4}"])
            with store.write() as session:
                from convo_tui.core import replies

                ana = agents.identify(session, "ana", now=utcnow())
                profile = profiles.find(session, phone, "US")
                replies.queue_reply(
                    session, ana, profile, body, settings=settings_mod.load(session), now=utcnow()
                )
            queued.append((phone, body))
        faults = rng.choice(KILL_FAULTS)
        sandbox.set_faults([*faults, {"kind": "slow", "delay": 0.05, "count": 100000}])
        kill_a_sync(db_path, env, rng, 0.2, 2.0)
    sandbox.set_faults([])
    for minutes in (0, 1, 2, 3):
        _sync(store, sandbox, now=_later(minutes))
    with store.read() as session:
        states = session.exec(select(OutboxItem.state)).all()
    assert set(states) == {OutboxState.SENT.value}, states
    expected: dict[tuple[str, str], int] = {}
    for key in queued:
        expected[key] = expected.get(key, 0) + 1
    with twilio_for(sandbox) as twilio:
        at_provider: dict[tuple[str, str], int] = {}
        for page in twilio.list_pages(page_size=1000):
            for m in page:
                if m.direction == "outbound-api" and (m.to_number, m.body) in expected:
                    at_provider[m.to_number, m.body] = at_provider.get((m.to_number, m.body), 0) + 1
    assert at_provider == expected  # none twice, none lost
    assert len(queued) >= 20


def test_outbox_list_says_which_replies_are_in_doubt(db_path, waiting, sandbox) -> None:
    message_id = _queue(waiting, "Checking on it now")
    sandbox.set_faults([LOST_POST])
    _sync(waiting, sandbox)
    listed = run_process("outbox", "list", "--json", "--db", db_path, "--agent", "ana")
    (row,) = [r for r in listed.json() if r["id"] == message_id]
    assert row["in_doubt"] is True and row["state"] == "sending"
    table = run_process("outbox", "list", "--db", db_path, "--agent", "ana")
    assert "in doubt" in table.out
