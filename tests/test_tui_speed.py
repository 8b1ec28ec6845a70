"""The saved-reply picker in the terminal UI (issue 18): search as you type, the preview
filled in for this customer with its cost, a missing value asked for, a refusal when
there is no order, and the reply's actions applied on send and undone."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from convo_tui.core import agents, saved_replies, tags
from convo_tui.store.models import (
    Conversation,
    Message,
    OrderLine,
    OutboxItem,
    Profile,
    ShopOrder,
)

from .conftest import NOW
from .tui_helpers import (
    MARIA,
    conversation_of,
    make_app,
    notifications,
    open_conversation,
    plain,
    settle,
    started,
)

pytestmark = pytest.mark.anyio

WISMO = (
    "Hi {{ person.first_name }}, order {{ order.number }} is on its way: {{ order.tracking_url }}"
)


def _library(store) -> None:
    with store.write() as session:
        ana = agents.identify(session, "ana", now=NOW)
        add = saved_replies.add
        add(session, ana, name="Where is my order", category="Orders", body=WISMO,
            actions={"close": True, "tag": "wismo"}, now=NOW)  # fmt: skip
        add(session, ana, name="Returns", category="Returns", body="Send it back in 30 days",
            now=NOW)  # fmt: skip
        add(session, ana, name="Hello by name", body="Hello {{ person.last_name }}!", now=NOW)


async def test_pick_fill_send_and_the_actions_apply_and_undo(demo_store) -> None:
    _library(demo_store)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        quiet = screen.view is not None and screen.view.card.quiet
        await pilot.press("r", "ctrl+t")
        await settle(pilot)
        assert type(app.screen).__name__ == "SavedReplyModal"
        await pilot.press(*"wher")
        await settle(pilot)
        shown = plain(app)
        # Filled in for Maria from her latest order, with its cost and what it does.
        assert "Hi Maria, order #1038 is on its way:" in shown
        assert "https://track.example-carrier.com/1Z08219922" in shown
        assert "GSM-7" in shown and "1 segment" in shown
        assert "on send: close, tag wismo" in shown
        await pilot.press("enter")
        await settle(pilot)
        assert screen.composer.body.text.startswith("Hi Maria, order #1038 is on its way")
        assert any("on send, close, tag wismo" in n for n in notifications(app))
        await pilot.press("enter")
        await settle(pilot)
        if quiet:
            await pilot.press("a")  # send anyway
            await settle(pilot)
        await settle(pilot)
        cid = conversation_of(demo_store, MARIA).id
        with demo_store.read() as session:
            conv = session.get(Conversation, cid)
            assert conv is not None and conv.status == "closed"
            assert tags.of(session, int(cid or 0)) == ["wismo"]
            queued = session.exec(
                select(Message.body)
                .join(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
                .where(OutboxItem.state == "queued")
            ).all()
        assert any(body.startswith("Hi Maria, order #1038") for body in queued)
        # The newest undo is the saved reply's actions: open again.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        with demo_store.read() as session:
            conv = session.get(Conversation, cid)
            assert conv is not None and conv.status == "open"


async def test_a_missing_value_is_asked_for_and_no_order_is_refused(demo_store) -> None:
    _library(demo_store)
    with demo_store.write() as session:  # Maria without a last name, and with no order
        maria = session.exec(select(Profile).where(Profile.phone == MARIA)).one()
        maria.last_name = None
        for order in session.exec(select(ShopOrder).where(ShopOrder.profile_id == maria.id)):
            for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id)):
                session.delete(line)
            session.flush()
            session.delete(order)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("r", "ctrl+t", *"where")
        await settle(pilot)
        assert "this customer has no order to fill {{ order.number }} from" in plain(app)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "SavedReplyModal"  # refused: still picking
        assert screen.composer.body.text == ""
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.press(*"hello by")
        await settle(pilot)
        assert "Hello [person.last_name?]!" in plain(app)
        assert "asks for: person.last_name" in plain(app)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "SavedReplyModal"
        assert "no value for person.last_name" in plain(app)
        await pilot.press("enter")  # nothing typed: asked again, nothing inserted
        await settle(pilot)
        assert type(app.screen).__name__ == "SavedReplyModal"
        await pilot.press(*"Silva", "enter")
        await settle(pilot)
        assert screen.composer.body.text == "Hello Silva!"
