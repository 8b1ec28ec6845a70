"""The demo data set loads through the real rules and ends in the documented states."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from convo_tui.store.engine import sqlite_url
from convo_tui.store.open import open_store

from .cli_helpers import run, run_process
from .conftest import add_profile

MARIA, TOM, PRIYA, LUCAS = "+14155550123", "+4915123456789", "+919812345678", "+5511912345678"
SPAM, KENJI, AROHA, SITA = "+12125550199", "+819012345678", "+64211234567", "+9779801234567"
JACK, DANA, NOAH, CAMILA = "+61412345678", "+13125550142", "+12065550147", "+525512345678"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo store for the module, loaded by the real `convo demo` in a child process."""
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    result = run_process("demo", "--db", db, timeout=120)
    assert result.code == 0, result.err
    assert "Loaded the demo: 230 profiles" in result.out
    return db


def cli(capsys, db: Path, *args: str):
    return run(capsys, *args, "--db", db, "--agent", "ana")


def _conversations(capsys, db: Path, *args: str) -> dict[str, dict[str, Any]]:
    data = cli(capsys, db, "inbox", "--limit", "500", "--json", *args).json()
    return {row["phone"]: row for row in data["conversations"]}


def test_stories_end_in_their_documented_states(capsys, demo_db) -> None:
    every = _conversations(capsys, demo_db, "--status", "all")
    maria = every[MARIA]
    assert (maria["status"], maria["unread"], maria["attributed_to"]) == (
        "open", True, "Black Friday Early Access",
    )  # fmt: skip
    assert (every[TOM]["status"], every[TOM]["unread"]) == ("closed", False)
    assert (every[PRIYA]["status"], every[PRIYA]["unread"]) == ("snoozed", False)
    assert every[PRIYA]["snooze_until"] is not None
    assert LUCAS not in every and JACK not in every  # keywords open no conversation
    assert (every[SPAM]["status"], every[SPAM]["unread"], every[SPAM]["blocked"]) == (
        "closed", False, True,
    )  # fmt: skip
    assert (every[KENJI]["status"], every[KENJI]["unread"]) == ("open", True)
    assert (every[AROHA]["status"], every[AROHA]["unread"]) == ("open", False)
    assert (every[SITA]["unread"], every[SITA]["attributed_to"]) == (True, None)
    assert every[CAMILA]["attributed_to"] == "Welcome Series"


def test_reply_permissions_follow_consent(capsys, demo_db) -> None:
    expected = {
        MARIA: None,
        LUCAS: "opted_out",
        SPAM: "blocked",
        KENJI: "not_consented",
        JACK: "no_conversation",
    }
    for phone, reason in expected.items():
        data = cli(capsys, demo_db, "profile", phone, "--json").json()
        got = data["reply_refused"]["reason"] if data["reply_refused"] else None
        assert got == reason, phone


def test_the_loader_ran_the_inbound_rules(capsys, demo_db) -> None:
    lucas = cli(capsys, demo_db, "profile", LUCAS, "--json").json()
    assert lucas["sms_consent"] == "UNSUBSCRIBED"
    assert "Unsubscribed from SMS" in {e["metric"] for e in lucas["activity"]}
    kenji = cli(capsys, demo_db, "thread", KENJI, "--json").json()["messages"]
    assert [m["label"] for m in kenji[-2:]] == ["customer", "auto-reply"]
    assert kenji[-1]["body"].startswith("ACME: ")
    sita = cli(capsys, demo_db, "thread", SITA, "--json").json()["messages"]
    flow = next(m for m in sita if m["label"] == "flow Abandoned Cart")
    assert flow["media"] and flow["media"][0]["content_type"].startswith("image/")


def test_orders_and_activity_are_shown(capsys, demo_db) -> None:
    kenji = cli(capsys, demo_db, "profile", KENJI, "--json").json()
    order = next(o for o in kenji["orders"] if o["order_id"] == "#1069")
    assert order["currency"] == "JPY" and order["lines"]
    assert not order["total"].endswith(".00 JPY")


def test_untrusted_demo_texts_stay_literal(capsys, demo_db) -> None:
    dana = cli(capsys, demo_db, "thread", DANA).out
    assert "[bold red]URGENT[/] where is my order??" in dana
    noah = cli(capsys, demo_db, "thread", NOAH).out
    assert "\x1b" not in noah and "␛[31mthis␛[0m" in noah


def test_delivery_failures_carry_their_reason(capsys, demo_db) -> None:
    failed = []
    for phone in list(_conversations(capsys, demo_db, "--status", "all"))[:83]:
        for message in cli(capsys, demo_db, "thread", phone, "--all", "--json").json()["messages"]:
            if message["status"] in ("failed", "undelivered"):
                failed.append(message)
    assert failed and all(m["error_code"] and m["error_message"] for m in failed)


def test_demo_without_reset_changes_nothing_and_reset_reloads(capsys, tmp_path) -> None:
    db = tmp_path / "demo.sqlite3"
    assert cli(capsys, db, "demo").code == 0
    cli(capsys, db, "close", MARIA)
    again = cli(capsys, db, "demo")
    assert "Loaded the demo" not in again.out
    assert _conversations(capsys, db, "--status", "closed")[MARIA]["status"] == "closed"
    reset = cli(capsys, db, "demo", "--reset")
    assert "Loaded the demo" in reset.out
    assert _conversations(capsys, db)[MARIA]["status"] == "open"


def test_demo_refuses_a_store_with_real_data(capsys, tmp_path) -> None:
    db = tmp_path / "real.sqlite3"
    store = open_store(sqlite_url(db))
    with store.write() as session:
        add_profile(session, "+14155550188")
    store.close()
    cli(capsys, db, "demo", "--reset").assert_one_line_error("holds real conversations", "--db")


def test_demo_reset_then_unread_inbox_as_a_user_runs_it(tmp_path) -> None:
    """`convo demo --reset && convo inbox --unread --json`, as separate processes."""
    env = {"CONVO_DATABASE_URL": f"sqlite:///{tmp_path / 'inbox.sqlite3'}"}
    assert run_process("demo", "--reset", env=env, timeout=120).code == 0
    result = run_process("inbox", "--unread", "--json", env=env)
    assert result.code == 0, result.err
    data = result.json()
    rows = {row["phone"]: row for row in data["conversations"]}
    assert {MARIA, KENJI, SITA, DANA, NOAH} <= set(rows)
    assert not {TOM, PRIYA, SPAM, AROHA, LUCAS, JACK} & set(rows)
    assert all(row["unread"] and row["status"] == "open" for row in rows.values())
    assert data["matching"] == len(rows)
    times = [row["last_message_at"] for row in data["conversations"]]
    assert times == sorted(times, reverse=True)
