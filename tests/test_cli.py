"""The CLI as a user drives it: every command, with good and bad input."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from convo_tui.core import agents, roles
from convo_tui.store.kinds import Consent

from .cli_helpers import run, run_process, run_spawned
from .conftest import CUSTOMER, NOW, add_profile, open_test_store, send_campaign, text_in

CLI_NOW = NOW + timedelta(hours=2)  # 09:00 in Los Angeles, 12:00 in New York


@pytest.fixture(autouse=True)
def _cli_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's clock, fixed: quiet hours depend on it."""
    monkeypatch.setattr("convo_tui.clock.utcnow", lambda: CLI_NOW)


@pytest.fixture
def seeded(db_path: Path) -> Path:
    """A store with one owner (olivia), a support agent and a few conversations."""
    store = open_test_store(db_path)
    with store.write() as session:
        owner = agents.identify(session, "olivia", now=NOW)
        agents.add_agent(session, owner, "sam", "support", now=NOW)
        agents.add_agent(session, owner, "eve", "analyst", now=NOW)
        add_profile(session, CUSTOMER, consent=Consent.SUBSCRIBED, first_name="Maria")
        send_campaign(session, at=NOW - timedelta(hours=2), name="Black Friday")
        text_in(session, "Do you have size 38?", at=NOW - timedelta(minutes=30))
        add_profile(session, "+14155550124", consent=Consent.NEVER_SUBSCRIBED, first_name="Ken")
        text_in(session, "Is my order shipped?", phone="+14155550124", at=NOW - timedelta(hours=3))
        add_profile(session, "+14155550125", consent=Consent.SUBSCRIBED, first_name="Lucas")
        text_in(session, "STOP", phone="+14155550125", at=NOW - timedelta(hours=1))
        add_profile(
            session,
            "+14155550126",
            consent=Consent.SUBSCRIBED,
            first_name="[bold red]Evil[/]",
        )
        text_in(
            session,
            "pls \x1b[31mread\x1b[0m [@click=app.quit]this[/] \u202eevil\x9b2J",
            phone="+14155550126",
            at=NOW - timedelta(minutes=5),
        )
    store.close()
    return db_path


def cli(capsys, db: Path, *args: str, agent: str = "olivia"):
    return run(capsys, *args, "--db", db, "--agent", agent)


def test_inbox_lists_open_conversations_newest_first(capsys, seeded) -> None:
    data = cli(capsys, seeded, "inbox", "--json").json()
    assert data["matching"] == 3
    assert [c["phone"] for c in data["conversations"]] == [
        "+14155550126",
        CUSTOMER,
        "+14155550124",
    ]
    assert data["conversations"][1]["attributed_to"] == "Black Friday"
    assert data["unread_conversations"] == 3


def test_inbox_filters_combine(capsys, seeded) -> None:
    cli(capsys, seeded, "mark-read", "+14155550124")
    unread = cli(capsys, seeded, "inbox", "--unread", "--json").json()
    assert {c["phone"] for c in unread["conversations"]} == {CUSTOMER, "+14155550126"}
    read = cli(capsys, seeded, "inbox", "--read", "--json").json()
    assert [c["phone"] for c in read["conversations"]] == ["+14155550124"]
    attributed = cli(
        capsys, seeded, "inbox", "--unread", "--attributed-to", "black friday", "--json"
    ).json()
    assert [c["phone"] for c in attributed["conversations"]] == [CUSTOMER]
    cli(capsys, seeded, "close", CUSTOMER)
    closed = cli(capsys, seeded, "inbox", "--status", "closed", "--json").json()
    assert [c["phone"] for c in closed["conversations"]] == [CUSTOMER]
    everything = cli(capsys, seeded, "inbox", "--status", "all", "--limit", "2", "--json").json()
    assert everything["matching"] == 3 and len(everything["conversations"]) == 2


def test_inbox_human_output_has_dot_wait_and_attribution(capsys, seeded) -> None:
    out = cli(capsys, seeded, "inbox").out
    assert "Inbox: open — 3 conversations · 3 unread" in out
    assert "●" in out and "Black Friday" in out


def test_unread_indicator_setting_hides_the_count(capsys, seeded) -> None:
    cli(capsys, seeded, "settings", "set", "notifications.unread_indicator", "off")
    assert "unread" not in cli(capsys, seeded, "inbox").out.splitlines()[0]


