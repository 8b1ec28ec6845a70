"""The terminal inbox, driven by Pilot on the demo store: every triage action and its effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from convo_tui.core import coupons
from convo_tui.screens.filters import FilterModal
from convo_tui.screens.search import SearchScreen
from convo_tui.screens.settings import SettingsModal
from convo_tui.store.kinds import Status
from convo_tui.store.models import AuditEntry, Conversation, Message, OutboxItem
from convo_tui.widgets.redrawn.scroll_text import ScrollText
from convo_tui.widgets.redrawn.side_tabs import SideTabs

from .conftest import NOW
from .tui_helpers import (
    AROHA,
    KENJI,
    MARIA,
    Input,
    RadioButton,
    Select,
    Switch,
    conversation_of,
    make_app,
    notifications,
    open_conversation,
    plain,
    profile_of,
    settle,
    started,
)
from .tui_helpers import Message as TextualMessage

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_inbox_opens_with_counts_and_rows(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        assert screen.inbox.total == 39  # open conversations in the demo
        assert screen.info.matching == 39 and screen.info.unread == 20
        text = plain(app)
        assert "Ana Souza (owner)" in text
        assert "Inbox: open — 39 conversations" in text and "20 unread" in text
        assert screen.view is not None  # the first row's thread is shown


async def test_moving_and_opening_marks_read(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        assert conversation_of(demo_store, MARIA).unread
        await open_conversation(pilot, MARIA)
        assert not conversation_of(demo_store, MARIA).unread
        await pilot.press("k", "down", "up")
        await settle(pilot)
        assert screen.thread.has_focus or screen.inbox.has_focus


async def test_close_reopen_and_toggle_unread(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("u")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).unread
        assert any("Maria Silva: marked unread" in n for n in notifications(app))
        await pilot.press("c")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == Status.CLOSED.value
        assert screen.inbox.total == 38
        assert screen.inbox.current is not None
        assert screen.inbox.current.conversation_id != conversation_of(demo_store, MARIA).id
        await pilot.press("z")  # undo: open again, and back under the cursor
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == Status.OPEN.value
        assert screen.inbox.current is not None
        assert screen.inbox.current.conversation_id == conversation_of(demo_store, MARIA).id
        await pilot.press("c", "o")  # o acts on the row under the cursor: the next one
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == Status.CLOSED.value
        with demo_store.read() as session:
            actions = [
                a.action for a in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
            ]
        assert actions[-4:] == [
            "conversation.mark_unread",
            "conversation.close",
            "undo",
            "conversation.close",
        ]


async def test_snooze_presets_and_picked_time(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("s")
        await settle(pilot)
        assert type(app.screen).__name__ == "SnoozeModal"
        await pilot.press("2")  # tomorrow, 09:00 on the agent's clock
        await settle(pilot)
        conv = conversation_of(demo_store, MARIA)
        assert conv.status == Status.SNOOZED.value
        assert conv.snooze_until is not None and conv.snooze_until > NOW
        assert any("snoozed until" in n for n in notifications(app))

        await open_conversation(pilot, KENJI)
        await pilot.press("s", "t")
        await pilot.press(*"nonsense", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "SnoozeModal"  # an error, shown in the modal
        app.screen.query_one("#snooze-time", Input).value = ""
        await pilot.press(*"2h", "enter")
        await settle(pilot)
        conv = conversation_of(demo_store, KENJI)
        assert conv.status == Status.SNOOZED.value and conv.snooze_until == NOW + timedelta(hours=2)


async def test_block_asks_first_and_can_be_undone(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("n")  # no
        await settle(pilot)
        assert not profile_of(demo_store, MARIA).blocked
        await pilot.press("b", "y")
        await settle(pilot)
        assert profile_of(demo_store, MARIA).blocked
        assert conversation_of(demo_store, MARIA).status == Status.CLOSED.value
        assert screen.inbox.total == 38  # closed: out of the open inbox
        from convo_tui.core.rows import InboxFilter

        screen.apply_filter(InboxFilter(status=None))
        await settle(pilot)
        await open_conversation(pilot, MARIA)
        assert screen.view is not None and screen.view.refusal is not None
        assert screen.view.refusal.reason == "blocked"
        assert screen.composer.body.disabled
        await pilot.press("b", "y")
        await settle(pilot)
        assert not profile_of(demo_store, MARIA).blocked


async def test_filters_combine_and_show_in_the_header(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        from convo_tui.core.rows import InboxFilter

        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FilterModal)
        modal.query_one("#filter-read").query(RadioButton)[1].value = True  # unread
        await pilot.pause()
        modal.action_apply()
        await settle(pilot)
        assert screen.filter == InboxFilter(unread=True)
        assert screen.inbox.total == 20
        assert "Inbox: open, unread — 20 conversations" in plain(app)

        sources = {s.name: s.id for s in screen.desk.sources()}
        screen.apply_filter(InboxFilter(status=None, attributed_source_id=sources["Winter Sale"]))
        await settle(pilot)
        assert screen.inbox.total == 6
        assert "all, attributed to Winter Sale — 6 conversations" in plain(app)


async def test_search_jumps_to_the_message(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"size 38")
        await pilot.pause(0.3)
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        assert [h.name for h in search.hits] == ["Maria Silva"]
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view is not None
        assert screen.view.conversation_id == conversation_of(demo_store, MARIA).id
        hit = screen.thread.hit
        assert hit is not None and "size 38" in hit.body
        assert "size 38" in plain(app)  # scrolled into sight


async def test_replies_queue_several_in_a_row(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)  # San Francisco, 07:00 there: quiet hours
        assert screen.view is not None
        maria_zone_ok = screen.view.card.quiet
        await pilot.press("r")
        assert screen.composer.body.has_focus
        await pilot.press(*"Yes, in black too ")
        screen.composer.body.insert("👢")
        await pilot.pause()
        info = str(screen.composer.query_one("#composer-info").render())
        assert "UCS-2" in info and "20 characters" in info and "1 segment" in info
        await pilot.press("enter")
        await settle(pilot)
        if maria_zone_ok:
            await pilot.press("a")  # send anyway
            await settle(pilot)
        await pilot.press(*"Second one", "enter")
        await settle(pilot)
        if maria_zone_ok:
            await pilot.press("a")
            await settle(pilot)
        with demo_store.read() as session:
            queued = session.exec(
                select(Message)
                .join(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
                .where(OutboxItem.state == "queued")
            ).all()
        assert [m.body for m in queued][-2:] == ["Yes, in black too 👢", "Second one"]
        assert sum("pending, sends at" in n for n in notifications(app)) == 2
        assert screen.composer.body.text == ""


async def test_composer_is_locked_with_the_reason(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, KENJI)
        composer = screen.composer
        assert composer.body.disabled
        assert "Reply refused" in str(composer.query_one("#composer-info").render())
        # The whole reason and its fix are in the locked reply box.
        assert "has not agreed to receive texts" in str(composer.body.placeholder)
        assert "reply by email" in str(composer.body.placeholder)
        await pilot.press("r")
        await settle(pilot)
        assert not composer.body.has_focus
        assert any("has not agreed" in n for n in notifications(app))


@pytest.mark.parametrize("choice", ["a", "w", "escape"])
async def test_quiet_hours_warning(demo_store, choice: str) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, AROHA)  # Auckland: 04:00
        assert screen.view is not None and screen.view.card.quiet
        await pilot.press("r", *"Your label is on its way", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "QuietHoursModal"
        assert "04:00 for the recipient" in plain(app)
        await pilot.press(choice)
        await settle(pilot)
        with demo_store.read() as session:
            items = session.exec(select(OutboxItem).where(OutboxItem.state == "queued")).all()
        if choice == "escape":
            assert items == [] and screen.composer.body.text == "Your label is on its way"
        elif choice == "a":
            # "Now" is after the send delay (replies.send_delay, 10 s): recallable until then.
            assert len(items) == 1 and items[0].send_at == NOW + timedelta(seconds=10)
        else:
            local = items[0].send_at.astimezone(__import__("pytz").timezone("Pacific/Auckland"))
            assert (local.hour, local.minute) == (8, 0)
            assert any(
                n.startswith("Reply #") and ": scheduled for" in n for n in notifications(app)
            )


async def test_coupon_codes_are_inserted(demo_store) -> None:
    with demo_store.write() as session:
        from convo_tui.core import agents

        ana = agents.identify(session, "ana", now=NOW)
        coupons.save(session, ana, ["WELCOME10", "BOOTS-15"], now=NOW)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        await pilot.press("r", *"Use ", "ctrl+o")
        await settle(pilot)
        assert type(app.screen).__name__ == "CouponModal"
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.composer.body.text == "Use BOOTS-15"


async def test_older_messages_side_panel_and_full_profile(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        side = screen.side
        assert side.display
        assert "Local time" in str(side.query_one("#side-profile", ScrollText).text)
        assert screen.view is not None
        metrics = screen.view.metrics
        assert "Received SMS" in metrics
        side.query_one("#side-tabs", SideTabs).active = "tab-activity"  # drawn when shown
        await settle(pilot)
        assert "Fulfilled Order" in str(side.query_one("#side-activity", ScrollText).text)
        side.query_one("#side-metric", Select).value = "Received SMS"
        await settle(pilot)
        activity = str(side.query_one("#side-activity", ScrollText).text)
        assert "Received SMS" in activity and "Clicked SMS" not in activity
        assert "Fulfilled Order" not in activity
        await pilot.press("v")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfileScreen"
        assert "San Francisco" in plain(app)
        await pilot.press("escape")
        await pilot.press("i")
        await settle(pilot)
        assert not side.display


async def test_side_panel_is_a_toggle_at_80x24(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        side = screen.side
        assert not side.display
        await pilot.press("i")
        await settle(pilot)
        assert side.display and not screen.inbox.display
        await pilot.press("i")
        await settle(pilot)
        assert not side.display and screen.inbox.display


async def test_settings_are_validated_and_saved_at_once(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await pilot.press("comma")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SettingsModal)
        prefix = modal.query_one("#setting-organization--prefix", Input)
        prefix.value = "BOOTS"
        prefix.focus()
        await pilot.press("enter")
        await settle(pilot)
        start = modal.query_one("#setting-quiet_hours--start", Input)
        start.value = "25:00"
        start.focus()
        await pilot.press("enter")
        await settle(pilot)
        error = str(modal.query_one("#error-setting-quiet_hours--start").render())
        assert "HH:MM" in error
        bell = modal.query_one("#setting-notifications--bell", Switch)
        bell.value = False
        await settle(pilot)
        settings = app.desk.settings().values
        assert settings["organization.prefix"] == "BOOTS"
        assert settings["quiet_hours.start"] == "08:00"
        assert settings["notifications.bell"] is False
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_help_palette_and_remapped_keys(demo_store) -> None:
    app = make_app(demo_store, keys={"close": "x"})
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await open_conversation(pilot, MARIA)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Close", "Snooze", "Reply", "Filter", "Search", "Settings"} <= titles
        await pilot.press("question_mark")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        text = plain(app)
        assert "Close (archive) the conversation" in text and "Undo the last action" in text
        await pilot.press("escape")
        await pilot.press("c")  # no longer close
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == "open"
        await pilot.press("x")
        await settle(pilot)
        assert conversation_of(demo_store, MARIA).status == "closed"


async def test_unknown_binding_id_in_keys_is_a_config_error(demo_store) -> None:
    from convo_tui.config import ConfigError

    with pytest.raises(ConfigError, match="unknown binding id"):
        make_app(demo_store, keys={"nope": "x"})


async def test_mouse_clicks_select_and_open(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        inbox = screen.inbox
        await pilot.click(inbox, offset=(5, 4))  # third row
        await settle(pilot)
        assert inbox.cursor == 2
        await pilot.click(inbox, offset=(5, 4))
        await settle(pilot)
        assert not conversation_of(demo_store, KENJI).unread
        assert screen.view is not None
        assert screen.view.conversation_id == conversation_of(demo_store, KENJI).id


def test_roles_without_inbox_access_are_refused(demo_template, tmp_path) -> None:
    import shutil

    from convo_tui.cli.runtime import Runtime
    from convo_tui.cli.tui_cmd import build_tui
    from convo_tui.errors import AccessDenied

    db = tmp_path / "d.sqlite3"
    shutil.copy(demo_template, db)
    rt = Runtime(db=db, agent_login="eve", now=NOW)
    with pytest.raises(AccessDenied, match="analyst"):
        build_tui(rt)
    rt.close()
    rt = Runtime(db=db, agent_login="chloe", now=NOW)
    assert type(build_tui(rt)).__name__ == "ConvoApp"
    rt.close()


_ = Conversation


async def test_an_opened_conversation_stays_open_when_it_leaves_the_filter(demo_store) -> None:
    """Reading a conversation in the unread view drops it from the list; the thread
    must not jump to the next customer under the agent's hands."""
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        from convo_tui.core.rows import InboxFilter

        screen.apply_filter(InboxFilter(unread=True))
        await settle(pilot)
        assert screen.inbox.total == 20
        await open_conversation(pilot, MARIA, back_to_list=False)
        await settle(pilot)
        assert screen.inbox.total == 19  # read now: out of the unread view
        maria = conversation_of(demo_store, MARIA)
        assert screen.target == maria.id and screen.view is not None
        assert screen.view.conversation_id == maria.id  # still Maria's thread
        assert screen.composer.has_focus_within and screen.target == maria.id
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert screen.target != maria.id  # back in the list, the cursor leads again


