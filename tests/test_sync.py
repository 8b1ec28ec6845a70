"""The sync engine against the sandbox over real HTTP: every stream, every fault,
kills at random moments, and replies that are never sent twice."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, func, select

from convo_tui.core import agents, profiles, replies
from convo_tui.core import settings as settings_mod
from convo_tui.sandbox import Sandbox
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.models import (
    ActivityEvent,
    Conversation,
    Message,
    Notification,
    OutboxItem,
    Profile,
    ShopOrder,
)
from convo_tui.store.open import open_store
from convo_tui.sync.doubt import GRACE
from convo_tui.sync.engine import SyncReport

from .cli_helpers import ctrl_c_stops_it, run_process
from .sync_helpers import clients, config_for, engine_for, env_for, fast_policy, kill_a_sync

MARIA, LUCAS, KENJI, SPAM = "+14155550123", "+5511912345678", "+819012345678", "+12125550199"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False).start()
    yield sb
    sb.stop()


def provider_sids(sb: Sandbox) -> set[str]:
    twilio, klaviyo = clients(sb)
    try:
        return {m.sid for page in twilio.list_pages(page_size=1000) for m in page}
    finally:
        twilio.close()
        klaviyo.close()


def stored_sids(store: Store) -> list[str]:
    with store.read() as session:
        return [
            sid
            for sid in session.exec(
                select(Message.provider_sid).where(col(Message.provider_sid).is_not(None))
            )
            if sid
        ]


def sync_once(store: Store, sb: Sandbox, *, now: datetime | None = None) -> SyncReport:
    with engine_for(store, sb) as engine:
        if now is not None:
            engine.now = lambda: now
        return engine.run_once()


def test_first_sync_fills_an_empty_store_with_the_demo(store, sandbox) -> None:
    report = sync_once(store, sandbox)
    assert report.errors == []
    sids = stored_sids(store)
    assert len(sids) == len(set(sids)) == len(provider_sids(sandbox))
    with store.read() as session:
        maria = profiles.find(session, MARIA, "US")
        assert maria.first_name == "Maria" and maria.timezone == "America/Los_Angeles"
        conversation = profiles.conversation_of(session, maria)
        assert conversation is not None and conversation.unread
        source = session.exec(
            select(Message.attributed_source_id).where(
                Message.profile_id == maria.id, Message.direction == "inbound"
            )
        ).first()
        assert source is not None  # the Black Friday text was labelled from its event
        assert profiles.find(session, LUCAS, "US").sms_consent == "UNSUBSCRIBED"
        assert profiles.conversation_of(session, profiles.find(session, LUCAS, "US")) is None
        assert session.exec(select(func.count()).select_from(ShopOrder)).one() >= 50
        assert session.exec(select(func.count()).select_from(Profile)).one() >= 200
        assert session.exec(select(func.count()).select_from(Conversation)).one() >= 60
        assert session.exec(select(func.count()).select_from(ActivityEvent)).one() >= 500


def test_second_sync_changes_nothing_and_new_texts_arrive(store, sandbox) -> None:
    sync_once(store, sandbox)
    before = sorted(stored_sids(store))
    again = sync_once(store, sandbox)
    assert again.messages == 0
    assert sorted(stored_sids(store)) == before
    sid = sandbox.inject_inbound("+14155550123", "Any news on my boots?")
    report = sync_once(store, sandbox)
    assert report.messages == 1
    with store.read() as session:
        message = session.exec(select(Message).where(Message.provider_sid == sid)).one()
        assert message.body == "Any news on my boots?"


FAULTS = [
    {"kind": "429", "count": 3},
    {"kind": "429", "count": 2, "retry_after": 0},
    {"kind": "500", "count": 2},
    {"kind": "503", "count": 2},
    {"kind": "slow", "delay": 3, "count": 1},
    {"kind": "drop", "count": 2},
    {"kind": "truncate", "count": 2},
    {"kind": "invalid_json", "count": 2},
    {"kind": "duplicate", "count": 3},
    {"kind": "shift", "count": 3},
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f["kind"] + str(f.get("retry_after", "")))
@pytest.mark.parametrize("path", ["Messages.json", "/api/"])
def test_every_fault_ends_with_each_message_once(store, sandbox, fault, path) -> None:
    sandbox.set_faults([{**fault, "path": path}])
    first = sync_once(store, sandbox)
    sids = stored_sids(store)
    assert len(sids) == len(set(sids))
    if fault["kind"] in ("429", "duplicate") or path == "/api/":
        assert first.errors == []  # retried within the round
    # The next round finishes the job: what failed is read again, and texts that
    # arrived at the top of the list while it was paged (shift) are picked up.
    report = sync_once(store, sandbox)
    assert report.errors == []
    sids = stored_sids(store)
    assert len(sids) == len(set(sids))
    assert set(sids) == provider_sids(sandbox)


def _queue_reply(store: Store, phone: str, body: str) -> int:
    with store.write() as session:
        agent = agents.identify(session, "ana", now=_now())
        profile = profiles.find(session, phone, "US")
        # No send delay: these tests are about the push (the delay: test_outbox_sync.py).
        settings = replace(settings_mod.load(session), replies_send_delay=0)
        message = replies.queue_reply(session, agent, profile, body, settings=settings, now=_now())
        return message.id or 0


def _now():  # the store's clock for queued items: the real one, like the sandbox's
    from convo_tui.clock import utcnow

    return utcnow()


def _sent_to(sb: Sandbox, phone: str, body: str) -> int:
    twilio, klaviyo = clients(sb)
    try:
        return sum(
            1
            for page in twilio.list_pages(to=phone)
            for m in page
            if m.body == body and m.direction == "outbound-api"
        )
    finally:
        twilio.close()
        klaviyo.close()


@pytest.mark.parametrize("kind", ["drop", "500", "503", "slow"])
def test_a_lost_answer_to_a_send_never_sends_twice(store, sandbox, kind) -> None:
    sync_once(store, sandbox)
    _queue_reply(store, MARIA, f"Yes, size 38 in black is in stock ({kind})")
    sandbox.set_faults(
        [{"kind": kind, "path": "Messages.json", "method": "POST", "count": 1, "delay": 3}]
    )
    body = f"Yes, size 38 in black is in stock ({kind})"
    sync_once(store, sandbox)
    sync_once(store, sandbox)
    # Not found right after a lost answer is no proof: nothing is sent again yet.
    assert _sent_to(sandbox, MARIA, body) == (0 if kind in ("500", "503") else 1)
    sync_once(store, sandbox, now=_now() + GRACE + timedelta(seconds=1))
    sync_once(store, sandbox, now=_now() + GRACE + timedelta(seconds=2))
    assert _sent_to(sandbox, MARIA, body) == 1
    with store.read() as session:
        item = session.exec(select(OutboxItem).order_by(col(OutboxItem.id).desc())).first()
        assert item is not None and item.state == "sent"


def test_a_crash_after_marking_sending_is_reconciled_not_resent(store, sandbox) -> None:
    sync_once(store, sandbox)
    message_id = _queue_reply(store, MARIA, "Reconcile me")
    twilio, klaviyo = clients(sandbox)
    # The process sent the text, then died before recording the answer.
    with store.write() as session:
        item = session.exec(select(OutboxItem).where(OutboxItem.message_id == message_id)).one()
        item.state = "sending"
        item.updated_at = _now()
    twilio.create(MARIA, "Reconcile me")
    twilio.close()
    klaviyo.close()
    report = sync_once(store, sandbox)
    assert report.reconciled == 1
    assert _sent_to(sandbox, MARIA, "Reconcile me") == 1
    # Died before sending at all: it is sent exactly once.
    message_id = _queue_reply(store, MARIA, "Never left")
    with store.write() as session:
        item = session.exec(select(OutboxItem).where(OutboxItem.message_id == message_id)).one()
        item.state = "sending"
        item.updated_at = _now()
    sync_once(store, sandbox)
    assert _sent_to(sandbox, MARIA, "Never left") == 0  # in doubt while its grace runs
    later = _now() + GRACE + timedelta(seconds=1)
    sync_once(store, sandbox, now=later)
    sync_once(store, sandbox, now=later)
    assert _sent_to(sandbox, MARIA, "Never left") == 1


def test_opted_out_recipient_fails_with_the_reason_and_is_marked(store, sandbox) -> None:
    from convo_tui.sync.push import push

    sync_once(store, sandbox)
    _queue_reply(store, MARIA, "Before the STOP")
    sandbox.inject_inbound(MARIA, "STOP")  # the provider knows; convo has not synced it yet
    twilio, klaviyo = clients(sandbox)
    try:
        result = push(store, twilio, now=_now())  # the outbox alone: Twilio answers 21610
    finally:
        twilio.close()
        klaviyo.close()
    assert result.failed == 1 and result.sent == 0
    with store.read() as session:
        item = session.exec(select(OutboxItem).order_by(col(OutboxItem.id).desc())).first()
        assert item is not None and item.state == "failed"
        assert "opted out" in (item.last_error or "")
        assert profiles.find(session, MARIA, "US").sms_consent == "UNSUBSCRIBED"
    assert _sent_to(sandbox, MARIA, "Before the STOP") == 0


def test_replies_wait_for_the_rules_at_send_time(store, sandbox) -> None:
    sync_once(store, sandbox)
    _queue_reply(store, MARIA, "Queued before the STOP")
    sandbox.inject_inbound(MARIA, "STOP")
    sync_once(store, sandbox)  # pulls the STOP before pushing the outbox
    assert _sent_to(sandbox, MARIA, "Queued before the STOP") == 0
    with store.read() as session:
        item = session.exec(select(OutboxItem).order_by(col(OutboxItem.id).desc())).first()
        assert (
            item is not None and item.state == "failed" and "opted out" in (item.last_error or "")
        )


def test_a_per_se_opt_out_twilio_lets_through_stops_the_queued_reply(store, sandbox) -> None:
    """Twilio blocks only the bare keyword: after "Stop please 🛑" it would still deliver,
    so convo's own rule is what keeps the queued reply from going out."""
    sync_once(store, sandbox)
    _queue_reply(store, MARIA, "Queued before the polite stop")
    sandbox.inject_inbound(MARIA, "Stop please 🛑")
    sync_once(store, sandbox)
    assert MARIA not in sandbox.world.opted_out  # the provider's filter did not act
    assert _sent_to(sandbox, MARIA, "Queued before the polite stop") == 0
    with store.read() as session:
        assert profiles.find(session, MARIA, "US").sms_consent == "UNSUBSCRIBED"
        item = session.exec(select(OutboxItem).order_by(col(OutboxItem.id).desc())).first()
        assert item is not None and item.state == "failed", item


