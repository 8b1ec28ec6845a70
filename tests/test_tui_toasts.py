"""Where notification toasts land: at the top right, never over the reply being typed,
the key bar or the status line, whatever the terminal's size."""

from __future__ import annotations

from typing import Any

import pytest

from convo_tui.app import ConvoApp
from convo_tui.widgets.redrawn.key_bar import KeyBar

from .tui_helpers import (
    MARIA,
    customer_texts,
    make_app,
    notifications,
    open_conversation,
    plain,
    settle,
    started,
)

pytestmark = pytest.mark.anyio

TYPED = "Yes in black"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def typing_a_reply(pilot: Any) -> None:
    """Maria's conversation open, the agent typing in the composer."""
    screen = await started(pilot)
    await open_conversation(pilot, MARIA)
    await pilot.press("r")
    await settle(pilot)
    assert screen.composer.body.has_focus
    await pilot.press(*"Yes", "space", *"in", "space", *"black")
    await settle(pilot)
    assert screen.composer.body.text == TYPED


async def texts_arrive(pilot: Any, count: int) -> None:
    """`count` customers text in (one 'New text' toast each, up to three)."""
    app = pilot.app
    for n in range(count):
        customer_texts(app.desk.store, f"+1415555018{n}", f"Hello number {n}", f"SMtoast{n}")
    app.poll_now()
    await pilot.pause(0.2)
    await settle(pilot)


def painted(widget: Any) -> Any:
    """The Region of the screen a widget is drawn on (its region cut to its container's)."""
    geometry = widget.screen.find_widget(widget)
    return geometry.region.intersection(geometry.clip)


def kept_clear(app: ConvoApp) -> dict[str, Any]:
    screen = app.inbox
    assert screen is not None
    return {
        "composer": screen.composer.region,
        "key bar": screen.query_one(KeyBar).region,
        "status line": screen.query_one("#status").region,
    }


@pytest.mark.parametrize(
    "size", [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
)
async def test_a_toast_shows_at_the_top_right_clear_of_the_composer(
    demo_store, size: tuple[int, int]
) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=size, notifications=True) as pilot:
        await typing_a_reply(pilot)
        await texts_arrive(pilot, 1)
        app.notify("Queued reply to somebody else", timeout=6)
        await settle(pilot)
        toasts = list(app.screen.query("Toast"))
        assert len(toasts) == 2
        clear = kept_clear(app)
        width, _height = size
        for toast in toasts:
            region = toast.region
            assert region == painted(toast)  # whole, in sight
            assert region.right >= width - 2  # at the right edge (the rack keeps a column)
            for name, kept in clear.items():
                assert not region.overlaps(kept), (name, region, kept)
        assert toasts[0].region.y == 1  # just under the status line
        assert app.inbox is not None and app.inbox.composer.body.has_focus
        assert TYPED in plain(app)


@pytest.mark.parametrize(
    "size", [pytest.param((80, 24), id="80x24"), pytest.param((80, 16), id="80x16")]
)
async def test_more_toasts_than_fit_are_cut_above_the_composer(
    demo_store, size: tuple[int, int]
) -> None:
    """A burst of toasts runs out of room above the composer: what does not fit is not
    drawn, rather than drawn over the reply."""
    app = make_app(demo_store)
    async with app.run_test(size=size, notifications=True) as pilot:
        await typing_a_reply(pilot)
        await texts_arrive(pilot, 3)
        app.notify("Queued reply to somebody else", timeout=6)
        app.notify("One more", severity="warning", timeout=6)
        await settle(pilot)
        toasts = list(app.screen.query("Toast"))
        assert len(toasts) == 5
        shown = [painted(toast) for toast in toasts if painted(toast)]
        assert shown, "no toast in sight"
        for region in shown:
            for name, kept in kept_clear(app).items():
                assert not region.overlaps(kept), (name, region, kept)
        assert TYPED in plain(app)


async def test_a_burst_of_texts_is_announced_in_three_toasts_that_all_fit(demo_store) -> None:
    """Five texts at once at 80x24: the two newest and the count of the others, all
    three whole above the composer (with four, the count was the toast cut off)."""
    app = make_app(demo_store)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await typing_a_reply(pilot)
        await texts_arrive(pilot, 5)
        toasts = list(app.screen.query("Toast"))
        assert len(toasts) == 3
        said = notifications(app)
        assert len(said) == 3
        assert said[-1] == "and 3 more new texts"
        assert [any(f"Hello number {n}" in m for m in said) for n in range(5)] == [
            False,
            False,
            False,
            True,
            True,
        ]
        assert "and 3 more new texts" in plain(app)  # the count is drawn, not cut
        for toast in toasts:
            region = painted(toast)
            assert region == toast.region  # whole, in sight
            for name, kept in kept_clear(app).items():
                assert not region.overlaps(kept), (name, region, kept)
