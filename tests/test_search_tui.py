"""`/` in the terminal UI finds customers as well as messages (Pilot, the demo store):
customers first under their own heading, a line when more match than are shown, and
opening any hit opens its conversation and marks it read like any open."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .tui_helpers import (
    KENJI,
    MARIA,
    conversation_of,
    make_app,
    notifications,
    plain,
    settle,
    started,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _search(pilot: Any, query: str) -> Any:
    """Open search, type `query`, and wait until its results are on the screen."""
    app = pilot.app
    await pilot.press("slash")
    await settle(pilot)
    await pilot.press(*query)
    for _ in range(200):
        await settle(pilot)
        screen = app.screen
        summary = str(screen.query_one("#search-summary").render()).strip()
        # Typing is debounced: wait for the summary, and for the results of all of it.
        if summary and getattr(screen, "shown_query", query) == query:
            return screen
        await asyncio.sleep(0.02)
    raise AssertionError(f"no results shown for {query!r}: {plain(app)}")


def _lines(screen: Any) -> list[str]:
    """The lines of the result list, as drawn, headings and notes included."""
    results = screen.query_one("#search-results")
    return [str(getattr(option.prompt, "plain", option.prompt)) for option in results.options]


def _index(lines: list[str], needle: str) -> int:
    found = [n for n, line in enumerate(lines) if needle in line]
    assert found, (needle, lines)
    return found[0]


@pytest.mark.parametrize("query", ["Watanabe", "kenji", "+819012345678"])
async def test_a_name_or_number_finds_kenji(demo_store: Any, query: str) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        screen = await _search(pilot, query)
        lines = _lines(screen)
        assert any("Kenji Watanabe" in line for line in lines), lines
        assert [hit.phone for hit in screen.customers] == [KENJI]


@pytest.mark.parametrize("query", ["4155550123", "+14155550123", "(415) 555-0123"])
async def test_a_number_in_any_form_finds_maria_first(demo_store: Any, query: str) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        screen = await _search(pilot, query)
        lines = _lines(screen)
        assert any("Maria Silva" in line for line in lines), lines
        assert "Maria Silva" in lines[_index(lines, "Customers") + 1]
        assert [hit.phone for hit in screen.customers][:1] == [MARIA]


async def test_customers_come_first_then_messages(demo_store: Any) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        screen = await _search(pilot, "maria")
        lines = _lines(screen)
        assert any("Maria Silva" in line for line in lines), lines
        customers, messages = _index(lines, "Customers"), _index(lines, "Messages")
        assert customers < _index(lines, "Maria Silva") < messages
        assert screen.customers and screen.hits  # both kinds match "maria"
        # The highlight starts on the first customer, and enter takes it.
        assert screen.highlighted_hit() == screen.customers[0]


async def test_more_results_than_shown_are_announced(demo_store: Any) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        screen = await _search(pilot, "example")
        lines = _lines(screen)
        assert any("more customers — refine the search" in line for line in lines), lines
        more = screen.results.more_customers
        assert more > 100
        assert f"{more} more customers — refine the search" in lines
        assert any("more messages match — refine the search" in line for line in lines)
        # The lines are notes, not hits: the cursor steps over them (and the heading).
        await pilot.press("down")  # into the results, on the first customer
        await pilot.press(*["down"] * len(screen.customers))
        assert screen.highlighted_hit() == screen.hits[0]


async def test_enter_on_a_customer_opens_and_marks_read(demo_store: Any) -> None:
    assert conversation_of(demo_store, KENJI).unread
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(pilot)
        await _search(pilot, "Watanabe")
        await pilot.press("enter")
        await settle(pilot)
        inbox = screen
        assert app.screen is inbox
        assert inbox.view is not None
        assert inbox.view.conversation_id == conversation_of(demo_store, KENJI).id
        assert not conversation_of(demo_store, KENJI).unread
        assert "Kenji Watanabe" in plain(app)


async def test_enter_on_a_message_marks_it_read_too(demo_store: Any) -> None:
    assert conversation_of(demo_store, MARIA).unread
    app = make_app(demo_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await started(pilot)
        await _search(pilot, "size 38")
        await pilot.press("enter")
        await settle(pilot)
        view = screen.view
        assert view is not None and view.conversation_id == conversation_of(demo_store, MARIA).id
        assert screen.thread.hit is not None and "size 38" in screen.thread.hit.body
        assert not conversation_of(demo_store, MARIA).unread


async def test_a_customer_who_never_texted_says_so(demo_store: Any) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        inbox = await started(pilot)
        screen = await _search(pilot, "Lucas Pereira")
        lines = _lines(screen)
        # Marked in the list already.
        assert any("Lucas Pereira" in line and "no conversation" in line for line in lines), lines
        assert [hit.name for hit in screen.customers] == ["Lucas Pereira"]
        before = inbox.view
        await pilot.press("enter")
        await settle(pilot)
        said = [n for n in notifications(app) if "Lucas Pereira" in n]
        assert said == [
            "Lucas Pereira has no conversation: they never texted anything but keywords"
        ]
        assert inbox.view == before
