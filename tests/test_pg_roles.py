"""PostgreSQL team mode, on a server that authenticates (scram-sha-256): each agent is a
database role of their own, the database refuses what their inbox role may not do
whatever SQL they send, the audit log takes who acted from the session, and the sync
runs as a role of its own. The set-up is the documented one: the database's owner runs
`convo init` and `convo agents add`, which create each agent's role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import psycopg
import pytest
from sqlmodel import select

from convo_tui import clock
from convo_tui.core import profiles
from convo_tui.core.inbound import process_inbound
from convo_tui.core.texts import InboundText
from convo_tui.sandbox import Sandbox
from convo_tui.session.desk import Desk
from convo_tui.store import dialect
from convo_tui.store.kinds import Consent
from convo_tui.store.models import AuditEntry, Conversation, Profile
from convo_tui.store.open import open_store

from . import postgres_server
from .cli_helpers import run
from .conftest import BUSINESS
from .sync_helpers import engine_for

MARIA = "+14155550123"
LOGINS = {  # login: (inbox role or group, password)
    "bea": "support",
    "mo": "manager",
    "adi": "admin",
    "owen": "owner",
    "rita": "analyst",
}


@dataclass
class Team:
    cluster: postgres_server.Cluster
    database: str
    owner_url: str

    def url(self, login: str) -> str:
        return self.cluster.url_for(login, f"pw-{login}", self.database)

    def dsn(self, login: str) -> str:
        return self.url(login).replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module")
def team() -> Iterator[Team]:
    postgres_server.require_programs()
    with postgres_server.cluster(authenticate=True) as cluster:
        name = "convo_team"
        owner_url = postgres_server.new_database(cluster.url, name)
        yield Team(cluster, name, owner_url)


@pytest.fixture(scope="module")
def made(team: Team) -> Team:
    """The team as its owner sets it up, with the CLI; the administrator's part (the
    passwords, the sync's role) in SQL."""
    import os

    saved = os.environ.get("CONVO_DATABASE_URL")
    os.environ["CONVO_DATABASE_URL"] = team.owner_url
    try:
        from convo_tui.launch import main

        for args in (
            ["init"],
            *(["agents", "add", login, "--role", role] for login, role in LOGINS.items()),
        ):
            try:
                main(args)
            except SystemExit as exc:
                assert not exc.code, args
    finally:
        if saved is None:
            os.environ.pop("CONVO_DATABASE_URL", None)
        else:
            os.environ["CONVO_DATABASE_URL"] = saved
    admin = team.cluster.url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        for login in [*LOGINS, "syncer"]:
            if login == "syncer":
                conn.execute("CREATE ROLE syncer LOGIN IN ROLE convo_sync")
            conn.execute(f"ALTER ROLE {login} PASSWORD 'pw-{login}'")
    store = open_store(team.owner_url)
    with store.write() as session:  # a customer who texted, as the sync would write it
        now = clock.utcnow()
        profile, _ = profiles.get_or_create(session, MARIA, now=now)
        profile.first_name, profile.sms_consent = "Maria", Consent.SUBSCRIBED.value
        process_inbound(
            session, InboundText("SMpgroles1", MARIA, BUSINESS, "Black in 39?", now), now=now
        )
    store.close()
    return team


def _expected(role: str, table: str, verb: str) -> bool:
    group = dialect.AGENT_GROUPS.get(role, {"sync": dialect.SYNC_GROUP}.get(role, ""))
    for roles, privileges in dialect.TABLE_GRANTS[table].items():
        if group in roles:
            granted = [p.strip().split(" ")[0] for p in privileges.split(",")]
            if verb in granted:
                return True
    return False


def test_every_table_has_its_grants() -> None:
    from sqlmodel import SQLModel

    import convo_tui.store.models  # noqa: F401  (every table is registered)

    tables = set(SQLModel.metadata.tables) | {"alembic_version"}
    assert tables == set(dialect.TABLE_GRANTS)


@pytest.mark.parametrize("login", ["bea", "mo", "adi", "owen", "rita", "syncer"])
def test_the_server_refuses_every_verb_a_role_must_not_have(made: Team, login: str) -> None:
    """Each table × verb, as the role's own login over TCP with its password: refused by
    the server exactly where the group has no grant (the statements change no row)."""
    role = {"syncer": "sync"}.get(login, LOGINS.get(login, ""))
    refused: list[str] = []
    allowed: list[str] = []
    with psycopg.connect(made.dsn(login)) as conn:
        for table in dialect.TABLE_GRANTS:
            column = _granted_column(role, table) or _first_column(conn, table)
            for verb, sql in (
                ("INSERT", f"INSERT INTO {table} SELECT * FROM {table} WHERE false"),
                ("UPDATE", f'UPDATE {table} SET "{column}" = "{column}" WHERE false'),
                ("DELETE", f"DELETE FROM {table} WHERE false"),
            ):
                try:
                    with conn.transaction():
                        conn.execute(sql)
                except psycopg.errors.InsufficientPrivilege:
                    refused.append(f"{verb} {table}")
                else:
                    allowed.append(f"{verb} {table}")
                # INSERT ... SELECT needs SELECT too: every role here reads every table.
    expected = {
        f"{verb} {table}"
        for table in dialect.TABLE_GRANTS
        for verb in ("INSERT", "UPDATE", "DELETE")
        if _expected(role, table, verb)
    }
    assert set(allowed) == expected
    # Whatever the role, the audit log is insert-only; below admin, agents are read-only,
    # and below manager the settings.
    assert {"UPDATE audit_log", "DELETE audit_log"} <= set(refused)
    if role not in ("admin", "owner"):
        assert {"INSERT agent", "DELETE agent"} <= set(refused)
    if role not in ("manager", "admin", "owner"):
        assert {"INSERT setting", "UPDATE setting", "DELETE setting"} <= set(refused)


