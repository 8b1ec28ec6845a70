"""What goes out is clean: control characters and escape sequences typed or pasted into a
reply never reach the customer, and the agent is told in one line what was taken out.

The composer driven with Pilot and `convo reply` run as a child process; what the
provider received is read back from the sandbox over HTTP after a real sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from convo_tui.app import ConvoApp
from convo_tui.clock import utcnow
from convo_tui.core import agents, controls
from convo_tui.core import settings as settings_mod
from convo_tui.sandbox import Sandbox
from convo_tui.session.desk import Desk
from convo_tui.store.engine import Store
from convo_tui.store.models import Message

from .cli_helpers import run_process
from .sync_helpers import clients, engine_for, env_for
from .tui_helpers import notifications, open_conversation, paste, settle, started

MARIA = "+14155550123"  # Los Angeles
AFTERNOON = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # 13:00 there: no quiet hours
PASTED = "Your \x1b[1;31mlabel\x1b[0m is\x00 on its way\x9b2J\x07\x1b]0;pwned\x07!"
CLEAN = "Your label is on its way!"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False).start()
    yield sb
    sb.stop()


def _sync(store: Store, sb: Sandbox, *, now: datetime | None = None) -> None:
    with engine_for(store, sb) as engine:
        if now is not None:
            engine.now = lambda: now
        engine.run_once()


@pytest.fixture
def asking(store: Store, sandbox: Sandbox) -> Store:
    """Maria's history synced and a new question from her; replies go out at once."""
    _sync(store, sandbox)
    sandbox.inject_inbound(MARIA, "Where is my order?")
    _sync(store, sandbox)
    with store.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        settings_mod.set_value(session, ana, "replies.send_delay", 0, now=utcnow())
    return store


def _received(sb: Sandbox) -> list[str]:
    """The bodies of the texts the provider sent to Maria (over HTTP, as the sync reads)."""
    twilio, klaviyo = clients(sb)
    try:
        return [
            m.body
            for page in twilio.list_pages(to=MARIA)
            for m in page
            if m.direction == "outbound-api"
        ]
    finally:
        twilio.close()
        klaviyo.close()


def test_clean_takes_out_every_control_but_newline() -> None:
    cleaned = controls.clean(PASTED + "\r\nsecond\tline\x7f\x85")
    assert cleaned.text == CLEAN + "\nsecond line"
    # Four sequences (ESC [ twice, CSI as C1, OSC) whole; NUL, BEL, DEL, NEL alone.
    assert cleaned.notice() == (
        "removed 4 escape sequences and 4 control characters "
        "(ESC, U+009B, NUL, BEL, DEL, U+0085) from the reply; 1 tab sent as space"
    )
    assert controls.clean("all plain\nhere").notice() is None


def test_convo_reply_sends_the_text_without_controls(asking, sandbox, db_path: Path) -> None:
    text = PASTED.replace("\x00", "")  # a NUL cannot be passed in an argument
    result = run_process("reply", MARIA, text, "--db", db_path, "--anyway", "--agent", "ana")
    assert result.code == 0, result.err
    assert (
        "removed 4 escape sequences and 1 control character (ESC, U+009B, BEL) from the reply"
        in result.err.splitlines()
    ), result.err
    assert "25 characters" in result.out  # the cost is the clean text's
    sync = run_process("sync", "--once", "--db", db_path, env=env_for(sandbox))
    assert sync.code == 0, sync.err
    assert CLEAN in _received(sandbox)
    assert not any("\x1b" in body or "\x9b" in body for body in _received(sandbox))


def _outbound(store: Store) -> int:
    with store.read() as session:
        return len(session.exec(select(Message).where(Message.direction == "outbound")).all())


def test_convo_reply_refuses_a_reply_of_controls_only(asking, db_path: Path) -> None:
    before = _outbound(asking)
    result = run_process(
        "reply", MARIA, "\x1b[31m\x1b[0m\x07", "--db", db_path, "--anyway", "--agent", "ana"
    )
    result.assert_one_line_error("nothing but control characters (ESC, BEL)")
    assert _outbound(asking) == before


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_composer_sends_a_pasted_reply_without_its_escapes(asking, sandbox) -> None:
    app = ConvoApp(Desk(asking, "ana", now=lambda: AFTERNOON), poll_seconds=3600.0)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("r", *"Hi! ")
        area = screen.composer.body
        paste(app, PASTED)
        await settle(pilot)
        # Taken out as it is pasted (drawn, it would drive the agent's own terminal),
        # and the agent is told what went.
        assert area.text == "Hi! " + CLEAN
        notes = notifications(app)
        assert (
            "Removed 4 escape sequences and 2 control characters (ESC, U+009B, NUL, BEL) "
            "from the reply" in notes
        ), notes
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ != "QuietHoursModal"
        assert "Hi! " + CLEAN in screen.thread.plain
    _sync(asking, sandbox, now=AFTERNOON + timedelta(minutes=1))
    assert "Hi! " + CLEAN in _received(sandbox)
    assert not any("\x1b" in body or "\x00" in body for body in _received(sandbox))


@pytest.mark.anyio
async def test_composer_refuses_a_reply_of_controls_only(asking) -> None:
    before = _outbound(asking)
    app = ConvoApp(Desk(asking, "ana", now=lambda: AFTERNOON), poll_seconds=3600.0)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("r")
        paste(app, "\x1b[2J\x1b[H\x00")
        await settle(pilot)
        assert screen.composer.body.text == ""
        await pilot.press("enter")
        await settle(pilot)
        notes = notifications(app)
        assert any("escape sequences and 1 control character (ESC, NUL)" in n for n in notes), notes
    assert _outbound(asking) == before