def test_thread_labels_sources(capsys, seeded) -> None:
    data = cli(capsys, seeded, "thread", "(415) 555-0123", "--json").json()
    labels = [m["label"] for m in data["messages"]]
    assert labels[:2] == ["campaign Black Friday", "customer"]
    assert data["messages"][1]["attributed_to"] == "Black Friday"
    out = cli(capsys, seeded, "thread", CUSTOMER).out
    assert "campaign Black Friday" in out and "Do you have size 38?" in out


def test_thread_shows_the_last_50_unless_all(capsys, seeded) -> None:
    store = open_test_store(seeded)
    with store.write() as session:
        for i in range(60):
            text_in(session, f"msg {i}", at=NOW + timedelta(seconds=i))
    store.close()
    data = cli(capsys, seeded, "thread", CUSTOMER, "--json").json()
    assert len(data["messages"]) == 50 and data["messages"][-1]["body"] == "msg 59"
    assert data["total_messages"] > 60
    assert len(cli(capsys, seeded, "thread", CUSTOMER, "--all", "--json").json()["messages"]) > 60
    assert "--all for every one" in cli(capsys, seeded, "thread", CUSTOMER).out


def test_profile_shows_consent_and_reply_refusal(capsys, seeded) -> None:
    data = cli(capsys, seeded, "profile", "+14155550124", "--json").json()
    assert data["sms_consent"] == "NEVER_SUBSCRIBED"
    assert data["can_reply"] is False and data["reply_refused"]["reason"] == "not_consented"
    out = cli(capsys, seeded, "profile", "+14155550125").out
    assert "opted out" in out


def test_reply_queues_and_refusals_say_why(capsys, seeded) -> None:
    ok = cli(capsys, seeded, "reply", CUSTOMER, "Yes! Size 38 is in stock 👢")
    assert ok.code == 0 and "Queued reply" in ok.out
    thread = cli(capsys, seeded, "thread", CUSTOMER, "--json").json()["messages"]
    # Held for the send delay (replies.send_delay), recallable until the sync takes it.
    assert thread[-1]["label"] == "agent olivia" and thread[-1]["status"] == "pending"
    cli(capsys, seeded, "reply", "+14155550124", "hi").assert_one_line_error(
        "has not agreed to receive texts"
    )
    cli(capsys, seeded, "reply", "+14155550125", "hi").assert_one_line_error("opted out")
    cli(capsys, seeded, "reply", CUSTOMER, "x" * 1601).assert_one_line_error("limit is 1600")
    cli(
        capsys, seeded, "reply", CUSTOMER, "pic", "--media", "file:///etc/passwd"
    ).assert_one_line_error("not an http(s) URL")
    with_media = cli(
        capsys, seeded, "reply", CUSTOMER, "", "--media", "https://cdn.acme.example/a.gif"
    )
    assert with_media.code == 0


def test_business_cannot_text_first(capsys, seeded) -> None:
    store = open_test_store(seeded)
    with store.write() as session:
        add_profile(session, "+14155550127", consent=Consent.SUBSCRIBED)
    store.close()
    cli(capsys, seeded, "reply", "+14155550127", "Hi there").assert_one_line_error(
        "has not texted the business"
    )


def test_status_commands(capsys, seeded) -> None:
    out = cli(capsys, seeded, "snooze", CUSTOMER, "tomorrow").out
    assert "snoozed until" in out and "09:00" in out
    assert cli(capsys, seeded, "inbox", "--status", "snoozed", "--json").json()["matching"] == 1
    cli(capsys, seeded, "reopen", CUSTOMER)
    cli(capsys, seeded, "close", CUSTOMER)
    assert cli(capsys, seeded, "inbox", "--status", "closed", "--json").json()["matching"] == 1
    cli(capsys, seeded, "mark-read", CUSTOMER)
    cli(capsys, seeded, "mark-unread", CUSTOMER)
    row = cli(capsys, seeded, "inbox", "--status", "closed", "--json").json()["conversations"][0]
    assert row["unread"] is True
    cli(capsys, seeded, "snooze", CUSTOMER, "whenever").assert_one_line_error(
        "cannot read the snooze time"
    )
    cli(capsys, seeded, "close", "+14155550125").assert_one_line_error("has no conversation")