def test_scheduled_replies_are_released_when_due(store, sandbox) -> None:
    sync_once(store, sandbox)
    with store.write() as session:
        agent = agents.identify(session, "ana", now=_now())
        profile = profiles.find(session, MARIA, "US")
        replies.queue_reply(
            session,
            agent,
            profile,
            "Tomorrow morning",
            settings=settings_mod.load(session),
            send_at=_now() + timedelta(hours=10),
            now=_now(),
        )
    sync_once(store, sandbox)
    assert _sent_to(sandbox, MARIA, "Tomorrow morning") == 0
    with engine_for(store, sandbox) as engine:
        engine.now = lambda: _now() + timedelta(hours=10, minutes=1)
        engine.run_once()
    assert _sent_to(sandbox, MARIA, "Tomorrow morning") == 1


def test_only_one_sync_per_store_and_a_killed_one_frees_the_lock(db_path, store, sandbox) -> None:
    from convo_tui.sync.lock import SyncBusy, SyncLock

    store = open_store(sqlite_url(db_path))
    with SyncLock(store), pytest.raises(SyncBusy, match="another sync"), SyncLock(store):
        pass
    env = env_for(sandbox)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from convo_tui.store.engine import sqlite_url;"
            "from convo_tui.store.open import open_store;"
            "from convo_tui.sync.lock import SyncLock;"
            f"s = open_store(sqlite_url({str(db_path)!r}));"
            "l = SyncLock(s).__enter__(); print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    busy = run_process("sync", "--once", "--db", db_path, env=env)
    busy.assert_one_line_error("another sync", "is running")
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with SyncLock(store):
        pass  # the dead holder's lock is gone
    store.close()


