"""Live updates, sync status, untrusted text and a very large inbox in the terminal UI."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from rich.color import Color
from sqlalchemy import text as sql

from convo_tui.core.inbound import process_inbound
from convo_tui.core.texts import InboundText
from convo_tui.store.kinds import Consent
from convo_tui.sync.status import SyncStatus

from .conftest import BUSINESS, NOW, add_profile
from .tui_helpers import (
    SPAM,
    customer_texts,
    make_app,
    notifications,
    open_conversation,
    plain,
    settle,
    started,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class FakeSync:
    state: SyncStatus = field(default_factory=SyncStatus)
    woken: int = 0

    def status(self) -> SyncStatus:
        return self.state

    def wake(self) -> None:
        self.woken += 1


async def test_new_texts_appear_with_a_notification_and_the_bell(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        before = screen.inbox.total
        customer_texts(demo_store, "+14155550188", "Hello? [@click=app.quit]", "SMlive1")
        app.poll_now()
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen.inbox.total == before + 1
        assert app.bells == 1
        assert any("Hello? [@click=app.quit]" in n for n in notifications(app))
        first = screen.inbox.row_at(0)
        assert first is not None and first.preview == "Hello? [@click=app.quit]"
        # a blocked profile's text is stored, silently
        customer_texts(demo_store, SPAM, "more junk", "SMlive2")
        app.poll_now()
        await pilot.pause(0.2)
        await settle(pilot)
        assert app.bells == 1
        assert not any("more junk" in n for n in notifications(app))
        assert app.is_running


async def test_sync_state_shows_in_the_status_line_and_replies_wake_it(demo_store) -> None:
    sync = FakeSync(
        SyncStatus("failing", NOW - timedelta(seconds=30), "Twilio answered 503", 2, 12)
    )
    app = make_app(demo_store, sync=sync)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot)
        app.poll_now()
        await pilot.pause(0.2)
        await settle(pilot)
        line = plain(app).splitlines()[0]
        assert "sync failing: Twilio answered 503 · last ok 30s ago · rate-limited 12s" in line
        await open_conversation(pilot, "+447700123456")  # Margaret, London 15:00
        await pilot.press("r", *"On its way", "enter")
        await settle(pilot)
        assert sync.woken == 1


UNTRUSTED = [
    "[bold red]x[/]",
    "[@click=app.quit]click me[/]",
    "\x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07 \x9b2J",
    "abc\u202edcba\u2066x\u200b\u200dy\ufeff",
    "W" * 1600,
    "word " * 320,
]


async def test_untrusted_text_is_shown_literally_everywhere(demo_store) -> None:
    with demo_store.write() as session:
        for n, body in enumerate(UNTRUSTED):
            phone = f"+1415555{n:04d}"
            add_profile(
                session,
                phone,
                consent=Consent.SUBSCRIBED,
                first_name="[b]Eve[/b] \x1b[2J",
                last_name="[@click=app.quit]",
                city="\u202eSan Jose\x07",
                address1="[red]1 Main St[/]",
            )
            process_inbound(
                session,
                InboundText(
                    provider_sid=f"SMbad{n}",
                    from_number=phone,
                    to_number=BUSINESS,
                    body=body,
                    sent_at=NOW - timedelta(seconds=n),
                ),
                now=NOW,
            )
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await started(pilot)
        inbox = screen.inbox
        for index in range(len(UNTRUSTED)):
            inbox.focus()  # back to the list, as the agent would, then down to the row
            inbox.cursor = index
            await pilot.press("enter")
            await settle(pilot)
            screen_text = plain(app)
            assert "[b]Eve[/b] ␛[2J" in screen_text  # the name, literally, control made visible
            assert "\x1b" not in screen_text and "\x07" not in screen_text
            await pilot.click(screen.thread)
            await settle(pilot)
            assert app.is_running  # [@click=app.quit] ran nothing
        bodies = screen.thread.plain
        assert "W" * 100 in bodies or "word word" in bodies
        inbox.focus()
        await pilot.press("v")
        await settle(pilot)
        profile = plain(app)
        assert "[red]1 Main St[/]" in profile and "<U+202E>San Jose␇" in profile
        await pilot.press("escape")
        inbox.cursor = 0
        await settle(pilot)
        assert "[bold red]x[/]" in plain(app) or "[@click=app.quit]" in plain(app)
        assert app.is_running


async def test_a_huge_inbox_opens_and_scrolls_fast(demo_store) -> None:
    rows = 250_000  # 1,000,000 measured by hand: opens in 0.7 s, end key 0.8 s
    started_at = time.perf_counter()
    with demo_store.engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.execute(
            "CREATE TEMP TABLE n AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
            f"SELECT i + 1 FROM c WHERE i < {rows}) SELECT i FROM c"
        )
        raw.execute(
            "INSERT INTO profile (phone, sms_consent, blocked, created_at, updated_at) "
            "SELECT '+1999' || printf('%08d', i), 'SUBSCRIBED', 0, '2026-01-01', '2026-01-01' "
            "FROM n"
        )
        raw.execute(
            "INSERT INTO conversation (profile_id, status, unread, last_message_at, "
            "last_message_preview, last_message_direction, created_at, updated_at) "
            "SELECT p.id, 'open', 1, datetime('2026-11-01', '-' || (p.id % 90000) || ' minutes'), "
            "'bulk ' || p.id, 'inbound', '2026-01-01', '2026-01-01' "
            "FROM profile p WHERE p.phone LIKE '+1999%'"
        )
        conn.execute(sql("ANALYZE"))
    del started_at
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        t0 = time.perf_counter()
        screen = await started(pilot)
        opened = time.perf_counter() - t0
        inbox = screen.inbox
        assert inbox.total == rows + 39
        t0 = time.perf_counter()
        await pilot.press("end")
        await settle(pilot)
        await pilot.press("pageup", "pageup", "k")
        await settle(pilot)
        jumped = time.perf_counter() - t0
        assert inbox.current is not None and inbox.current.preview.startswith("bulk ")
        assert opened < 5 and jumped < 3, (opened, jumped)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_rows_stay_readable_in_light_and_dark_themes(demo_store, theme: str) -> None:
    def brightness(color: Color | None) -> float:
        assert color is not None
        r, g, b = color.get_truecolor()
        return (0.299 * r + 0.587 * g + 0.114 * b) / 255

    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        app.theme = theme
        await settle(pilot)
        inbox = screen.inbox
        background = brightness(inbox.rich_style.bgcolor)
        for y in (2, 3):  # the second row: its name, then its preview
            segments = [s for s in inbox.render_line(y) if s.text.strip()]
            assert segments
            for segment in segments:
                style = segment.style
                assert style is not None and style.color is not None
                fg = brightness(style.color)
                # Against the list's own background: that is what the row sits on (the
                # cursor row, with its own, is not among these).
                assert abs(fg - background) > 0.25, (theme, segment.text)