async def test_side_panel_tabs_out_of_sight_catch_up_when_shown(demo_store) -> None:
    """Only the tab in sight is drawn as the list moves; the others are drawn when shown."""
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await started(pilot)
        side = screen.side
        tabs = side.query_one("#side-tabs", SideTabs)
        await open_conversation(pilot, MARIA)
        assert screen.view is not None
        maria_orders = screen.view.orders
        assert maria_orders
        tabs.active = "tab-activity"
        await settle(pilot)
        side.query_one("#side-metric", Select).value = "Received SMS"
        await settle(pilot)
        tabs.active = "tab-profile"
        await settle(pilot)
        await open_conversation(pilot, KENJI)
        assert "Kenji" in str(side.query_one("#side-profile", ScrollText).text)
        tabs.active = "tab-orders"
        await settle(pilot)
        orders = str(side.query_one("#side-orders", ScrollText).text)
        assert screen.view is not None
        kenji_orders = screen.view.orders
        assert maria_orders[0].external_id not in orders
        if kenji_orders:
            assert kenji_orders[0].external_id in orders
        else:
            assert orders == "No orders."
        tabs.active = "tab-activity"
        await settle(pilot)
        assert side.query_one("#side-metric", Select).is_blank()  # Maria's metric does not follow
        assert "Fulfilled Order" not in str(side.query_one("#side-activity", ScrollText).text)