def test_block_and_unblock(capsys, seeded) -> None:
    cli(capsys, seeded, "block", CUSTOMER)
    assert CUSTOMER not in {
        c["phone"] for c in cli(capsys, seeded, "inbox", "--json").json()["conversations"]
    }
    cli(capsys, seeded, "reply", CUSTOMER, "hi").assert_one_line_error("is blocked")
    cli(capsys, seeded, "unblock", CUSTOMER)
    assert cli(capsys, seeded, "reopen", CUSTOMER).code == 0
    assert cli(capsys, seeded, "reply", CUSTOMER, "hi").code == 0


def test_settings_commands(capsys, seeded) -> None:
    assert cli(capsys, seeded, "settings", "set", "attribution.window_hours", "48").code == 0
    assert (
        cli(capsys, seeded, "settings", "show", "--json").json()["attribution.window_hours"] == 48
    )
    assert "attribution.window_hours" in cli(capsys, seeded, "settings", "show").out
    cli(
        capsys, seeded, "settings", "set", "attribution.window_hours", "soon"
    ).assert_one_line_error("bad value 'soon'", "nothing was changed")
    cli(capsys, seeded, "settings", "set", "business.number", "ACME").assert_one_line_error(
        "alphanumeric sender ID"
    )
    cli(capsys, seeded, "settings", "set", "nope", "1").assert_one_line_error("unknown setting")
    run(capsys, "settings", "set", "auto_reply.enabled", "off", "--db", seeded, "--agent", "sam"
        ).assert_one_line_error("may not change settings")  # fmt: skip


def test_agents_commands(capsys, seeded) -> None:
    listed = cli(capsys, seeded, "agents", "list", "--json").json()
    assert {a["login"]: a["role"] for a in listed} == {
        "olivia": "owner",
        "sam": "support",
        "eve": "analyst",
    }
    assert cli(capsys, seeded, "agents", "add", "ana", "--role", "manager").code == 0
    assert cli(capsys, seeded, "agents", "remove", "ana").code == 0
    assert "ana" not in {a["login"] for a in cli(capsys, seeded, "agents", "list", "--json").json()}
    cli(capsys, seeded, "agents", "add", "x", "--role", "god").assert_one_line_error("unknown role")
    cli(capsys, seeded, "agents", "add", "x", "--timezone", "Mars/Base").assert_one_line_error(
        "unknown time zone"
    )
    run(capsys, "agents", "add", "x", "--db", seeded, "--agent", "sam").assert_one_line_error(
        "may not manage agents"
    )


def test_roles_without_inbox_access_are_refused(capsys, seeded) -> None:
    run(capsys, "inbox", "--db", seeded, "--agent", "eve").assert_one_line_error(
        "role 'analyst'", "may not use the inbox"
    )
    run(capsys, "inbox", "--db", seeded, "--agent", "zed").assert_one_line_error(
        "not registered", "convo agents add zed"
    )


def test_first_run_makes_the_os_login_the_owner(capsys, db_path) -> None:
    """`convo init` is the first run: it creates the store and says so; a mistyped path
    elsewhere is an error that says how to create a store, not an empty inbox."""
    missing = db_path.parent / "typo" / "convo.sqlite3"
    run(capsys, "inbox", "--db", missing).assert_one_line_error(
        f"there is no store at {missing}", "does not exist", "convo init --db", "convo demo"
    )
    assert not missing.parent.exists()
    run(capsys, "inbox", "--db", db_path).assert_one_line_error("convo init --db")
    assert not db_path.exists()
    created = run(capsys, "init", "--db", db_path)
    assert created.code == 0 and "Created the store" in created.out, created.err
    assert f"{roles.os_login()} is its owner" in created.out
    (only,) = run(capsys, "agents", "list", "--json", "--db", db_path).json()
    assert only["role"] == "owner" and only["login"] == roles.os_login()
    again = run(capsys, "init", "--db", db_path)
    assert again.code == 0 and "already exists" in again.out
    empty = run(capsys, "inbox", "--db", db_path)
    assert "convo demo" in empty.out and "convo sync" in empty.out, empty.out
    assert "No conversations match." not in empty.out
    deep = db_path.parent / "new" / "folder" / "convo.sqlite3"
    assert run(capsys, "init", "--db", deep).code == 0 and deep.exists()


