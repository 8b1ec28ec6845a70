"""The screen at every size: a narrow terminal stacks list and thread, the status line and
the key bar keep what matters however narrow, a refusal's reason is read whole at 80x24,
the command palette lists convo's commands only, and toasts never cover a dialog."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from rich.text import Text

from convo_tui.app import ConvoApp
from convo_tui.sync.status import SyncStatus
from convo_tui.widgets.redrawn.key_bar import KeyBar
from convo_tui.widgets.status_line import StatusInfo, status_text

from .conftest import NOW
from .tui_helpers import (
    KENJI,
    MARIA,
    Widget,
    conversation_of,
    customer_texts,
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


def shown(widget: Widget) -> bool:
    """Drawn on the screen: displayed, with some area of it in sight."""
    if not widget.display or not widget.is_mounted:
        return False
    try:
        geometry = widget.screen.find_widget(widget)
    except Exception:  # not in the compositor's map: not drawn
        return False
    region = geometry.region.intersection(geometry.clip)
    return region.width > 0 and region.height > 0


def text_in(app: ConvoApp, widget: Widget) -> str:
    """The characters drawn in `widget`'s region, its lines joined with spaces."""
    region = widget.region
    lines = plain(app).splitlines()[region.y : region.bottom]
    return " ".join(" ".join(line[region.x : region.right].split()) for line in lines).strip()


async def preview(pilot: Any, phone: str) -> None:
    """The list's cursor on `phone`'s row (not opened)."""
    screen = pilot.app.inbox
    conv = conversation_of(screen.desk.store, phone)
    screen.inbox.focus()
    assert screen.inbox.move_to_conversation(conv.id)
    await pilot.pause(0.2)  # the preview loads once the cursor rests
    await settle(pilot)
    assert screen.view is not None and screen.view.conversation_id == conv.id


# -- 1. a narrow terminal: list and thread stacked, one at a time -------------------------


@pytest.mark.parametrize("size", [(50, 24), (36, 16)], ids=["50x24", "36x16"])
async def test_a_narrow_terminal_shows_the_list_then_the_thread_full_width(
    demo_store, size: tuple[int, int]
) -> None:
    width, _ = size
    app = make_app(demo_store)
    async with app.run_test(size=size) as pilot:
        screen = await started(pilot)
        conversation = screen.query_one("#conversation")
        # The list alone, full width: its rows are read whole.
        assert shown(screen.inbox)
        assert screen.inbox.region.width >= width - 1
        assert not shown(conversation)

        await open_conversation(pilot, MARIA, back_to_list=False)
        # The thread alone, full width: the header names the customer and the number.
        assert not shown(screen.inbox)
        assert shown(conversation)
        assert conversation.region.width == width
        assert "Maria Silva" in plain(app)
        assert "+1 415-555-0123" in plain(app)
        # At the newest message, as side by side (the thread was out of sight when drawn).
        assert screen.thread.max_scroll_y > 0
        assert screen.thread.scroll_offset.y == screen.thread.max_scroll_y
        assert "esc" in plain(app).splitlines()[-1]  # the key bar says how to go back

        await pilot.press("escape")
        await settle(pilot)
        assert shown(screen.inbox)
        assert screen.inbox.has_focus
        assert not shown(conversation)
        assert screen.inbox.region.width >= width - 1


async def test_from_sixty_columns_list_and_thread_are_side_by_side(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(60, 24)) as pilot:
        screen = await started(pilot)
        assert shown(screen.inbox)
        assert shown(screen.query_one("#conversation"))


# -- 2. the status line keeps the count, unread and sync however narrow ---------------------


async def test_at_20x6_the_status_line_keeps_count_unread_and_sync(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(20, 6)) as pilot:
        await started(pilot)
        line = plain(app).splitlines()[0]
        assert "39" in line, line  # conversations that match
        assert "20" in line, line  # unread
        assert "off" in line, line  # sync state (no sync in tests)


@pytest.mark.parametrize(
    ("width", "matching", "unread"),
    [(w, 1234, 567) for w in (20, 24, 30, 40, 60, 80, 120)] + [(14, 39, 20), (16, 39, 20)],
)
def test_the_status_text_keeps_count_unread_and_sync_at_every_width(
    width: int, matching: int, unread: int
) -> None:
    info = StatusInfo(
        agent="Ana Souza",
        role="owner",
        filter_words="open, unread",
        matching=matching,
        unread=unread,
        sync=SyncStatus(state="syncing", last_sync=NOW),
    )
    text = status_text(info, NOW, width)
    assert isinstance(text, Text)
    assert text.cell_len <= width, (text.plain, width)
    assert f"{matching:,}" in text.plain and str(unread) in text.plain, text.plain
    assert "syncing" in text.plain, text.plain


def test_the_status_text_is_whole_when_it_fits() -> None:
    info = StatusInfo("Ana Souza", "owner", "open", 39, 20, SyncStatus(state="idle"))
    at: datetime = NOW
    assert status_text(info, at, 200).plain == (
        " convo  Ana Souza (owner)  Inbox: open — 39 conversations  ● 20 unread  sync idle"
    )


@pytest.mark.parametrize("width", [200, 90, 60, 40])
def test_possible_opt_outs_stay_on_the_status_line_as_it_narrows(width: int) -> None:
    info = StatusInfo(
        "Ana Souza",
        "owner",
        "open",
        39,
        20,
        SyncStatus(state="idle"),
        flagged=2,
        flagged_since=NOW - timedelta(hours=3),
    )
    text = status_text(info, NOW, width)
    assert text.cell_len <= width, (text.plain, width)
    want = {200: "⚑ 2 possible opt-outs (oldest 3h)", 40: "⚑2"}.get(width, "⚑ 2 opt-out?")
    assert want in text.plain, (width, text.plain)
    assert "20" in text.plain  # the unread count stays beside it
    (flag,) = [span for span in text.spans if text.plain[span.start : span.end].startswith("⚑")]
    assert "red" in str(flag.style)


