"""A reply scheduled from the terminal UI (quiet hours, `w`) shows as scheduled in the row
and the thread, and leaves the customer waiting (Pilot on the demo store)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .conftest import NOW
from .tui_helpers import (
    DANA,
    MARIA,
    conversation_of,
    make_app,
    open_conversation,
    plain,
    settle,
    started,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_scheduled_reply_is_shown_as_scheduled_and_not_as_an_answer(demo_store) -> None:
    before = conversation_of(demo_store, MARIA)
    assert before.waiting_since is not None
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)  # Los Angeles: 07:00, quiet hours
        await pilot.press("r", *"Your label is on its way", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "QuietHoursModal"
        await pilot.press("w")
        await settle(pilot)
        app.poll_now()
        await settle(pilot)
        after = conversation_of(demo_store, MARIA)
        assert after.waiting_since == before.waiting_since
        assert after.last_message_at == before.last_message_at
        assert screen.view is not None
        thread = screen.thread.plain
        assert "Your label is on its way" in thread
        assert "scheduled for Tue 08:00 their time" in thread, thread
        assert "waiting" in thread.splitlines()[0]  # the header still counts the wait
        text = plain(app)
        rows = text.splitlines()
        # The list's cursor row (the thread's own lines start with its left border).
        (name_line,) = [i for i, line in enumerate(rows) if line.startswith("▌  Maria Silva")]
        preview = rows[name_line + 1][:36]  # the list's column
        assert "◷" in preview, preview  # a reply is scheduled
        assert "→ Your label" not in preview  # and it is not shown as sent
        assert "⧗" in preview, preview  # the customer is still waiting


async def test_a_reply_held_for_the_send_delay_shows_as_pending_to_everyone(demo_store) -> None:
    """Sent from the composer, the reply waits the send delay (10 s): the thread says
    when it goes out, and another agent's row shows an answer in progress, the customer
    still waiting (no sync runs here: the clock is fixed)."""
    before = conversation_of(demo_store, DANA)
    assert before.waiting_since is not None
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, DANA)  # Chicago, 09:00 there: no quiet hours
        await pilot.press("r", *"Your order ships today", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ != "QuietHoursModal"
        sends_at = (NOW + timedelta(seconds=10)).astimezone(screen.zone)
        thread = screen.thread.plain
        assert "Your order ships today" in thread
        assert f"pending · sends at {sends_at:%H:%M:%S}" in thread, thread
    after = conversation_of(demo_store, DANA)
    assert after.waiting_since == before.waiting_since
    assert after.reply_pending_at == NOW + timedelta(seconds=10)
    other = make_app(demo_store, login="ben")
    async with other.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        rows = plain(other).splitlines()
        (name_line,) = [i for i, line in enumerate(rows) if "Dana Brooks" in line[:36]]
        preview = rows[name_line + 1][:36]
        assert "✎ replying" in preview, preview
        assert "→ Your order" not in preview