def test_untrusted_text_is_shown_literally(capsys, seeded) -> None:
    for args in (("inbox",), ("thread", "+14155550126"), ("profile", "+14155550126")):
        out = cli(capsys, seeded, *args).out
        assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    out = cli(capsys, seeded, "thread", "+14155550126").out
    assert "[@click=app.quit]this[/]" in out and "␛[31m" in out and "<U+202E>" in out
    assert "[bold red]Evil[/]" in cli(capsys, seeded, "thread", "+14155550126").out
    raw = cli(capsys, seeded, "thread", "+14155550126", "--json").out
    assert "\x1b" not in raw and "\\u001b[31m" in raw


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("thread", "12"), "not a valid phone number"),
        (("thread", "hello"), "not a phone number"),
        (("thread", "+14155550999"), "no profile with the number +14155550999"),
        (("inbox", "--status", "pending"), "pending"),
        (("inbox", "--limit", "0"), "--limit"),
        (("inbox", "--bogus"), "No such option"),
        (("reply", CUSTOMER), "Missing argument"),
        (("inbox", "--attributed-to", "Nope"), "no campaign or flow named 'Nope'"),
    ],
)
def test_bad_input_is_one_line(capsys, seeded, args, fragment) -> None:
    cli(capsys, seeded, *args).assert_one_line_error(fragment)


def test_missing_or_broken_config_file(capsys, tmp_path, monkeypatch, seeded) -> None:
    monkeypatch.setenv("CONVO_CONFIG_FILE", str(tmp_path / "nope.toml"))
    cli(capsys, seeded, "inbox").assert_one_line_error("does not exist", "CONVO_CONFIG_FILE")
    bad = tmp_path / "bad.toml"
    bad.write_text("database_url = \n")
    monkeypatch.setenv("CONVO_CONFIG_FILE", str(bad))
    run(capsys, "inbox").assert_one_line_error("not valid TOML", str(bad))
    bad.write_text('colour = "blue"\n')
    run(capsys, "inbox").assert_one_line_error("unknown setting 'colour'")


def test_config_file_and_env_choose_the_store(capsys, tmp_path, monkeypatch, seeded) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "sqlite:///{seeded}"\n')
    monkeypatch.setenv("CONVO_CONFIG_FILE", str(config))
    assert run(capsys, "inbox", "--json", "--agent", "olivia").json()["matching"] == 3
    monkeypatch.setenv("CONVO_DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert run(capsys, "init").code == 0  # a real store: its first agent is the OS login
    assert run(capsys, "inbox", "--json").json()["matching"] == 0


def test_default_store_lives_in_the_platform_data_dir(capsys, tmp_path) -> None:
    from convo_tui import paths

    run(capsys, "inbox").assert_one_line_error("no store", "convo init`")
    assert not paths.default_database_path().exists()
    assert run(capsys, "init").code == 0
    assert paths.default_database_path().exists()
    assert run(capsys, "inbox").code == 0
    assert str(paths.default_database_path()).startswith(str(Path.home()))


def test_bad_database_urls(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CONVO_DATABASE_URL", "not a url")
    run(capsys, "inbox").assert_one_line_error("is not a database URL")
    monkeypatch.setenv("CONVO_DATABASE_URL", "postgresql+nodriver://u:secret@127.0.0.1/convo")
    result = run(capsys, "inbox")
    result.assert_one_line_error("install the database driver")
    assert "secret" not in result.err
    run(capsys, "inbox", "--db", tmp_path).assert_one_line_error("--db")


def test_corrupt_and_locked_stores(capsys, seeded, tmp_path, monkeypatch) -> None:
    from convo_tui.store import dialect

    monkeypatch.setattr(dialect, "BUSY_TIMEOUT_MS", 200)
    blocker = sqlite3.connect(seeded, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        cli(capsys, seeded, "close", CUSTOMER).assert_one_line_error("locked by another process")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert cli(capsys, seeded, "inbox", "--json").json()["matching"] == 3  # nothing lost
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"garbage" * 1000)
    run(capsys, "inbox", "--db", junk).assert_one_line_error("not a convo database or is damaged")
    assert junk.read_bytes() == b"garbage" * 1000


def test_real_process_entry_point(seeded) -> None:
    """`python -m convo_tui` started from nothing, imports and all (the other process
    tests fork from a process that has imported them: tests/zygote.py)."""
    result = run_spawned("inbox", "--json", "--db", seeded, "--agent", "olivia")
    assert result.code == 0, result.err
    assert result.json()["matching"] == 3
    bad = run_spawned("thread", "nonsense", "--db", seeded, "--agent", "olivia")
    bad.assert_one_line_error("not a phone number")
    assert run_spawned("--help").code == 0
    forked = run_process("inbox", "--json", "--db", seeded, "--agent", "olivia")
    assert (forked.code, forked.out) == (result.code, result.out)
