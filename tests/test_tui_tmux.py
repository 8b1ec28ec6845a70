"""`convo demo` in a real terminal (tmux), driven by keys and read from the screen, as an
agent on an SSH session would: open the first unread conversation, reply, snooze,
filter, open the settings, quit. The in-process sandbox and the live sync run for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from convo_tui.store.engine import sqlite_url
from convo_tui.store.models import Conversation, Message, OutboxItem, Profile
from convo_tui.store.open import open_store

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux server of our own (its own socket), one window of a fixed size;
    `exit_file`, when given, is where `command` writes its exit code."""

    def __init__(
        self, width: int, height: int, command: str, exit_file: Path | None = None
    ) -> None:
        self.exit_file = exit_file
        self.socket = f"convo-test-{uuid.uuid4().hex[:8]}"
        self.run("new-session", "-d", "-x", str(width), "-y", str(height), "-s", "t", command)

    def run(self, *args: str) -> str:
        # The pane's size comes from the terminal, not from a COLUMNS/LINES that the
        # test process may carry (a fixed 80x24 there would override the window's).
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "t", key)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "t", "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def wait_for(self, found: Callable[[str], bool], what: str, timeout: float = 45) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if found(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"never saw {what}; the screen was:\n{self.screen()}")

    def close(self) -> None:
        self.run("kill-server")


@pytest.fixture
def terminal_factory(tmp_path: Path) -> Iterator[Callable[[int, int, Path], Terminal]]:
    made: list[Terminal] = []

    def make(width: int, height: int, db: Path) -> Terminal:
        done = tmp_path / f"exit-{len(made)}"
        command = (
            f"{sys.executable} -m convo_tui demo --db {db} --agent ana; echo $? > {done}; sleep 30"
        )
        terminal = Terminal(width, height, command, done)
        made.append(terminal)
        return terminal

    os.environ["CONVO_DEMO_SIMULATE_EVERY"] = "0"  # no surprise customers mid-test
    try:
        yield make
    finally:
        os.environ.pop("CONVO_DEMO_SIMULATE_EVERY", None)
        for terminal in made:
            terminal.close()


def first_row_name(screen: str) -> str:
    """The name on the first inbox row: `▌● James Lee        3m ▕ …`."""
    line = screen.splitlines()[1]
    cell = line.split("▕")[0].strip("▌ ●")
    return " ".join(word for word in cell.split()[:-1] if word != "…")


def thread_name(screen: str) -> str:
    """The name heading the right pane (the open or previewed conversation):
    `… ▕ Andre Patel  +1 213-555-0114  open`."""
    cells = screen.splitlines()[1].split("▕")
    return cells[1].split("  ")[0].strip() if len(cells) > 1 else ""


