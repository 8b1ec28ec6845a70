"""Two agents, two real OS users, each in their own tmux session on one SQLite store
(issue 17's "done when"): Ana hands a conversation over to Bea, leaves her a note with a
mention, and answers the customer while Bea is writing; Bea is told, sees it, and her
reply is held until she has looked. Everything is read off the two screens."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlmodel import col, select

from convo_tui import clock
from convo_tui.core import agents, profiles
from convo_tui.core import settings as settings_mod
from convo_tui.core.inbound import process_inbound
from convo_tui.core.texts import InboundText
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.kinds import Consent
from convo_tui.store.models import Agent, Message
from convo_tui.store.open import open_store

from . import postgres_server
from .conftest import BUSINESS
from .os_users import Host, can_make_users, team_host

pytestmark = pytest.mark.skipif(
    not can_make_users() or shutil.which("tmux") is None, reason="needs root, useradd and tmux"
)

MARIA = "+14155550123"
ROOT = Path(__file__).resolve().parent.parent


class Pane:
    """One agent's terminal: a tmux server of its own running the inbox as `uid`."""

    def __init__(self, host: Host, login: str, store: str) -> None:
        """`store`: a SQLite file, or the URL of the agent's own PostgreSQL login."""
        self.socket = f"convo-team-{uuid.uuid4().hex[:8]}"
        # A clean environment, as a login gives: nothing of the test process's (its
        # config folder is root's, which the agent cannot read).
        clean = f"env -i HOME={host.folder} PATH=/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8"
        where = f"--db {store}"
        if store.startswith("postgresql"):
            clean, where = f"{clean} CONVO_DATABASE_URL={store}", ""
        command = (
            f"cd {ROOT} && {clean} {sys.executable} -m tests.as_agent "
            f"{host.users[login]} {host.gid} -- {where}; sleep 60"
        )
        self.run("new-session", "-d", "-x", "120", "-y", "36", "-s", "t", command)

    def run(self, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env["CONVO_DEMO_SIMULATE_EVERY"] = "0"
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=env
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "t", key)
            time.sleep(0.2)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "t", "-l", text)
        time.sleep(0.2)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def wait_for(self, found: Callable[[str], bool], what: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if found(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"never saw {what}; the screen was:\n{self.screen()}")

    def wait_text(self, text: str, timeout: float = 60) -> str:
        return self.wait_for(lambda screen: text in screen, repr(text), timeout)

    def close(self) -> None:
        self.run("kill-server")


@pytest.fixture
def host() -> Iterator[Host]:
    with team_host() as made:
        yield made


def _fill(store: Store, ana: str, bea: str) -> None:
    """Ana (the owner) and Bea, a customer who texted (as the sync would write it)."""
    now = clock.utcnow()
    with store.write() as session:
        owner = agents.identify(session, ana, now=now)
        owner.name = "Ana Souza"
        agents.add_agent(session, owner, bea, "support", name="Bea Costa", now=now)
        agents.database_role(session, ana, "owner")  # on PostgreSQL: their own logins
        agents.database_role(session, bea, "support")
        # Replies may go at any hour here: the story is not about quiet hours.
        settings_mod.set_value(session, owner, "quiet_hours.start", "00:00", now=now)
        settings_mod.set_value(session, owner, "quiet_hours.end", "23:59", now=now)
        profile, _ = profiles.get_or_create(session, MARIA, now=now)
        profile.first_name, profile.last_name = "Maria", "Silva"
        profile.sms_consent = Consent.SUBSCRIBED.value
        process_inbound(
            session, InboundText("SMteamtmux1", MARIA, BUSINESS, "Is it in black?", now), now=now
        )


def _sqlite(host: Host) -> tuple[str, str, str, str]:
    """The SQLite store the two share in their group folder (as `convo init` there
    leaves it): the owner's URL, each agent's store, and the logins."""
    ana, bea = sorted(host.users)
    db = host.folder / "convo.sqlite3"
    store = open_store(sqlite_url(db))
    _fill(store, ana, bea)
    store.close()
    for path in host.folder.iterdir():  # as `convo init` in the group folder leaves them
        os.chown(path, host.users[ana], host.gid)
        os.chmod(path, 0o660)
    return sqlite_url(db), ana, bea, str(db)


Shared = tuple[str, str, str, "Pane", "Pane"]
"""The store (owner's URL), the two logins and their panes."""


@pytest.fixture(params=["sqlite", "postgresql"])
def shared(
    request: pytest.FixtureRequest, host: Host
) -> Iterator[tuple[str, str, str, Pane, Pane]]:
    """The store (owner's URL), the two logins and their two panes: a SQLite file in the
    group folder, or a PostgreSQL database (scram-sha-256) where each logs in as their
    own database role."""
    ana, bea = sorted(host.users)
    if request.param == "sqlite":
        url, ana, bea, db = _sqlite(host)
        a, b = Pane(host, ana, db), Pane(host, bea, db)
        try:
            yield url, ana, bea, a, b
        finally:
            a.close()
            b.close()
        return
    postgres_server.require_programs()
    with postgres_server.cluster(authenticate=True) as cluster:
        url = postgres_server.new_database(cluster.url, "convo_team")
        store = open_store(url)
        _fill(store, ana, bea)
        store.close()
        admin = cluster.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            for login in (ana, bea):
                conn.execute(f"ALTER ROLE {login} PASSWORD 'pw-{login}'")
        a = Pane(host, ana, cluster.url_for(ana, f"pw-{ana}", "convo_team"))
        b = Pane(host, bea, cluster.url_for(bea, f"pw-{bea}", "convo_team"))
        try:
            yield url, ana, bea, a, b
        finally:
            a.close()
            b.close()


def test_two_agents_in_two_tmux_sessions(shared: Shared) -> None:
    url, ana, bea, a, b = shared
    try:
        a.wait_text("Ana Souza (owner)")
        b.wait_text("Bea Costa (support)")
        for pane in (a, b):
            pane.wait_text("Is it in black?")
        # Ana hands Maria to Bea with the picker: Bea is told, her row shows her initials.
        a.keys("A")
        a.wait_text("Nobody (unassign)")
        a.keys("Down", "Enter")  # Ana is first (by login), Bea next
        a.wait_text("Maria Silva: assigned to")
        b.wait_text("gave you Maria Silva")
        b.wait_text("BC")
        # A note with a mention: Bea is told, and sees it in the thread as a note.
        a.keys("n")
        a.wait_text("Internal note on")
        a.type("@" + bea + " she wants black, size 39")
        a.keys("C-s")
        b.wait_text("mentioned you on Maria Silva")
        b.wait_text("NOTE internal, not sent")
        # Bea opens Maria and writes; Ana answers first.
        b.keys("Enter")
        b.wait_text("Media URLs")
        a.wait_text("Bea is viewing")  # presence, on Ana's thread header
        b.type("Yes, black is in stock")
        a.wait_text("Bea is typing")
        a.keys("Enter")
        a.type("Hi Maria, Ana here: black is back")
        a.keys("Enter")
        a.wait_text("Reply #")
        b.wait_text("Hi Maria, Ana here")  # on Bea's screen within the poll
        b.keys("Enter")
        b.wait_text("Reply held")
        screen = b.wait_text("replied since you last looked")
        assert "Yes, black is in stock" in screen  # still in her box
        b.keys("Enter")  # she has seen it: this one goes
        b.wait_text("Reply #")
    finally:
        a.close()
        b.close()
    store: Store = open_store(url, migrate=False)
    try:
        with store.read() as session:
            sent = session.exec(
                select(Agent.login, Message.body)
                .join(Agent, col(Agent.id) == col(Message.agent_id))
                .where(Message.direction == "outbound")
                .order_by(col(Message.id))
            ).all()
            notes = session.exec(select(Message.body).where(Message.direction == "note")).all()
    finally:
        store.close()
    assert [tuple(row) for row in sent] == [
        (ana, "Hi Maria, Ana here: black is back"),
        (bea, "Yes, black is in stock"),
    ]
    assert notes == [f"@{bea} she wants black, size 39"]
