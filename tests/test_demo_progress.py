"""`convo demo` (and `--reset`) says what it is loading while the data set loads, instead
of a blank terminal for seconds before the inbox opens."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from convo_tui.core import demo
from convo_tui.store.engine import Store

from .conftest import NOW
from .test_tui_tmux import Terminal


def test_loading_the_demo_reports_its_progress(store: Store) -> None:
    said: list[str] = []
    report = demo.load(store, now=NOW, progress=said.append)
    assert report.profiles == 230
    assert said, "no progress reported"
    assert any("profiles" in line for line in said), said
    assert any("%" in line for line in said), said
    assert said[-1].endswith("100%"), said
    # Loading again (no --reset) loads nothing and says nothing.
    again: list[str] = []
    demo.load(store, now=NOW, progress=again.append)
    assert again == []


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_demo_reset_shows_progress_on_the_terminal_before_the_inbox(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    command = (
        f"CONVO_DEMO_SIMULATE_EVERY=0 {sys.executable} -m convo_tui demo --reset --db {db} "
        "--agent ana; sleep 30"
    )
    term = Terminal(80, 24, command)
    try:
        # Seen while loading (the load takes seconds; the screen is read every 0.2 s).
        term.wait_for(lambda s: "Loading the demo" in s, "the loading progress", 60)
        term.wait_for(lambda s: "unread" in s.splitlines()[0], "the inbox", 90)
        term.keys("q")
    finally:
        term.close()
