"""Driving the terminal UI in tests: a demo store per test, a fixed clock, waiting on workers."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlmodel import select

# Tests reach Textual through this module only: it re-exports (`X as X`) the names
# they need in annotations and typed query_one calls.
from textual import events
from textual.message import Message as Message
from textual.pilot import Pilot
from textual.widget import Widget as Widget
from textual.widgets import Checkbox as Checkbox
from textual.widgets import Input as Input
from textual.widgets import RadioButton as RadioButton
from textual.widgets import Select as Select
from textual.widgets import Switch as Switch

from convo_tui.app import ConvoApp
from convo_tui.core import demo
from convo_tui.core.inbound import process_inbound
from convo_tui.core.texts import InboundText
from convo_tui.screens.inbox import InboxScreen
from convo_tui.session.desk import Desk
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.models import Conversation, Profile
from convo_tui.store.open import open_store
from convo_tui.widgets.textual_private import PrivateName

from .conftest import BUSINESS, NOW

MARIA, KENJI, AROHA, DANA, SPAM = (
    "+14155550123",
    "+819012345678",
    "+64211234567",
    "+13125550142",
    "+12125550199",
)


def build_demo_template(folder: Path) -> Path:
    """The demo data set loaded at NOW into one file (WAL folded in, so it copies whole)."""
    path = folder / "demo.sqlite3"
    store = open_store(sqlite_url(path))
    demo.load(store, now=NOW)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


def make_app(store: Store, login: str = "ana", **kwargs: Any) -> ConvoApp:
    kwargs.setdefault("poll_seconds", 3600.0)  # tests poke the poller with poll_now()
    return ConvoApp(Desk(store, login, now=lambda: NOW), **kwargs)


async def settle(pilot: Pilot[Any], *, rounds: int = 400) -> None:
    """Wait until every worker but the poller is done, and messages are handled."""
    app = pilot.app
    quiet = 0
    for _ in range(rounds):
        await pilot.pause()
        busy = [
            w for w in app.workers if w.group != "poller" and w.state.name in ("PENDING", "RUNNING")
        ]
        if busy:
            quiet = 0
            await asyncio.sleep(0.005)
            continue
        quiet += 1
        if quiet >= 3:
            return
    raise AssertionError(f"workers still busy: {app.workers}")


def convo_app(pilot: Pilot[Any]) -> ConvoApp:
    """The app a test drives (Pilot knows it only as an App)."""
    app = pilot.app
    assert isinstance(app, ConvoApp)
    return app


async def started(pilot: Pilot[Any]) -> InboxScreen:
    """The inbox screen is up with its first rows and conversation loaded; returns it."""
    app = convo_app(pilot)
    for _ in range(400):
        await settle(pilot)
        if app.inbox is not None and app.inbox.is_mounted and app.inbox.inbox.loaded:
            await settle(pilot)
            return app.inbox
        await asyncio.sleep(0.01)
    raise AssertionError("the inbox never loaded")


def conversation_of(store: Store, phone: str) -> Conversation:
    with store.read() as session:
        profile = session.exec(select(Profile).where(Profile.phone == phone)).one()
        return session.exec(select(Conversation).where(Conversation.profile_id == profile.id)).one()


def profile_of(store: Store, phone: str) -> Profile:
    with store.read() as session:
        return session.exec(select(Profile).where(Profile.phone == phone)).one()


async def open_conversation(pilot: Pilot[Any], phone: str, *, back_to_list: bool = True) -> None:
    """Move the list cursor to the conversation with `phone` and open it (enter), then
    (by default) go back to the list with `esc`, where the one-key actions are."""
    screen = convo_app(pilot).inbox
    assert screen is not None
    conv = conversation_of(screen.desk.store, phone)
    assert conv.id is not None
    inbox = screen.inbox
    inbox.focus()
    if not inbox.move_to_conversation(conv.id):
        raise AssertionError(f"{phone} is not among the loaded rows")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert screen.view is not None and screen.view.conversation_id == conv.id
    if back_to_list:
        await pilot.press("escape")
        await settle(pilot)
        assert inbox.has_focus


def notifications(app: ConvoApp) -> list[str]:
    return [n.message for n in app._notifications]


def plain(app: ConvoApp) -> str:
    """Every visible character of the screen, line by line (from the compositor)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def customer_texts(store: Store, phone: str, body: str, sid: str) -> None:
    """Another process (sync) writes a customer's text."""
    with store.write() as session:
        process_inbound(
            session,
            InboundText(
                provider_sid=sid, from_number=phone, to_number=BUSINESS, body=body, sent_at=NOW
            ),
            now=NOW,
        )


def paste(app: ConvoApp, text: str) -> None:
    """A bracketed paste, as the terminal driver hands it to the app."""
    from textual import events

    app.post_message(events.Paste(text))


def missing_private_names(entries: Iterable[PrivateName]) -> list[str]:
    """The listed private Textual names the installed Textual lacks, or whose parameters
    are not the listed ones (convo_tui/widgets/textual_private.py)."""
    missing = []
    for entry in entries:
        if entry.kind == "attribute":
            # Instance attributes, set by the constructor (none of these needs an app).
            present = hasattr(entry.owner(), entry.name)
        else:
            member = getattr(entry.owner, entry.name, None)
            present = callable(member) and (
                tuple(inspect.signature(member).parameters) == entry.parameters
            )
        if not present:
            missing.append(f"{entry.owner.__qualname__}.{entry.name}")
    return missing


def burst(app: ConvoApp, *keys: str) -> None:
    """Keys arriving together, as a fast typist, a paste or an SSH link batching them
    delivers them: all queued at once, none waited for (Pilot's `press` waits until
    each one is handled, which hides what the second key meets)."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        char = key if len(key) == 1 else None
        name = {" ": "space", ",": "comma"}.get(key, key)
        event = events.Key(name, char)
        event.set_sender(app)
        driver.send_message(event)


def keystroke(app: ConvoApp, key: str, character: str | None) -> None:
    """One key as the terminal parser makes it (e.g. ESC+k read as alt+k carrying "k",
    which Pilot's `press` cannot give: it sends named keys without their character)."""
    driver = app._driver
    assert driver is not None
    event = events.Key(key, character)
    event.set_sender(app)
    driver.send_message(event)


_SKIP = ("convo_tui.__main__", "textual.__main__", "rich.__main__")
_STDLIB_SKIP = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "pydoc"}


def import_everything() -> None:
    """Import convo, Textual, Rich and the standard library's modules (for a process
    about to become a user who cannot read the interpreter's files: tests/as_agent.py)."""
    import ctypes.util  # noqa: F401  (psycopg finds libpq with it, after the switch)
    import importlib
    import os
    import pkgutil
    import sys

    import psycopg
    import rich
    import sqlalchemy.dialects.postgresql
    import textual

    import convo_tui

    packages = (convo_tui, textual, rich, psycopg, sqlalchemy.dialects.postgresql)
    for package in packages:
        for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if found.name.startswith(_SKIP) or ".tests" in found.name:
                continue
            with contextlib.suppress(Exception):
                importlib.import_module(found.name)
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        for name in sorted(sys.stdlib_module_names - _STDLIB_SKIP):  # some print
            if not name.startswith("_"):
                with contextlib.suppress(Exception):
                    importlib.import_module(name)
