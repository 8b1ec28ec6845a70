"""The rest of the user's mistakes a command line meets, run as a user runs it (a child
process): numbers no store can hold, contradictory filters, an empty agent name, a phone
number with an extension, an SMTP port or security mode the notifier cannot use, and a
store file with zeroed pages. Each is one `convo: error: …` line and a non-zero exit, with
nothing stored lost."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from convo_tui.core import settings as settings_mod
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.models import Agent, Message, OutboxItem
from convo_tui.store.open import open_store

from .cli_helpers import Result, run, run_process
from .conftest import CUSTOMER, NOW, add_profile, text_in

HUGE = "99999999999999999999999"  # past SQLite's INTEGER (2**63 - 1)


@pytest.fixture
def asked(store: Store, owner: Agent, db_path: Path) -> Path:
    """A store with one customer who asked something (no auto-reply in the way)."""
    with store.write() as session:
        settings_mod.set_value(session, owner, "auto_reply.enabled", False, now=NOW)
        add_profile(session)
        text_in(session, "Do you have size 38?", at=NOW)
    return db_path


def convo(db: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_process("--db", db, "--agent", "olivia", *args, env=env)


def counts(db: Path) -> tuple[int, int]:
    """(messages, outbox items) in the store: what a refused command must leave alone."""
    store = open_store(sqlite_url(db), create=False)
    try:
        with store.read() as session:
            messages = session.exec(select(func.count(col(Message.id)))).one()
            items = session.exec(select(func.count(col(OutboxItem.id)))).one()
    finally:
        store.close()
    return int(messages), int(items)


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["cancel", "recall"])
def test_an_outbox_number_past_what_a_store_holds(asked: Path, command: str) -> None:
    before = counts(asked)
    result = convo(asked, "outbox", command, HUGE)
    result.assert_one_line_error(f"{HUGE} is not a reply number", "convo outbox list")
    assert result.code == 2
    assert counts(asked) == before


@pytest.mark.parametrize("value", ["0", "abc", "1.5"])
def test_an_outbox_number_that_is_no_reply_number(asked: Path, value: str) -> None:
    result = convo(asked, "outbox", "cancel", value)
    result.assert_one_line_error(f"{value} is not a reply number", "convo outbox list")


def test_a_negative_outbox_number(asked: Path) -> None:
    result = convo(asked, "outbox", "recall", "--", "-1")
    result.assert_one_line_error("-1 is not a reply number", "convo outbox list")


def test_a_follow_interval_of_infinity(asked: Path) -> None:
    result = run_process("--db", asked, "sync", "--follow", "--interval", "inf", timeout=30)
    result.assert_one_line_error("--interval")
    assert "round #n" not in result.out


# --- contradictory listing options -------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--unread", "--read"], "--unread and --read contradict each other"),
        (["--read", "--unread"], "--read and --unread contradict each other"),
        (["--status", "open", "--status", "closed"], "--status is given twice (open, closed)"),
        (
            ["--attributed-to", "Black Friday", "--attributed-to", "Welcome"],
            "--attributed-to is given twice (Black Friday, Welcome)",
        ),
        (["--status=open", "--status=closed"], "--status is given twice (open, closed)"),
    ],
)
def test_contradictory_inbox_filters_are_refused(
    asked: Path, options: list[str], said: str
) -> None:
    result = convo(asked, "inbox", *options)
    result.assert_one_line_error(said, "give one")
    assert result.out == ""


def test_the_flag_pair_of_the_sandbox_is_refused_too() -> None:
    result = run_process(
        "sandbox", "serve", "--port", "0", "--simulate", "--no-simulate", timeout=20
    )
    result.assert_one_line_error("--simulate and --no-simulate contradict each other")


def test_one_filter_of_each_still_lists(asked: Path) -> None:
    result = convo(asked, "inbox", "--unread", "--status", "open", "--json")
    assert result.code == 0, result.err
    assert result.json()["matching"] == 1


# --- the agent -----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["before the command", "on the command"])
@pytest.mark.parametrize("login", ["", "   "])
def test_an_empty_agent_name(asked: Path, login: str, where: str) -> None:
    args = (
        ["--agent", login, "reply", CUSTOMER, "hello"]
        if where == "before the command"
        else ["reply", CUSTOMER, "hello", "--agent", login]
    )
    before = counts(asked)
    result = run_process("--db", asked, *args)
    result.assert_one_line_error("--agent is empty", "give an agent login")
    assert counts(asked) == before


# --- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", [f"{CUSTOMER} ext 9", f"{CUSTOMER} x9", f"{CUSTOMER};ext=9", "(415) 555-0123 x 9"]
)
def test_a_phone_number_with_an_extension_is_refused(asked: Path, typed: str) -> None:
    result = convo(asked, "thread", typed)
    result.assert_one_line_error("has an extension (9)", "texts cannot reach an extension")


def test_a_reply_to_a_number_with_an_extension_is_not_queued(asked: Path) -> None:
    before = counts(asked)
    result = convo(asked, "reply", f"{CUSTOMER} ext 9", "Yes, in black")
    result.assert_one_line_error("has an extension (9)")
    assert counts(asked) == before


# --- the SMTP configuration ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ("port = -1", "smtp.port in"),
        ("port = 0", "smtp.port in"),
        ("port = 65536", "smtp.port in"),
        (f"port = {HUGE}", "smtp.port in"),
        ("port = true", "smtp.port in"),
        ('security = "ssl3"', "smtp.security in"),
    ],
)
def test_an_smtp_setting_the_notifier_cannot_use(
    asked: Path, tmp_path: Path, table: str, said: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\n{table}\n')
    result = convo(asked, "inbox", env={"CONVO_CONFIG_FILE": str(config)})
    result.assert_one_line_error(said, "fix it in")
    if "port" in table:
        assert "from 1 to 65535" in result.err
    else:
        assert "one of starttls, tls, none" in result.err


@pytest.mark.parametrize("port", ["-1", HUGE, "0"])
def test_an_smtp_port_from_the_environment(asked: Path, port: str) -> None:
    result = convo(asked, "inbox", env={"CONVO_SMTP_PORT": port})
    result.assert_one_line_error("CONVO_SMTP_PORT", "from 1 to 65535")


def test_a_good_smtp_table_still_loads(asked: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[smtp]\nhost = "127.0.0.1"\nport = 465\nsecurity = "tls"\n')
    result = convo(asked, "inbox", env={"CONVO_CONFIG_FILE": str(config)})
    assert result.code == 0, result.err


# --- a damaged store -----------------------------------------------------------------------


def busy_store(store: Store, owner: Agent) -> None:
    """Enough customers and texts to fill a few hundred pages."""
    with store.write() as session:
        settings_mod.set_value(session, owner, "auto_reply.enabled", False, now=NOW)
        for n in range(400):
            phone = f"+1415555{n:04d}"
            add_profile(session, phone, first_name=f"Customer {n}")
            text_in(session, f"Question number {n}: " + "words " * 30, phone=phone, at=NOW)


def test_doctor_reports_a_store_with_zeroed_pages(
    store: Store, owner: Agent, db_path: Path
) -> None:
    busy_store(store, owner)
    store.close()  # the last connection checkpoints the WAL into the file
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0
    with sqlite3.connect(db_path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 100
    with db_path.open("r+b") as f:  # zeros over eight pages in the middle (tables, indexes)
        f.seek((pages // 2) * page_size)
        f.write(b"\0" * page_size * 8)
    damaged = hashlib.sha256(db_path.read_bytes()).hexdigest()

    result = run_process("--db", db_path, "--agent", "olivia", "doctor", "--only", "store")

    assert "✓ store" not in result.out, result.out
    (line,) = [line for line in result.out.splitlines() if line.startswith("✗ store")]
    assert "damaged" in line and "integrity check" in line, line
    result.assert_one_line_error("store:", "damaged", "backup")
    assert result.code == 7
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == damaged  # doctor only reads


def test_doctor_passes_an_intact_store(store: Store, owner: Agent, db_path: Path) -> None:
    busy_store(store, owner)
    store.close()
    result = run_process("--db", db_path, "--agent", "olivia", "doctor", "--only", "store")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("✓ store: "), result.out
    assert "integrity checked" in result.out


@pytest.mark.parametrize(
    ("group", "commands"),
    [
        ("settings", "show, set"),
        ("outbox", "list, cancel, recall"),
        ("agents", "list, add, remove, roles"),
    ],
)
def test_a_group_without_its_command_is_one_line(capsys, group, commands) -> None:
    """`convo settings` alone: one line naming the commands, not click's help page."""
    run(capsys, group).assert_one_line_error(f"convo {group} needs a command ({commands})")


def test_settings_set_says_the_value_as_show_does(capsys, store, db_path) -> None:
    """`settings set notifications.unread_indicator off` answers "off", the word
    `settings show` uses, not JSON's false."""
    from convo_tui.core import agents

    from .conftest import NOW

    with store.write() as session:
        agents.identify(session, "ana", now=NOW)
    key = "notifications.unread_indicator"
    changed = run(capsys, "settings", "set", key, "off", "--db", db_path, "--agent", "ana")
    assert changed.code == 0 and changed.out.strip() == f"{key} = off", changed.out
    shown = run(capsys, "settings", "show", "--db", db_path, "--agent", "ana").out
    assert any(line.split()[:2] == [key, "off"] for line in shown.splitlines()), shown
