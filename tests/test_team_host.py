"""Two agents on one support host, as two real OS users sharing a SQLite store in a
group folder: each acts as their own login whatever they pass or set, the store's files
take the group's mode, and the audit log names who did what. Needs root (to make the
users), as the suite's CI machine runs it."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from convo_tui.core.inbound import process_inbound
from convo_tui.core.texts import InboundText
from convo_tui.store.engine import sqlite_url
from convo_tui.store.open import open_store

from .cli_helpers import Result
from .conftest import BUSINESS, CUSTOMER, NOW
from .os_users import Host, can_make_users, team_host
from .zygote import Zygote

pytestmark = pytest.mark.skipif(not can_make_users(), reason="needs root and useradd")

WARM_UP = [  # every command the story runs, once as root, so children import nothing new
    ["init", "--db", "{tmp}/warm.sqlite3"],
    ["agents", "add", "warm", "--role", "support", "--db", "{tmp}/warm.sqlite3"],
    ["inbox", "--json", "--db", "{tmp}/warm.sqlite3"],
    ["close", "+14155550123", "--db", "{tmp}/warm.sqlite3"],
    ["reopen", "+14155550123", "--db", "{tmp}/warm.sqlite3"],
    ["audit", "--json", "--db", "{tmp}/warm.sqlite3"],
    ["--agent", "warm", "close", "+14155550123", "--db", "{tmp}/warm.sqlite3"],
]


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    with team_host() as made:
        yield made


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    server = Zygote(warm_up=WARM_UP)
    yield server
    server.close()


def as_user(zygote: Zygote, host: Host, login: str, *args: str, **env: str) -> Result:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(host.folder),  # no config of anyone's: the folder they share
        "TZ": "UTC",
        **env,
    }
    return zygote.run(
        list(args),
        env=environment,
        cwd=str(host.folder),
        timeout=60,
        user=(host.users[login], host.gid),
    )


def test_two_os_users_share_a_store_each_as_themselves(host: Host, zygote: Zygote) -> None:
    ana, bea = sorted(host.users)  # cva…, cvb…
    db = str(host.folder / "convo.sqlite3")
    created = as_user(zygote, host, ana, "init", "--db", db)
    assert created.code == 0, created.err
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o660 and os.stat(db).st_gid == host.gid
    assert os.stat(db).st_uid == host.users[ana]
    assert (
        as_user(zygote, host, ana, "agents", "add", bea, "--role", "support", "--db", db).code == 0
    )
    store = open_store(sqlite_url(Path(db)), migrate=False)  # a customer texts (as the sync would)
    with store.write() as session:
        process_inbound(
            session,
            InboundText("SMteam1", CUSTOMER, BUSINESS, "Where is my order?", NOW),
            now=NOW,
        )
    store.close()
    # Bea closes it, as herself; passing or setting Ana's name makes her nobody else.
    assert as_user(zygote, host, bea, "close", CUSTOMER, "--db", db).code == 0
    refused = as_user(zygote, host, bea, "--agent", ana, "reopen", CUSTOMER, "--db", db)
    assert refused.code != 0 and f"--agent {ana} is not you" in refused.err, refused.err
    assert f"({bea})" in refused.err
    sneaky = as_user(zygote, host, bea, "reopen", CUSTOMER, "--db", db, USER=ana, LOGNAME=ana)
    assert sneaky.code == 0, sneaky.err
    denied = as_user(zygote, host, bea, "agents", "add", "mallory", "--role", "owner", "--db", db)
    assert denied.code != 0 and denied.err.count("\n") == 1
    # Ana, the owner, reads who did what: Bea twice, as herself both times.
    listed = as_user(zygote, host, ana, "audit", "--json", "--db", db)
    assert listed.code == 0, listed.err
    entries = json.loads(listed.out)
    ours = [(e["agent"], e["os_login"], e["action"]) for e in entries[:2]]
    assert ours == [
        (bea, bea, "conversation.reopen"),
        (bea, bea, "conversation.close"),
    ]
    assert all(e["agent"] != "mallory" for e in entries)
    # Every file of the store is the group's, and nobody else's.
    for suffix in ("", "-wal", "-shm"):
        path = Path(db + suffix)
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o007 == 0 and path.stat().st_gid == host.gid, (path, oct(mode))