# -- 3. the refusal reason whole at 80x24; the key bar keeps ? and q ----------------------


async def test_at_80x24_a_previewed_refusal_reason_is_read_whole(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        await preview(pilot, KENJI)
        info = screen.composer.query_one("#composer-info")
        said = text_in(app, info)
        assert "Reply refused: Kenji Watanabe has not agreed to receive texts" in said, said
        assert "…" not in said


async def test_moving_down_the_list_keeps_the_composer_still(demo_store) -> None:
    """From an allowed row to a refused one and back: the reply box keeps its place (a
    reflow of the text area on every row would slow moving down the list)."""
    app = make_app(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        composer = screen.composer
        await preview(pilot, MARIA)
        allowed = composer.body.region
        await preview(pilot, KENJI)
        assert composer.body.region == allowed
        await preview(pilot, MARIA)
        assert composer.body.region == allowed


@pytest.mark.parametrize("width", [80, 60, 40])
async def test_the_key_bar_always_keeps_keys_and_quit(demo_store, width: int) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await started(pilot)
        await preview(pilot, MARIA)
        bar = plain(app).splitlines()[-1]
        assert "? Keys" in bar, bar
        assert "q Quit" in bar, bar
        keys = [shown.description for shown in screen.query_one(KeyBar).keys]
        assert "Keys" in keys and "Quit" in keys


async def test_the_key_bar_drops_the_last_keys_first(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await preview(pilot, MARIA)
        bar = plain(app).splitlines()[-1]
        # The list's own key and the first actions stay; what does not fit is left out
        # whole, never cut in the middle of a word.
        assert bar.startswith(" ⏎ Open  / Search  r Reply"), bar
        last = bar.split("▏")[0].split()[-1]
        assert len(last) > 1, bar  # a key's description, not a key cut from its words


# -- 4. the command palette: convo's commands, once each ----------------------------------


async def palette_titles(pilot: Any) -> list[str]:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.pause(0.3)
    await settle(pilot)
    palette = pilot.app.screen
    assert type(palette).__name__ == "CommandPalette"
    options = palette.query_one("CommandList")
    titles = [str(option.prompt).split("\n")[0] for option in options.options]
    await pilot.press("escape")
    await settle(pilot)
    return titles


async def test_the_palette_lists_convo_commands_once_each(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 40)) as pilot:
        await started(pilot)
        await open_conversation(pilot, MARIA)
        titles = await palette_titles(pilot)
        assert titles.count("Keys") == 1, titles
        for textual_own in ("Theme", "Maximize", "Minimize", "Screenshot"):
            assert textual_own not in titles, titles
        assert "Quit" in titles
        assert "Older messages" in titles, titles
        assert "Settings" in titles and "Reply" in titles


async def test_older_messages_from_the_palette_says_when_all_are_shown(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        commands = {c.title: c for c in app.get_system_commands(screen)}
        older = commands["Older messages"]
        assert "all" in older.help.lower(), older.help
        result = older.callback()
        if result is not None:
            await result
        await settle(pilot)
        assert any("shown" in n.message for n in app._notifications), app._notifications


async def test_older_messages_from_the_palette_loads_more(demo_store) -> None:
    for n in range(60):
        customer_texts(demo_store, MARIA, f"text number {n}", f"SMolder{n}")
    app = make_app(demo_store)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, MARIA)
        assert screen.view is not None
        before = len(screen.view.messages)
        commands = {c.title: c for c in app.get_system_commands(screen)}
        result = commands["Older messages"].callback()
        if result is not None:
            await result
        await settle(pilot)
        assert len(screen.view.messages) > before


# -- 6. toasts never cover a dialog -------------------------------------------------------


async def texts_arrive(pilot: Any, count: int) -> None:
    app = pilot.app
    for n in range(count):
        customer_texts(app.desk.store, f"+1415555017{n}", f"Hello number {n}", f"SMmodal{n}")
    app.poll_now()
    await pilot.pause(0.2)
    await settle(pilot)


def painted(widget: Any) -> Any:
    geometry = widget.screen.find_widget(widget)
    return geometry.region.intersection(geometry.clip)


@pytest.mark.parametrize(
    "key",
    ["s", "b", "comma", "f", "question_mark"],
    ids=["snooze", "block", "settings", "filter", "keys"],
)
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_toast_never_covers_a_dialog(demo_store, key: str, size: tuple[int, int]) -> None:
    """Toasts wait while a dialog is up (it says what it did itself: "saved", its
    errors); the ones that have not timed out show once it is closed."""
    app = make_app(demo_store)
    async with app.run_test(size=size, notifications=True) as pilot:
        screen = await started(pilot)
        await preview(pilot, MARIA)
        await pilot.press(key)
        await settle(pilot)
        modal = app.screen
        assert modal is not screen
        dialog = modal.query_one(".dialog")
        await texts_arrive(pilot, 2)
        app.notify("Queued reply to somebody else", timeout=6)
        await settle(pilot)
        assert app.screen is modal
        kept = painted(dialog)
        inside = text_in(app, dialog)
        assert "New text" not in inside and "Queued reply" not in inside, plain(app)
        for toast in modal.query("Toast"):
            assert not toast.visible or not painted(toast).overlaps(kept)

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.pause(0.1)
        assert "New text" in plain(app)  # a toast's title (the list shows the texts too)
        assert "Queued reply to somebody else" in plain(app)