def in_list(screen: str, name: str) -> bool:
    return any(name in line.split("▕")[0] for line in screen.splitlines()[1:-1])


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_an_agent_triages_in_tmux(terminal_factory, tmp_path: Path, size) -> None:
    db = tmp_path / "demo.sqlite3"
    term = terminal_factory(*size, db)
    term.wait_for(lambda s: "unread" in s.splitlines()[0] and "sync idle" in s, "the inbox", 90)

    # Filter: unread only (the filter modal: status set, then read set).
    term.keys("f")
    term.wait_for(lambda s: "Filters" in s, "the filter modal")
    term.keys("Tab", "Down", "Enter", "C-s")
    screen = term.wait_for(
        lambda s: "open, unread — 20" in s.splitlines()[0] and first_row_name(s) != "",
        "the unread filter and its rows",
    )

    # Open the first unread conversation.
    name = first_row_name(screen)
    assert name, screen
    term.keys("Enter")
    term.wait_for(
        lambda s: any(name in line and "unread" not in line for line in s.splitlines()[1:4]),
        f"{name}'s thread, read",
    )

    # Reply: opening put the cursor in the reply box, so the agent just types; in the
    # recipient's quiet hours, send anyway (the warning is the point).
    body = f"Hi {name.split()[0]}, checking that for you now"
    term.type(body)
    # The composer has counted the text before enter: "· 0 characters" below means sent.
    term.wait_for(lambda s: f"· {len(body)} characters" in s, "the text in the composer")
    term.keys("Enter")
    # Sent, the composer is empty again; in the recipient's night a warning comes first.
    sent = "· 0 characters"
    screen = term.wait_for(lambda s: "Send now (a)" in s or sent in s, "a warning, or the send")
    if "Send now (a)" in screen:
        term.keys("a")
        term.wait_for(lambda s: sent in s, "the send after the warning")
    term.wait_for(lambda s: body[:20] in s, "the reply in the thread")
    # Back to the list. A terminal sends esc as one byte: a key right behind it would be
    # read as alt+key, so wait for the list's keys in the footer first.
    term.keys("Escape")
    screen = term.wait_for(lambda s: "Open" in s.splitlines()[-1], "the list's keys in the footer")

    # Read now, the conversation left the unread view: the cursor is on the next one, and
    # the list's keys act on the row the cursor is on. Snooze that one until later today.
    snoozed = first_row_name(screen)
    assert snoozed and snoozed != name, screen
    term.wait_for(lambda s: snoozed in s.splitlines()[1][30:], f"{snoozed}'s thread in sight")
    term.keys("s")
    term.wait_for(lambda s: "Later today" in s, "the snooze choices")
    term.keys("1")
    term.wait_for(lambda s: "nooze" in s and "Later today" not in s, "the snooze taking effect")

    # The settings modal opens and closes.
    term.keys(",")
    term.wait_for(lambda s: "Auto-reply" in s or "auto_reply" in s, "the settings modal")
    term.keys("Escape")
    term.wait_for(lambda s: "Auto-reply" not in s and "auto_reply" not in s, "settings closed")
    time.sleep(0.5)  # esc, then q: not alt+q

    # Quit: the process ends cleanly.
    term.keys("q")
    deadline = time.monotonic() + 20
    exit_file = term.exit_file
    assert exit_file is not None
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert exit_file.read_text().strip() == "0", term.screen()

    # What the agent did is in the store: the reply went to the sandbox, the snooze held.
    store = open_store(sqlite_url(db))
    try:
        with store.read() as session:
            reply = session.exec(select(Message).where(Message.body == body)).one()
            item = session.exec(select(OutboxItem).where(OutboxItem.message_id == reply.id)).one()
            assert item.state in ("sent", "queued", "sending"), item.state
            profile = session.get(Profile, reply.profile_id)
            assert profile is not None and name.split()[0] in (profile.first_name or "")
            conversation = session.exec(
                select(Conversation).where(col(Conversation.profile_id) == profile.id)
            ).one()
            assert conversation.status == "open" and not conversation.unread
            other = session.exec(
                select(Profile).where(col(Profile.first_name) == snoozed.split()[0])
            ).one()
            conversation = session.exec(
                select(Conversation).where(col(Conversation.profile_id) == other.id)
            ).one()
            assert conversation.status == "snoozed"
    finally:
        store.close()


def test_the_trust_walk_at_80x24(terminal_factory, tmp_path: Path) -> None:
    """Issue 13's walk in a real terminal: open, type a reply, move away and back (the
    draft is kept and shows nowhere else), send, undo (the text comes back), close, undo."""
    db = tmp_path / "demo.sqlite3"
    term = terminal_factory(80, 24, db)
    term.wait_for(lambda s: "sync idle" in s.splitlines()[0], "the inbox", 90)
    text = "James: refund approved, card ending 4242"
    term.keys("Enter")
    # The name comes from the thread opened, not from the first row read before: the
    # first sync may still be putting a newer conversation on top.
    screen = term.wait_for(
        lambda s: "Reply…" in s and "esc Back" in s.splitlines()[-1] and thread_name(s) != "",
        "the box",
    )
    name = thread_name(screen)
    term.type(text)
    term.wait_for(lambda s: f"· {len(text)} characters" in s, "the draft in the box")
    term.keys("Escape")
    term.wait_for(lambda s: "Open" in s.splitlines()[-1], "the list's keys")
    term.keys("j")
    moved = term.wait_for(lambda s: thread_name(s) not in ("", name), "the next row")
    assert "4242" not in moved
    term.keys("k")
    term.wait_for(
        lambda s: "4242" in s and thread_name(s) == name, f"{name}'s draft in the preview"
    )
    term.keys("Enter")
    term.wait_for(lambda s: f"· {len(text)} characters" in s, "the draft back in the box")
    term.keys("Enter")
    screen = term.wait_for(lambda s: "Send now (a)" in s or "pending ·" in s, "the send")
    if "Send now (a)" in screen:
        term.keys("a")
    term.wait_for(lambda s: "pending ·" in s and "· 0 characters" in s, "the reply pending")
    term.keys("C-r")
    term.wait_for(
        lambda s: "pending ·" not in s and f"· {len(text)} characters" in s,
        "the reply recalled, its text back in the box",
    )
    term.keys("Escape")
    term.wait_for(lambda s: "Open" in s.splitlines()[-1], "the list's keys")
    term.keys("c")
    term.wait_for(lambda s: "closed — z undoes" in s, "the close and its undo key")
    term.keys("z")
    term.wait_for(lambda s: "Undone:" in s and in_list(s, name), "the close undone")
    store = open_store(sqlite_url(db), migrate=False)
    try:
        with store.read() as session:
            bodies = [m.body for m in session.exec(select(Message)).all()]
        assert text not in bodies  # recalled: it never went anywhere
    finally:
        store.close()