async def test_side_tabs_switch_by_click_and_arrow_keys(demo_store, monkeypatch) -> None:
    """One widget draws the tab row: a click on a tab (or on the bar under it) shows it,
    left and right move between the tabs when the row has the focus, and every change
    is posted; only the chosen tab's body is displayed."""
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        side = screen.side
        tabs = side.query_one("#side-tabs", SideTabs)
        changes: list[str] = []
        post = tabs.post_message

        def record(message: TextualMessage) -> bool:
            if isinstance(message, SideTabs.Changed):
                changes.append(message.active)
            return post(message)

        monkeypatch.setattr(tabs, "post_message", record)
        row = plain(app).splitlines()[tabs.region.y][tabs.region.x :]
        assert row.startswith(" Profile  Activity  Orders ")

        def shown() -> list[str]:
            return [w.id or "" for w in side.children if w.display and w is not tabs]

        assert shown() == ["side-profile"]
        await pilot.click(tabs, offset=(12, 0))  # " Activity "
        await settle(pilot)
        assert side.active_tab == "tab-activity" and tabs.has_focus
        assert shown() == ["side-metric", "side-activity"]
        assert "Fulfilled Order" in str(side.query_one("#side-activity", ScrollText).text)
        await pilot.press("right")
        await settle(pilot)
        assert side.active_tab == "tab-orders" and shown() == ["side-orders"]
        await pilot.press("right")  # from the last, the first
        await settle(pilot)
        assert side.active_tab == "tab-profile"
        await pilot.press("left")
        await settle(pilot)
        assert side.active_tab == "tab-orders"
        await pilot.click(tabs, offset=(2, 1))  # the bar under " Profile "
        await settle(pilot)
        assert side.active_tab == "tab-profile" and shown() == ["side-profile"]
        assert changes == ["tab-activity", "tab-orders", "tab-profile", "tab-orders", "tab-profile"]


