"""What the desk shows about a customer reads as words: a zone by its current name
(Asia/Kolkata, not the old Asia/Calcutta that phone-number data still gives), activity
properties with labels and amounts instead of Klaviyo's raw keys, and an unknown number
once in the header, not as its name and again as its number."""

from __future__ import annotations

from pathlib import Path

import pytest

from convo_tui import phones
from convo_tui.widgets.redrawn.scroll_text import ScrollText
from convo_tui.widgets.redrawn.side_tabs import SideTabs

from .cli_helpers import run_process
from .tui_helpers import (
    KENJI,
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


STRANGER = "+919876501234"
"""A number nobody has a profile for: its zone comes from the phone number (+91: India)."""


def _columns(screen: str) -> tuple[list[str], list[str]]:
    """The thread's and the side panel's part of each screen line."""
    thread, panel = [], []
    for line in screen.splitlines()[1:]:
        if "▕" in line and "▏" in line:
            middle, _, right = line.partition("▕")[2].partition("▏")
            thread.append(middle)
            panel.append(right)
    return thread, panel


async def test_an_unknown_number_is_shown_once_and_its_zone_by_its_current_name(
    demo_store,
) -> None:
    customer_texts(demo_store, STRANGER, "hello, do you ship to Pune?", "SMstranger0000000001")
    pretty = phones.pretty(STRANGER)
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot)
        await open_conversation(pilot, STRANGER)
        screen = plain(app)
        thread, panel = _columns(screen)
        assert thread[0].count(pretty) == 1, screen  # the header (the refusal names them too)
        assert sum(line.count(pretty) for line in panel) == 1, screen
        card = " ".join(" ".join(line.split()) for line in panel)  # as the panel wraps it
        assert "Asia/Kolkata, from phone number" in card, screen
        assert "Calcutta" not in screen
        await pilot.press("v")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfileScreen"
        profile = plain(app)
        assert "Asia/Kolkata" in profile and "Calcutta" not in profile
        assert profile.count(pretty) == 1, profile


def test_the_cli_names_the_zone_by_its_current_name_and_the_number_once(demo_store) -> None:
    customer_texts(demo_store, STRANGER, "hello", "SMstranger0000000002")
    db = Path(str(demo_store.engine.url.database))
    out = run_process("profile", STRANGER, "--db", db, "--agent", "ana")
    assert out.code == 0, out.err
    assert "Asia/Kolkata, from phone number" in out.out and "Calcutta" not in out.out
    assert out.out.splitlines()[0].count(phones.pretty(STRANGER)) == 1, out.out
    data = run_process("profile", STRANGER, "--json", "--db", db, "--agent", "ana").json()
    assert data["time_zone"] == "Asia/Kolkata"
    thread = run_process("thread", STRANGER, "--db", db, "--agent", "ana")
    assert thread.out.splitlines()[0].count(phones.pretty(STRANGER)) == 1, thread.out


async def test_activity_reads_as_labels_and_amounts(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await started(pilot)
        await open_conversation(pilot, KENJI)
        side = screen.side
        side.query_one("#side-tabs", SideTabs).active = "tab-activity"
        await settle(pilot)
        activity = str(side.query_one("#side-activity", ScrollText).text)
        assert "Placed Order" in activity
        assert "$value" not in activity and "17800.0" not in activity, activity
        # Kenji's order #1069 in yen: the Orders tab says "total 17,800 JPY".
        assert "Value: 17,800 JPY" in activity, activity
        assert "Order: #1069" in activity, activity


async def test_a_zone_that_is_not_certain_shows_its_span_and_every_candidate(demo_store) -> None:
    """An Australian mobile may be in five clocks: the panel gives the span of local times
    and the candidates, never one time; the full profile names every candidate."""
    aussie = "+61423456789"  # nobody in the demo: only the number is known
    customer_texts(demo_store, aussie, "do you ship to Perth?", "SMaussie000000000001")
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot)
        await open_conversation(pilot, aussie)
        _thread, panel = _columns(plain(app))
        card = " ".join(" ".join(line.split()) for line in panel)
        # NOW is 15:00 UTC: 23:00 in Perth, 02:00 (Wed) in Sydney's summer time.
        assert "Local time: between Tue 23:00 and Wed 02:00 (Australia, 5 zones)" in card, card
        assert "(quiet hours in at least one)" in card
        assert "not certain: Australia, 5 zones (Australia/Perth, Australia/Eucla," in card
        await pilot.press("v")
        await settle(pilot)
        profile = " ".join(plain(app).replace("▕", " ").split())  # the column's border
        assert "Australia/Adelaide, Australia/Sydney), from phone number" in profile, profile
