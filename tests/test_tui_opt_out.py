"""A possible opt-out in the terminal UI, as an agent meets it: the row and the status line
stand out, the thread says replies wait, `d` opens the decision, and either answer lands
in the store, audited (Pilot on the demo store)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from convo_tui.store.models import AuditEntry, OutboxItem

from .tui_helpers import (
    DANA,
    MARIA,
    Checkbox,
    conversation_of,
    customer_texts,
    make_app,
    notifications,
    open_conversation,
    plain,
    profile_of,
    settle,
    started,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _audit(store, action: str) -> list[str]:
    with store.read() as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [str(r.detail) for r in rows]


def _row_lines(app, name: str) -> list[str]:
    return [line for line in plain(app).splitlines() if name in line]


async def test_not_an_opt_out_needs_a_reason_and_then_lets_replies_go(demo_store) -> None:
    customer_texts(demo_store, MARIA, "please stop texting me so much, one a week is fine", "SMf1")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        inbox = await started(pilot)
        screen = plain(app)
        assert "⚑ 1 possible opt-out (oldest now)" in screen.splitlines()[0], screen
        # The row carries the flag (in a 36-column list, the flag alone).
        assert [line for line in _row_lines(app, "Maria") if "⚑" in line], screen
        await open_conversation(pilot, MARIA, back_to_list=False)
        thread = inbox.thread.plain
        assert "⚑ possible opt-out" in thread and "d to decide" in thread, thread
        # The reply box says why it waits, and typing does not send.
        assert inbox.view is not None and inbox.view.refusal is not None
        assert "asked to stop" in inbox.view.refusal.message
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert type(app.screen).__name__ == "OptOutModal"
        text = plain(app)
        assert "please stop texting me so much" in text and "stop texting" in text, text
        await pilot.press("enter")  # no reason yet: asked for one, nothing decided
        await settle(pilot)
        assert type(app.screen).__name__ == "OptOutModal"
        assert "Say why it is not an opt-out first" in plain(app)
        # Every letter goes into the reason: "y" and "n" decide nothing (a "y" once
        # opted a customer out, and the rest of the reason reached the inbox's keys).
        await pilot.press(*"yes only fewer texts, not none")
        await settle(pilot)
        assert type(app.screen).__name__ == "OptOutModal"
        assert "Say why" not in plain(app)  # the error went as typing began
        assert profile_of(demo_store, MARIA).sms_consent == "SUBSCRIBED"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "InboxScreen"
        assert any("not an opt-out" in n for n in notifications(app)), notifications(app)
        await settle(pilot)
        assert "possible opt-out" not in plain(app).splitlines()[0]
        assert not [line for line in _row_lines(app, "Maria") if "⚑" in line]
    assert conversation_of(demo_store, MARIA).possible_opt_out_at is None
    assert profile_of(demo_store, MARIA).sms_consent == "SUBSCRIBED"
    assert [d for d in _audit(demo_store, "opt_out.resolved") if "yes only fewer texts" in d]


async def test_opt_out_from_the_thread_stops_the_held_reply(demo_store) -> None:
    """The agent answered, then the customer's next text read as a request to stop: the
    reply waits; deciding "opt out" from the thread fails it and queues the one
    confirmation."""
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, DANA)
        await pilot.press("r", *"Your order ships today", "enter")
        await settle(pilot)
        customer_texts(demo_store, DANA, "no more texts please", "SMf2")
        app.poll_now()
        await settle(pilot)
        assert "⚑ 1 possible opt-out" in plain(app).splitlines()[0]
        await open_conversation(pilot, DANA, back_to_list=False)
        assert "waits for the opt-out decision" in screen.thread.plain
        screen.thread.focus()
        await pilot.press("d")  # from the thread too, as its header says
        await settle(pilot)
        assert type(app.screen).__name__ == "OptOutModal"
        await pilot.press("escape")  # not now: nothing decided
        await settle(pilot)
        assert type(app.screen).__name__ == "InboxScreen"
        assert conversation_of(demo_store, DANA).possible_opt_out_at is not None
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d", "ctrl+o")
        await settle(pilot)
        assert type(app.screen).__name__ == "InboxScreen"
        assert any("opted out" in n for n in notifications(app)), notifications(app)
    profile = profile_of(demo_store, DANA)
    assert profile.sms_consent == "UNSUBSCRIBED"
    after = conversation_of(demo_store, DANA)  # nothing left to answer: closed and read
    assert (after.status, after.unread, after.possible_opt_out_at) == ("closed", False, None)
    assert profile.klaviyo_opt_out_pending_at is not None
    with demo_store.read() as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.profile_id == profile.id)).all()
        states = sorted(("agent" if i.agent_id else "convo", i.state) for i in items)
    # The agent's reply failed; the one confirmation (from convo, not an agent) waits.
    assert ("agent", "failed") in states and ("agent", "held") not in states, states
    assert ("convo", "queued") in states, states


async def test_the_possible_opt_outs_view_from_the_filter_and_the_palette(demo_store) -> None:
    customer_texts(demo_store, MARIA, "take me off your list", "SMf3")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert "Only possible opt-outs (1 waiting for a decision)" in plain(app)
        app.screen.query_one("#filter-opt-out", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        status = plain(app).splitlines()[0]
        assert "possible opt-outs — 1" in status, status
        assert screen.inbox.total == 1
        screen.apply_filter(type(screen.filter)())  # back to the open inbox
        await settle(pilot)
        assert screen.inbox.total > 1
        screen.action_show_opt_outs()  # the palette's "Possible opt-outs"
        await settle(pilot)
        assert screen.inbox.total == 1
        assert screen.inbox.current is not None
        assert screen.inbox.current.phone == MARIA


async def test_an_opt_out_klaviyo_refused_is_said_on_the_status_line_and_the_profile(
    demo_store,
) -> None:
    from convo_tui.core import opt_out_review
    from convo_tui.store.models import Profile
    from convo_tui.sync.suppress import READ_ONLY

    with demo_store.write() as session:
        profile = session.exec(select(Profile).where(Profile.phone == MARIA)).one()
        profile.sms_consent = "UNSUBSCRIBED"
        opt_out_review.mark_for_klaviyo(profile, profile.updated_at)
        profile.klaviyo_opt_out_error = READ_ONLY  # as a sync with a read-only key leaves it
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot)
        status = plain(app).splitlines()[0]
        assert "1 opted out here, not yet at Klaviyo" in status, status
        await open_conversation(pilot, MARIA)
        panel = [
            line.partition("▕")[2].partition("▏")[2]
            for line in plain(app).splitlines()[1:]
            if "▕" in line and "▏" in line
        ]
        card = " ".join(" ".join(line.split()) for line in panel)  # as the panel wraps it
        assert "opted out here, not yet at Klaviyo (the Klaviyo key may not write" in card, card