def test_killing_sync_at_random_moments_never_loses_or_doubles(db_path, store, sandbox) -> None:
    """SIGKILL a real `convo sync --once` many times, then let one finish."""
    env = env_for(sandbox)
    rng = random.Random(7)
    sandbox.set_faults([{"kind": "slow", "delay": 0.05, "count": 100000}])  # widen the windows
    for _ in range(12):
        kill_a_sync(db_path, {**os.environ, **env}, rng, 0.3, 2.5)
    sandbox.set_faults([])
    final = run_process("sync", "--once", "--db", db_path, env=env, timeout=120)
    assert final.code == 0, final.err
    store = open_store(sqlite_url(db_path))
    sids = stored_sids(store)
    store.close()
    assert len(sids) == len(set(sids))
    assert set(sids) == provider_sids(sandbox)


def test_sync_cli_once_and_bad_config(db_path, store, sandbox, tmp_path) -> None:
    env = env_for(sandbox)
    result = run_process("sync", "--once", "--db", db_path, env=env, timeout=120)
    assert result.code == 0, result.err
    assert "new messages" in result.out
    missing = run_process("sync", "--once", "--db", db_path)
    missing.assert_one_line_error("Twilio is not configured", "convo sandbox serve")
    wrong = run_process(
        "sync",
        "--once",
        "--db",
        db_path,
        env={**env, "CONVO_TWILIO_AUTH_TOKEN": "wrong-token"},
    )
    assert wrong.code != 0 and "401" in wrong.err and "wrong-token" not in wrong.err
    dead = run_process(
        "sync",
        "--once",
        "--db",
        db_path,
        env={**env, "CONVO_TWILIO_BASE_URL": "http://127.0.0.1:9", "CONVO_KLAVIYO_API_KEY": ""},
        timeout=120,
    )
    assert dead.code != 0 and "cannot connect" in dead.err
    run_process("sync", "--db", db_path, env=env).assert_one_line_error("--once or --follow")


