"""Who acts is the OS login of the real user id: not $USER, not `--agent` (which may only
name the OS login itself, except on a demo, bench or test store, whose agents are
stand-ins). The audit log records the agent that acted, and refusals change nothing."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from convo_tui.core import roles
from convo_tui.errors import AccessDenied
from convo_tui.store.engine import sqlite_url
from convo_tui.store.models import Agent, AuditEntry
from convo_tui.store.open import open_store

from .cli_helpers import run, run_spawned
from .conftest import CUSTOMER, NOW, add_profile, mark_test_store, text_in

ME = pwd.getpwuid(os.getuid()).pw_name


def test_the_os_login_is_the_real_user_ids_not_the_environments(monkeypatch) -> None:
    monkeypatch.setenv("USER", "ana")
    monkeypatch.setenv("LOGNAME", "ana")
    monkeypatch.setenv("LNAME", "ana")
    monkeypatch.setenv("USERNAME", "ana")
    assert roles.os_login() == ME != "ana"


def test_agent_may_name_only_the_os_login_on_a_real_store() -> None:
    assert roles.acting_login(None, None) == ME
    assert roles.acting_login(ME, None) == ME
    with pytest.raises(AccessDenied) as refused:
        roles.acting_login("ana", None)
    assert "--agent ana is not you" in refused.value.line() and ME in refused.value.line()
    for kind in ("demo", "bench", "test"):
        assert roles.acting_login("ana", kind) == "ana"
    with pytest.raises(AccessDenied):
        roles.acting_login("ana", "production")  # only the stand-in kinds


def _real_store(path: Path) -> None:
    """A store as `convo init` makes it (no kind), with Ana as its owner and a text in."""
    store = open_store(sqlite_url(path))
    with store.write() as session:
        from convo_tui.core import agents

        owner = agents.identify(session, "ana", now=NOW)
        agents.add_agent(session, owner, ME, "support", now=NOW)
        add_profile(session, CUSTOMER, first_name="Maria")
        text_in(session, "Where is my order?", at=NOW)
    store.close()


def _audit_count(path: Path) -> int:
    store = open_store(sqlite_url(path), migrate=False)
    with store.read() as session:
        count = session.exec(select(func.count()).select_from(AuditEntry)).one()
    store.close()
    return int(count)


def test_pretending_to_be_the_owner_is_refused_and_changes_nothing(capsys, db_path) -> None:
    _real_store(db_path)
    before = _audit_count(db_path)
    for args in (
        ("close", CUSTOMER),
        ("agents", "add", "mallory", "--role", "owner"),
        ("settings", "set", "auto_reply.enabled", "false"),
        ("inbox",),
    ):
        run(capsys, *args, "--db", db_path, "--agent", "ana").assert_one_line_error(
            "--agent ana is not you", f"({ME})"
        )
    assert _audit_count(db_path) == before
    # As themselves (the OS login, with or without --agent naming it) they act, as support.
    assert run(capsys, "close", CUSTOMER, "--db", db_path).code == 0
    assert run(capsys, "reopen", CUSTOMER, "--db", db_path, "--agent", ME).code == 0
    store = open_store(sqlite_url(db_path), migrate=False)
    with store.read() as session:
        actions = session.exec(
            select(AuditEntry.action, Agent.login)
            .join(Agent, col(Agent.id) == col(AuditEntry.agent_id))
            .order_by(col(AuditEntry.id).desc())
            .limit(2)
        ).all()
    store.close()
    assert [login for _action, login in actions] == [ME, ME]
    # And as what they are: support, who may not add agents.
    run(
        capsys, "agents", "add", "mallory", "--role", "owner", "--db", db_path
    ).assert_one_line_error()


def test_user_in_the_environment_does_not_make_a_process_someone_else(db_path) -> None:
    """A real `convo` process started with USER=ana LOGNAME=ana acts as the OS login."""
    _real_store(db_path)
    done = run_spawned("close", CUSTOMER, "--db", db_path, env={"USER": "ana", "LOGNAME": "ana"})
    assert done.code == 0, done.err
    store = open_store(sqlite_url(db_path), migrate=False)
    with store.read() as session:
        last = session.exec(
            select(Agent.login)
            .join(AuditEntry, col(AuditEntry.agent_id) == col(Agent.id))
            .order_by(col(AuditEntry.id).desc())
        ).first()
    store.close()
    assert last == ME


def test_a_new_real_store_belongs_to_the_os_login_not_to_agent(capsys, db_path) -> None:
    run(capsys, "init", "--db", db_path, "--agent", "ana").assert_one_line_error(
        "--agent ana is not you"
    )
    assert run(capsys, "init", "--db", db_path).code == 0
    listed = run(capsys, "agents", "list", "--db", db_path, "--json").json()
    assert [(a["login"], a["role"]) for a in listed] == [(ME, "owner")]


def test_on_a_stand_in_store_agent_picks_who_to_play(capsys, store, db_path) -> None:
    """The suite's stores are marked "test" (as `convo demo`'s are "demo"): there one
    person plays every agent."""
    mark_test_store(store)
    with store.write() as session:
        from convo_tui.core import agents

        agents.identify(session, "ana", now=NOW)
        add_profile(session, CUSTOMER, first_name="Maria")
        text_in(session, "Hello", at=NOW)
    assert run(capsys, "close", CUSTOMER, "--db", db_path, "--agent", "ana").code == 0


def test_the_fast_first_page_is_not_painted_for_another_agent(db_path) -> None:
    """`convo --agent ana` on a terminal: the quick first page (read before the store's
    rules load) is not shown for someone the normal start would refuse."""
    from convo_tui.opening import open_fast

    _real_store(db_path)
    assert open_fast(db_path, "ana") is None
