"""Emoji sequences in a real terminal (tmux 3.3a): the list's separator `▕` and the side
panel's edge `▏` stand in one column on every line, whichever emoji the customers sent.

Rich counts "👍🏽" 2 cells and tmux advances 4; "🏳️‍🌈" and "❤️" are 2 for Rich and 1 for
tmux: a row holding one of them used to lose its separator."""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path

import pytest
from rich.cells import get_character_cell_size
from sqlmodel import select

from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.models import Profile
from convo_tui.store.open import open_store

from .test_tui_tmux import Terminal
from .tui_helpers import AROHA, DANA, KENJI, MARIA, build_demo_template, customer_texts

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

PROBE = "+14155550188"
TEXTS = {
    MARIA: "👍🏽",
    KENJI: "👩\u200d👩\u200d👧\u200d👦 family",
    AROHA: "🏳\ufe0f\u200d🌈 pride",
    DANA: "love it ❤️ 👩🏽\u200d💻",
}


def columns(line: str, mark: str) -> list[int]:
    """The terminal columns of `mark` in `line` (tmux prints a wide character once)."""
    found, x = [], 0
    for char in line:
        if char == mark:
            found.append(x)
        x += get_character_cell_size(char)
    return found


@pytest.fixture
def emoji_store(tmp_path: Path) -> Path:
    path = build_demo_template(tmp_path)
    store = open_store(sqlite_url(path))
    for index, (phone, body) in enumerate(TEXTS.items()):
        customer_texts(store, phone, body, f"SMemoji{index:028d}")
    with store.write() as session:
        dana = session.exec(select(Profile).where(Profile.phone == DANA)).one()
        dana.first_name = "Dana 👍🏿"
    store.close()
    return path


def watching(term: Terminal, store: Store) -> None:
    """Once the app watches for new texts: it takes the texts there when it starts watching
    as seen, a moment after it shows the inbox. (A probe text a try, until one is toasted.)"""
    for attempt in range(15):
        customer_texts(store, PROBE, f"probe {attempt}", f"SMprobe{attempt:027d}")
        with contextlib.suppress(AssertionError):
            term.wait_for(lambda s: "probe" in s, "a probe's toast", 3)
            return
    raise AssertionError(f"no new text was ever toasted:\n{term.screen()}")


@pytest.mark.parametrize("size", [(120, 30), (80, 24)], ids=["120x30", "80x24"])
def test_emoji_keep_the_columns_in_tmux(emoji_store: Path, tmp_path: Path, size) -> None:
    width, height = size
    command = (
        f"{sys.executable} -m convo_tui --db {emoji_store} --agent ana; echo $? > "
        f"{tmp_path / 'exit'}; sleep 30"
    )
    term = Terminal(width, height, command)
    try:
        screen = term.wait_for(
            lambda s: "conversations" in s.splitlines()[0] and "Kenji" in s,
            "the inbox with the emoji rows",
            60,
        )
        lines = screen.splitlines()
        rows = lines[1:-2]  # under the status line, above the composer's last line and keys
        assert any("👍" in line for line in rows[:8]), screen
        list_edges = {tuple(columns(line, "▕")[:1]) for line in rows}
        assert len(list_edges) == 1 and () not in list_edges, screen
        if width >= 100:  # the side panel is shown
            panel_edges = {tuple(columns(line, "▏")[:1]) for line in rows}
            assert len(panel_edges) == 1 and () not in panel_edges, screen
        assert "<U+200D>" not in screen, screen

        # A text arriving meanwhile: its toast and its row, drawn by the same rule.
        store = open_store(sqlite_url(emoji_store))
        watching(term, store)
        customer_texts(store, MARIA, "again 👍🏽 and 🏳\ufe0f\u200d🌈 ok", "SMemoji" + "9" * 28)
        store.close()
        screen = term.wait_for(lambda s: "Maria Silva: again" in s, "the new text's toast", 30)
        assert "Maria Silva: again 👍 and 🏳🌈 ok" in screen, screen
        rows = screen.splitlines()[1:-2]
        assert len({tuple(columns(line, "▕")[:1]) for line in rows}) == 1, screen
    finally:
        term.close()