def test_doctor(db_path, store, sandbox, tmp_path) -> None:
    env = env_for(sandbox)
    good = run_process("doctor", "--db", db_path, env=env)
    assert good.code == 0, good.out + good.err
    assert good.out.count("✓") == 7  # config, store, agent, auto-reply, twilio, klaviyo, smtp
    assert sandbox.credentials.auth_token not in good.out
    bad = run_process(
        "doctor", "--db", db_path, env={**env, "CONVO_TWILIO_BASE_URL": "http://127.0.0.1:9"}
    )
    assert bad.code != 0
    (line,) = [line for line in bad.out.splitlines() if line.startswith("✗")]
    assert "twilio" in line and "cannot connect" in line


def test_a_silent_smtp_server_never_holds_up_sync(store, sandbox) -> None:
    """Email goes out on its own thread: a server that accepts and never answers
    leaves the sync round free to finish."""
    from convo_tui.core.email_notify import EmailNotifier
    from convo_tui.providers.smtp import SmtpTransport
    from convo_tui.sync.runner import Mailer, sync_engine

    with store.write() as session:
        admin = agents.identify(session, "ana", now=_now())
        settings_mod.set_value(session, admin, "notifications.email", True, now=_now())
        settings_mod.set_value(
            session, admin, "notifications.email_addresses", ["team@acme.example"], now=_now()
        )
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # never accepts, never greets
    config = config_for(sandbox, silent.getsockname()[1])
    notifier = EmailNotifier(store, SmtpTransport(config.smtp, timeout=30), burst=timedelta(0))
    mailer = Mailer(notifier)
    with sync_engine(store, config, policy=fast_policy(), mailer=mailer) as engine:
        engine.run_once()
        sandbox.inject_inbound(MARIA, "Hello? Anyone?")
        report = engine.run_once()
        assert report.messages == 1 and report.errors == []
        time.sleep(0.5)
        assert mailer.busy  # the email is still waiting for the server's greeting
        silent.close()  # the server goes away: the mailer gives up, the email stays pending
    with store.read() as session:
        pending = session.exec(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.emailed_at).is_(None))
        ).one()
        assert pending >= 1