def _granted_column(role: str, table: str) -> str | None:
    """The column of a column-level UPDATE grant the role's group has on `table`."""
    group = dialect.AGENT_GROUPS.get(role, {"sync": dialect.SYNC_GROUP}.get(role, ""))
    for roles, privileges in dialect.TABLE_GRANTS[table].items():
        if group in roles and "UPDATE (" in privileges:
            return privileges.split("UPDATE (")[1].split(")")[0]
    return None


def _first_column(conn: psycopg.Connection, table: str) -> str:
    row = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position LIMIT 1",
        (table,),
    ).fetchone()
    assert row is not None
    return str(row[0])


def test_raw_sql_can_neither_forge_nor_erase_the_audit_log(made: Team) -> None:
    with psycopg.connect(made.dsn("bea")) as conn:
        owner_id = conn.execute("SELECT id FROM agent WHERE login = 'convo'").fetchone()
        bea_id = conn.execute("SELECT id FROM agent WHERE login = 'bea'").fetchone()
        assert owner_id and bea_id
        conn.execute(
            "INSERT INTO audit_log (at, agent_id, action, detail, os_login) "
            "VALUES (now(), %s, 'agent.add', 'forged', 'convo')",
            owner_id,
        )
        row = conn.execute(
            "SELECT agent_id, os_login FROM audit_log WHERE detail = 'forged'"
        ).fetchone()
        assert row == (bea_id[0], "bea")  # the session's agent, whatever was written
        for sql in ("DELETE FROM audit_log", "UPDATE audit_log SET detail = ''"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql)
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("UPDATE agent SET role = 'owner' WHERE login = 'bea'")


def test_the_agent_is_the_session_s_role_whatever_is_passed(
    made: Team, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVO_DATABASE_URL", made.url("bea"))
    monkeypatch.setenv("USER", "owen")
    listed = run(capsys, "inbox", "--json")
    assert listed.code == 0, listed.err
    assert run(capsys, "close", MARIA).code == 0
    run(capsys, "--agent", "owen", "reopen", MARIA).assert_one_line_error(
        "--agent owen is not you: the database knows this session as bea"
    )
    run(capsys, "settings", "set", "replies.send_delay", "3").assert_one_line_error(
        "'bea' (support) may not change settings"
    )
    assert run(capsys, "reopen", MARIA).code == 0
    store = open_store(made.owner_url, migrate=False)
    with store.read() as session:
        last = session.exec(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)  # type: ignore[union-attr]
        ).all()
    store.close()
    assert [(e.action, e.os_login) for e in last] == [
        ("conversation.reopen", "bea"),
        ("conversation.close", "bea"),
    ]
    monkeypatch.setenv("CONVO_DATABASE_URL", made.url("bea").replace("pw-bea", "wrong"))
    run(capsys, "inbox").assert_one_line_error("refused the login")


def test_a_support_agent_s_day_works_within_the_grants(made: Team) -> None:
    store = open_store(made.url("bea"), migrate=False)
    try:
        bea = Desk(store, "bea")
        with store.read() as session:
            profile = session.exec(select(Profile).where(Profile.phone == MARIA)).one()
            conv = session.exec(
                select(Conversation).where(Conversation.profile_id == profile.id)
            ).one()
        cid, pid = int(conv.id or 0), int(profile.id or 0)
        bea.announce("bea-1", cid, True)
        bea.save_draft(cid, "draft", [])
        bea.add_note(pid, "@mo can you check stock?")
        change, _ = bea.assign(cid, "bea")
        bea.undo(change)
        bea.snooze(cid, clock.utcnow() + timedelta(hours=2))
        bea.reopen(cid)
        sent = bea.send(pid, "Hi Maria, black 39 is in stock", [], force=True)
        assert bea.recall(sent.message_id).body == "Hi Maria, black 39 is in stock"
        bea.block(pid)
        bea.unblock(pid)
        bea.leave("bea-1")
    finally:
        store.close()


def test_the_sync_runs_as_its_own_role(made: Team) -> None:
    store = open_store(made.url("syncer"), migrate=False)
    sandbox = Sandbox(port=0, seed=2026, simulate=False, history=False).start()
    try:
        with engine_for(store, sandbox) as engine:
            engine.run_once()
        sandbox.inject_inbound("+14155550177", "Hi, is this the shop?")
        with engine_for(store, sandbox) as engine:
            report = engine.run_once()
        assert report is not None
        with store.read() as session:
            assert session.exec(select(Profile).where(Profile.phone == "+14155550177")).first()
    finally:
        sandbox.stop()
        store.close()
