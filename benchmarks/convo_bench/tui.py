"""The bench's Textual pieces, run as their own processes by the bench runner:

- `python -m convo_bench.tui floor`: the floor for start-up and memory, a
  minimal Textual app that paints one static screen;
- `python -m convo_bench.tui keys DB OUT.json`: CPU time per key on the real
  inbox (headless, in-process): process CPU time (every thread: the UI and the
  workers that load pages) from the key press until every worker is done and
  the screen is refreshed, minus the same wait around a key nothing is bound to
  (the Pilot's own cost). The session's first End and Home (a cold read of the far
  page) are reported apart from the presses that follow.

Textual is imported inside the functions: the rest of convo_bench stays headless.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

FLOOR_TEXT = "convo bench floor: ready"
KEY_SIZE = (120, 40)


def floor() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Floor(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(FLOOR_TEXT)

    Floor().run()


async def _keys(db: Path, login: str, repeat: int) -> dict[str, Any]:
    # Imported here, as the app is: the floor process must load Textual alone.
    from convo_bench.figures import quantile
    from convo_tui.app import ConvoApp
    from convo_tui.session.desk import Desk
    from convo_tui.store.engine import sqlite_url
    from convo_tui.store.open import open_store
    from convo_tui.widgets.side_tabs import SideTabs

    store = open_store(sqlite_url(db), migrate=False)
    app = ConvoApp(Desk(store, login), poll_seconds=3600.0)
    samples: dict[str, list[float]] = {}
    walls: dict[str, list[float]] = {}
    async with app.run_test(size=KEY_SIZE) as pilot:

        async def settle() -> None:
            quiet = 0
            for _ in range(4000):
                await pilot.pause()
                busy = [
                    w
                    for w in app.workers
                    if w.group != "poller" and w.state.name in ("PENDING", "RUNNING")
                ]
                inbox = app.inbox.inbox if app.inbox is not None and app.inbox.is_mounted else None
                pending = inbox is not None and (inbox._inflight or inbox._fetch_scheduled)
                if busy or pending:
                    quiet = 0
                    await asyncio.sleep(0.001)
                    continue
                quiet += 1
                if quiet >= 2:
                    return
            raise RuntimeError("the inbox never settled")

        for _ in range(2000):
            await settle()
            if app.inbox is not None and app.inbox.is_mounted and app.inbox.inbox.loaded:
                break
            await asyncio.sleep(0.01)
        await settle()
        screen = app.inbox
        assert screen is not None
        inbox = screen.inbox

        async def measure(name: str, act: Callable[[], Awaitable[None]]) -> None:
            cpu, wall = time.process_time(), time.perf_counter()
            await act()
            await settle()
            samples.setdefault(name, []).append((time.process_time() - cpu) * 1000)
            walls.setdefault(name, []).append((time.perf_counter() - wall) * 1000)

        def press(*keys: str) -> Callable[[], Awaitable[None]]:
            async def act() -> None:
                await pilot.press(*keys)

            return act

        inbox.focus()
        await settle()
        # The first jump of a session reads the far page cold (SQLite's cache is empty
        # there): reported apart, not pooled with the presses that follow it.
        first: dict[str, float] = {}
        for name, key in (("end", "end"), ("home", "home")):
            await measure("first", press(key))
            first[name] = samples.pop("first")[0]
            walls.pop("first")
        for _ in range(repeat):
            await measure("idle (unbound key)", press("x"))
        for _ in range(repeat):
            await measure("j", press("j"))
        for _ in range(repeat):
            await measure("k", press("k"))
        for _ in range(repeat):
            await measure("page down", press("pagedown"))
        for _ in range(max(repeat // 5, 5)):
            await measure("end", press("end"))
            await measure("home", press("home"))
        tabs = screen.query_one("#side-tabs", SideTabs)
        names = ["tab-activity", "tab-orders", "tab-profile"]
        for turn in range(max(repeat // 5, 5)):
            await pilot.press("j")
            await settle()
            inbox.focus()
            await measure("open thread (enter)", press("enter"))
            inbox.focus()
            await settle()

            async def switch(tab: str = names[turn % 3]) -> None:
                tabs.active = tab

            await measure("switch side tab", switch)
        rows = inbox.total
    store.close()
    idle = statistics.median(samples["idle (unbound key)"])
    result: dict[str, Any] = {
        "rows": rows,
        "idle_cpu_ms": idle,
        "first_press_net_cpu_ms": {name: max(v - idle, 0.0) for name, v in first.items()},
        "keys": {},
    }
    for name, values in samples.items():
        net = [max(v - idle, 0.0) for v in values]
        result["keys"][name] = {
            "n": len(values),
            "net_cpu_ms": [round(v, 3) for v in net],
            "cpu_ms_median": statistics.median(values),
            "cpu_ms_p95": quantile(values, 0.95),
            "net_cpu_ms_median": statistics.median(net),
            "net_cpu_ms_p95": quantile(net, 0.95),
            "wall_ms_median": statistics.median(walls[name]),
        }
    return result


def keys(db: Path, out: Path, *, login: str = "bench", repeat: int = 60) -> None:
    result = asyncio.run(_keys(db, login, repeat))
    out.write_text(json.dumps(result, indent=2))


def main(argv: list[str]) -> None:
    if argv[:1] == ["floor"]:
        floor()
    elif argv[:1] == ["keys"] and len(argv) >= 3:
        keys(Path(argv[1]), Path(argv[2]), repeat=int(argv[3]) if len(argv) > 3 else 60)
    else:
        sys.exit("usage: python -m convo_bench.tui floor | keys DB OUT.json [REPEAT]")


if __name__ == "__main__":
    main(sys.argv[1:])