def test_sync_follow_shows_progress_and_stops_on_ctrl_c(db_path, store, sandbox) -> None:
    env = env_for(sandbox)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "convo_tui",
            "sync",
            "--follow",
            "--interval",
            "1",
            "--db",
            str(db_path),
        ],
        env={**os.environ, **env, "COLUMNS": "120"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_stops_it,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        with open_store(sqlite_url(db_path)).read() as session:
            if session.exec(select(func.count()).select_from(Message)).one() > 800:
                break
    sandbox.inject_inbound(MARIA, "Following along")
    deadline = time.monotonic() + 60  # a later round brings it in (slow under load)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        with open_store(sqlite_url(db_path)).read() as session:
            if session.exec(select(Message).where(Message.body == "Following along")).first():
                break
    time.sleep(1.5)  # let the table show that round
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "convo sync --follow" in out and "messages" in out
    assert "Stopped after" in out and "Traceback" not in err
    store = open_store(sqlite_url(db_path))
    with store.read() as session:
        assert session.exec(select(Message).where(Message.body == "Following along")).first()
    store.close()


@pytest.mark.parametrize("path", ["Messages.json", "/api/events"])
def test_a_next_link_that_leaves_the_base_url_is_not_followed(store, sandbox, path) -> None:
    sandbox.set_faults([{"kind": "foreign_link", "path": path, "count": 1, "page_size": 50}])
    before = sandbox.requests
    report = sync_once(store, sandbox)
    assert any("outside its base URL" in error for error in report.errors)
    assert sandbox.requests > before  # the round went on with the other streams
    sandbox.set_faults([])
    assert sync_once(store, sandbox).errors == []


def test_a_message_the_provider_no_longer_has_is_not_an_error(store, sandbox) -> None:
    from convo_tui.core.outbound import record_outbound
    from convo_tui.core.texts import OutboundText
    from convo_tui.store.kinds import SourceKind

    sync_once(store, sandbox)
    gone = "SM" + "0" * 32
    with store.write() as session:
        record_outbound(
            session,
            OutboundText(
                provider_sid=gone,
                to_number=MARIA,
                from_number="+14155550100",
                body="Deleted at the provider",
                sent_at=_now(),
                source_kind=SourceKind.BUSINESS,
                source_name="",
                status="sent",
            ),
            now=_now(),
        )
    with engine_for(store, sandbox) as engine:
        assert engine.run_once().errors == []
        assert gone in engine._gone  # asked once, then left alone
        assert engine.run_once().errors == []


def test_background_sync_for_the_ui_reports_news_and_steps_aside(store, sandbox) -> None:
    """What the terminal UI runs: rounds on a thread, a status for the status line,
    a wake-up after a reply is queued, and no second sync on a store that has one."""
    import threading

    from convo_tui.sync.lock import SyncLock
    from convo_tui.sync.runner import BackgroundSync

    news = threading.Event()
    config = config_for(sandbox, 9)
    background = BackgroundSync(
        store, config, interval=3600, policy=fast_policy(), on_news=news.set
    ).start()
    try:
        assert news.wait(60)  # the first round brought the history in
        deadline = time.monotonic() + 30
        while background.status().state != "idle" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert background.status().state == "idle" and background.status().last_sync
        news.clear()
        sandbox.inject_inbound(MARIA, "Woken up?")
        background.wake()  # does not wait out the hour
        assert news.wait(30)
        with store.read() as session:
            assert session.exec(select(Message).where(Message.body == "Woken up?")).first()
    finally:
        background.stop()
    from convo_tui.sync.lock import Holder

    with SyncLock(store, Holder.me("service")):  # a team's `convo sync --follow` holds it
        other = BackgroundSync(store, config, interval=3600).start()
        deadline = time.monotonic() + 10
        while other.status().state != "elsewhere" and time.monotonic() < deadline:
            time.sleep(0.05)
        other.stop()
        assert other.status().state == "elsewhere", other.status()
        assert other.status().describe(_now()) == "sync service"


def test_background_sync_tells_the_ui_when_texts_are_stored_not_when_the_round_ends(
    store, sandbox
) -> None:
    """A new customer text reaches the screen before the round's later steps (deliveries,
    the outbox) have run: the reply queued before the round is still unsent at the news."""
    import threading

    from convo_tui.sync.runner import BackgroundSync

    first_round, armed = threading.Event(), threading.Event()
    seen: list[str] = []

    def on_news() -> None:
        first_round.set()
        if not armed.is_set():
            return
        with store.read() as session:
            text = session.exec(select(Message).where(Message.body == "Still there?")).first()
            item = session.exec(select(OutboxItem).order_by(col(OutboxItem.id).desc())).first()
            assert text is not None and item is not None
            seen.append(item.state)

    background = BackgroundSync(
        store, config_for(sandbox, 9), interval=3600, policy=fast_policy(), on_news=on_news
    ).start()
    try:
        assert first_round.wait(60)
        deadline = time.monotonic() + 30
        while background.status().state != "idle" and time.monotonic() < deadline:
            time.sleep(0.05)
        _queue_reply(store, MARIA, "Yes, here")
        sandbox.inject_inbound(MARIA, "Still there?")
        armed.set()
        background.wake()
        deadline = time.monotonic() + 30
        while (not seen or seen[-1] == "queued") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        background.stop()
    assert seen[0] == "queued", seen  # told after the messages step, before the outbox
    assert seen[-1] != "queued", seen  # and told again once the outbox sent it
