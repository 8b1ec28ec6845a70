"""`convo audit`: who did what, newest first, filtered by agent and time, for owners,
admins and managers; every entry names the OS login that acted."""

from __future__ import annotations

import os
import pwd

from convo_tui.core import agents

from .cli_helpers import run
from .conftest import CUSTOMER, NOW, add_profile, text_in

ME = pwd.getpwuid(os.getuid()).pw_name


def _team(store) -> None:
    with store.write() as session:
        owner = agents.identify(session, "ana", now=NOW)
        agents.add_agent(session, owner, "sam", "support", now=NOW)
        add_profile(session, CUSTOMER, first_name="Maria")
        text_in(session, "Hello", at=NOW)


def _audit(capsys, db_path, *args: str):
    """`convo --agent ana audit ARGS` (after the command, --agent filters)."""
    return run(capsys, "--agent", "ana", "--db", db_path, "audit", *args)


def test_audit_lists_who_did_what_newest_first(capsys, store, db_path) -> None:
    _team(store)
    assert run(capsys, "close", CUSTOMER, "--db", db_path, "--agent", "sam").code == 0
    assert run(capsys, "reopen", CUSTOMER, "--db", db_path, "--agent", "ana").code == 0
    listed = _audit(capsys, db_path, "--json").json()
    actions = [(e["agent"], e["action"], e["phone"]) for e in listed[:2]]
    assert actions == [
        ("ana", "conversation.reopen", CUSTOMER),
        ("sam", "conversation.close", CUSTOMER),
    ]
    assert {e["os_login"] for e in listed[:2]} == {ME}  # one person played both here
    only_sam = _audit(capsys, db_path, "--agent", "sam", "--json").json()
    assert [e["action"] for e in only_sam] == ["conversation.close"]
    # Since a day ago: the two actions, not the store's set-up at NOW (days before).
    assert len(_audit(capsys, db_path, "--since", "1d", "--json").json()) == 2
    assert len(listed) > 2
    table = _audit(capsys, db_path, "--limit", "2").out
    assert "sam (as OS user" in table and "conversation.close" in table and "+1 415" in table


def test_audit_refuses_support_and_bad_input_in_one_line(capsys, store, db_path) -> None:
    _team(store)
    run(capsys, "--agent", "sam", "audit", "--db", db_path).assert_one_line_error(
        "sam is support", "owners, admins and managers"
    )
    run(
        capsys, "--agent", "ana", "audit", "--agent", "nobody", "--db", db_path
    ).assert_one_line_error("no agent 'nobody'")
    run(
        capsys, "--agent", "ana", "audit", "--since", "yesterday-ish", "--db", db_path
    ).assert_one_line_error("cannot read --since", "2h")
