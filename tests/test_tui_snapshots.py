"""Snapshots of the terminal inbox at 80x24 and 160x48: fixed clock, fixed demo store.

Regenerate with `pytest tests/test_tui_snapshots.py --snapshot-update`, then look
at the SVGs in tests/__snapshots__/ before keeping them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from .tui_helpers import (
    AROHA,
    KENJI,
    MARIA,
    make_app,
    open_conversation,
    settle,
    started,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


async def steady(pilot: Any) -> None:
    """No blinking cursors, nothing still loading."""
    await settle(pilot)
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await settle(pilot)


def scenario(*steps: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot: Any) -> None:
        await started(pilot)
        for step in steps:
            await step(pilot)
        await steady(pilot)

    return run


def opening(phone: str) -> Callable[[Any], Awaitable[None]]:
    async def step(pilot: Any) -> None:
        await open_conversation(pilot, phone, back_to_list=False)  # as right after enter

    return step


def typing(text: str) -> Callable[[Any], Awaitable[None]]:
    async def step(pilot: Any) -> None:
        assert pilot.app.inbox.composer.body.has_focus  # enter put the cursor there
        pilot.app.inbox.composer.body.insert(text)
        await settle(pilot)

    return step


def pressing(*keys: str) -> Callable[[Any], Awaitable[None]]:
    async def step(pilot: Any) -> None:
        await pilot.press(*keys)
        await settle(pilot)

    return step


async def panel_if_narrow(pilot: Any) -> None:
    if not pilot.app.inbox.panel_open:
        await pilot.press("escape", "i")  # i is a key of the list
        await settle(pilot)


SCENARIOS = {
    "inbox": scenario(),
    "thread_with_side_panel": scenario(opening(MARIA), panel_if_narrow),
    "composer_allowed": scenario(opening(MARIA), typing("Yes! Size 38 is in stock in black.")),
    "composer_refused": scenario(opening(KENJI)),
    "composer_long_ucs2": scenario(
        opening(MARIA),
        typing("Olá Maria! 👢 " + "Temos as botas em preto e castanho, tamanho 38. " * 6),
    ),
    "quiet_hours_warning": scenario(
        opening(AROHA), typing("Your return label is attached."), pressing("enter")
    ),
    "settings_modal": scenario(pressing("comma")),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_snapshot(snap_compare, demo_store, name: str, size: tuple[int, int]) -> None:
    app = make_app(demo_store)
    assert snap_compare(app, terminal_size=size, run_before=SCENARIOS[name])