async def test_side_tabs_show_the_pointer_as_textual_tabs_do(demo_store) -> None:
    """Over the clickable tab labels the mouse cursor is a pointer (`pointer: pointer`,
    as Textual's Tab has it)."""
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        tabs = screen.side.query_one("#side-tabs", SideTabs)
        await pilot.hover(tabs, offset=(12, 0))  # " Activity "
        await settle(pilot)
        assert app.mouse_over is tabs
        assert tabs.styles.pointer == "pointer"


async def test_side_panel_text_scrolls_and_selects(demo_store) -> None:
    """A tab's text longer than the panel scrolls (its bar appears, the text wraps beside
    it), and text in the panel can be selected with the mouse, as in a Static."""
    app = make_app(demo_store)
    async with app.run_test(size=(120, 20)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        side = screen.side
        profile = side.query_one("#side-profile")
        await pilot.mouse_down(profile, offset=(1, 1))
        await pilot.hover(profile, offset=(16, 2))
        await pilot.mouse_up(profile, offset=(16, 2))
        await settle(pilot)
        assert app.screen.get_selected_text() == "+1 415-555-0123\nmaria.silva@exam"
        side.query_one("#side-tabs", SideTabs).active = "tab-activity"
        await settle(pilot)
        activity = side.query_one("#side-activity", ScrollText)
        assert activity.show_vertical_scrollbar and activity.max_scroll_y > 0
        assert "Campaign: New Arrivals" not in plain(app)  # the last lines, out of sight
        activity.focus()
        await pilot.press("end")
        await pilot.wait_for_scheduled_animations()
        await settle(pilot)
        assert activity.scroll_y == activity.max_scroll_y
        assert "Campaign: New Arrivals" in plain(app)


async def test_footer_shows_the_focused_panes_keys_and_clicks_press_them(demo_store) -> None:
    from convo_tui.widgets.redrawn.key_bar import KeyBar

    app = make_app(demo_store)
    async with app.run_test(size=(160, 36)) as pilot:
        screen = await started(pilot)
        bar = screen.query_one(KeyBar)

        def shown() -> list[str]:
            return [key.description for key in bar.keys]

        assert "Open" in shown() and "Older" not in shown()
        assert bar.palette is not None and bar.palette.description == "palette"
        footer = plain(app).splitlines()[-1]
        assert footer.startswith(" ⏎ Open  / Search") and footer.rstrip().endswith("^p palette")
        await open_conversation(pilot, MARIA, back_to_list=False)
        assert screen.composer.body.has_focus  # a reply is allowed: the cursor is there
        assert "Back" in shown() and "Close" not in shown()
        screen.thread.focus()
        await settle(pilot)
        # The thread takes keys that move and scroll, and no action that changes anything.
        assert "Older" in shown() and "Open" not in shown() and "Close" not in shown()
        assert " h Older " in plain(app).splitlines()[-1]
        await pilot.press("escape")  # back to the list
        await settle(pilot)
        assert screen.inbox.has_focus and "Close" in shown()
        column = plain(app).splitlines()[-1].index(" / Search") + 1
        key = bar.key_at(column)
        assert key is not None and key.description == "Search"
        await pilot.hover(bar, offset=(column, 0))
        await settle(pilot)
        assert bar.tooltip == "Search all messages"
        await pilot.click(bar, offset=(column, 0))
        await settle(pilot)
        assert type(app.screen).__name__ == "SearchScreen"


async def test_a_preview_brings_activity_and_orders_only_when_their_tab_is_shown(
    demo_store,
) -> None:
    """Moving down the list with the profile in sight reads no activity or orders; the
    orders tab brings them, the same as opening the conversation does."""
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        opened = screen.view
        assert opened is not None and opened.side_loaded and opened.orders
        await pilot.press("escape")
        screen.inbox.focus()
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        preview = screen.view
        assert preview is not None and preview.conversation_id == opened.conversation_id
        assert not preview.side_loaded and preview.orders == () and preview.events == ()
        screen.side.query_one("#side-tabs", SideTabs).active = "tab-orders"
        await settle(pilot)
        shown = screen.view
        assert shown is not None and shown.side_loaded
        assert (shown.metrics, shown.events, shown.orders) == (
            opened.metrics,
            opened.events,
            opened.orders,
        )
        assert opened.orders[0].external_id in str(
            screen.side.query_one("#side-orders", ScrollText).text
        )
        # With the orders tab in sight, a preview brings them at once.
        await pilot.press("j")
        await settle(pilot)
        assert screen.view is not None and screen.view.side_loaded


async def test_full_profile_from_a_preview_reads_activity_and_orders_first(demo_store) -> None:
    """A preview leaves activity and orders out; `v` reads them on a worker, then shows them."""
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        conv = conversation_of(demo_store, MARIA)
        assert conv.id is not None
        screen.inbox.focus()
        assert screen.inbox.move_to_conversation(conv.id)
        for _ in range(50):
            await settle(pilot)
            if screen.view is not None and screen.view.conversation_id == conv.id:
                break
            await pilot.pause(0.02)
        assert screen.view is not None and screen.view.conversation_id == conv.id
        assert not screen.view.side_loaded  # a preview: only what is drawn
        await pilot.press("v")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfileScreen"
        text = plain(app)
        assert "San Francisco" in text and "Fulfilled Order" in text


async def test_a_preview_keeps_the_reply_box_locked_until_r_or_a_click(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        composer = screen.composer
        info = composer.query_one("#composer-info")
        assert screen.view is not None and screen.view.refusal is None  # the first row
        assert composer.body.disabled
        assert "Open the conversation to reply" in str(info.render())
        allowed = []
        for _ in range(6):  # over rows that may and may not be answered
            await pilot.press("j")
            await settle(pilot)
            assert composer.body.disabled
            allowed.append(screen.view.refusal is None)
            if not allowed[-1]:
                assert "Reply refused" in str(info.render())
        assert True in allowed and False in allowed
        while screen.view.refusal is not None:
            await pilot.press("k")
            await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert composer.body.has_focus and not composer.body.disabled
        assert "GSM-7" in str(info.render())
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        while screen.view.refusal is not None:
            await pilot.press("k")
            await settle(pilot)
        assert composer.body.disabled
        await pilot.click(composer.body)
        await settle(pilot)
        assert composer.body.has_focus and not composer.body.disabled
