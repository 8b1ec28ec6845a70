"""The bench's synthetic store: right counts, rows that obey the inbox rules, the app's
schema with its indexes and search. No timings here: those are measured by `make bench`."""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from sqlalchemy import select
from sqlmodel import SQLModel, col

from convo_bench import cli, figures
from convo_bench.generate import ATTRIBUTION_HOURS, GenerateReport, generate, message_counts
from convo_bench.ptyrun import visible
from convo_bench.runner import Row, table
from convo_tui.core import keywords, queries, search, sms_cost
from convo_tui.core.conversations import preview
from convo_tui.core.rows import InboxFilter
from convo_tui.core.timezones import is_zone
from convo_tui.session.desk import Desk
from convo_tui.store import dialect
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.kinds import Status
from convo_tui.store.models import Conversation, Message, MessageSource, Profile
from convo_tui.store.open import open_store
from convo_tui.store.schema import current_revision, head_revision

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
CONVERSATIONS = 300
MESSAGES = 1_537


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateReport]:
    path = tmp_path_factory.mktemp("bench") / "bench.sqlite3"
    report = generate(path, conversations=CONVERSATIONS, messages=MESSAGES, seed=7, now=NOW)
    return path, report


@pytest.fixture
def store(generated: tuple[Path, GenerateReport]) -> Any:
    opened = open_store(sqlite_url(generated[0]), migrate=False)
    yield opened
    opened.close()


def _all(store: Store, statement: Any) -> list[Any]:
    with store.read() as session:
        return list(session.connection().execute(statement).all())


def test_message_counts_sum_exactly_and_are_at_least_one() -> None:
    for conversations, messages in ((1, 1), (10, 10), (1000, 5000), (7, 400), (333, 1001)):
        counts = message_counts(conversations, messages, random.Random(conversations))
        assert len(counts) == conversations
        assert sum(counts) == messages
        assert min(counts) >= 1
    with pytest.raises(ValueError):
        message_counts(10, 9, random.Random(1))


def test_counts_match_the_request_and_the_report(
    generated: tuple[Path, GenerateReport], store: Store
) -> None:
    _, report = generated
    assert report.conversations == CONVERSATIONS
    assert report.messages == MESSAGES
    with store.read() as session:
        conn = session.connection()
        for table, expected in (
            ("conversation", CONVERSATIONS),
            ("profile", CONVERSATIONS),
            ("message", MESSAGES),
            ("activity_event", report.events),
            ("shop_order", report.orders),
            ("order_line", report.order_lines),
            ("notification", report.notifications),
        ):
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == expected
    assert report.rows_per_second > 0
    assert report.events > 0 and report.orders > 0 and report.media > 0


def test_the_store_is_migrated_with_every_index_and_the_search_index(store: Store) -> None:
    with store.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        names = {
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger', 'table')"
            )
        }
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert not conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    for model_table in SQLModel.metadata.tables.values():
        for index in model_table.indexes:
            assert index.name in names, index.name
    assert {"message_fts", "message_fts_ai", "message_fts_ad", "message_fts_au"} <= names


def test_inbox_queries_use_indexes_and_no_offset(store: Store) -> None:
    with store.read() as session:
        conn = session.connection()
        source = conn.execute(
            select(col(Conversation.attributed_source_id)).where(
                col(Conversation.attributed_source_id).is_not(None)
            )
        ).scalar()
        assert source is not None
        for flt in (
            InboxFilter(),
            InboxFilter(unread=True),
            InboxFilter(status=None),
            InboxFilter(status=Status.CLOSED, unread=False),
            InboxFilter(status=None, attributed_source_id=source),
        ):
            first = queries.inbox_page(session, flt, limit=10)
            assert first, flt
            deep = queries.inbox_query(flt, limit=10, after=first[-1].cursor)
            for statement in (queries.inbox_query(flt, limit=10), deep):
                plan = dialect.explain(conn, statement)
                assert figures.plan_uses_index(plan), plan
                assert "OFFSET" not in str(statement).upper()
            assert queries.inbox_count(session, flt) >= len(first)


def test_search_finds_generated_bodies_and_new_messages(
    generated: tuple[Path, GenerateReport], tmp_path: Path
) -> None:
    store = open_store(sqlite_url(figures.copy_store(generated[0], tmp_path / "copy.sqlite3")))
    with store.read() as session:
        hits = search.search(session, "refund")
        assert hits and all("refund" in h.excerpt.lower() for h in hits)
        newest = [(h.sent_at, h.message_id) for h in hits]
        assert newest == sorted(newest, reverse=True)
        assert search.search(session, "deliv")
    with store.write() as session:  # the triggers are back: new rows are indexed
        profile = session.get(Profile, 1)
        assert profile is not None
        session.add(
            Message(
                profile_id=1,
                direction="inbound",
                body="zanzibar quokka",
                sent_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    with store.read() as session:
        assert [h.profile_id for h in search.search(session, "quokka")] == [1]
    store.close()


def test_rows_obey_the_inbox_rules(store: Store) -> None:
    sources = {s.id: s for s in _all(store, select(MessageSource))}
    kinds = {sid: s.kind for sid, s in sources.items()}
    profiles = {p.id: p for p in _all(store, select(Profile))}
    conversations = {c.profile_id: c for c in _all(store, select(Conversation))}
    by_profile: dict[int, list[Any]] = defaultdict(list)
    for m in _all(store, select(Message).order_by(col(Message.sent_at), col(Message.id))):
        by_profile[m.profile_id].append(m)
    notified = {
        r[0]
        for r in _all(
            store,
            select(Message.id).join(  # type: ignore[call-overload]
                _notification(), _notification().c.message_id == Message.id
            ),
        )
    }
    window = timedelta(hours=ATTRIBUTION_HOURS)
    statuses = set()
    for pid, conv in conversations.items():
        profile = profiles[pid]
        messages = by_profile[pid]
        assert phonenumbers.is_valid_number(phonenumbers.parse(profile.phone)), profile.phone
        assert profile.timezone is None or is_zone(profile.timezone)
        texts = [m for m in messages if m.direction == "inbound" and m.keyword is None]
        assert texts, "a conversation starts with a customer's text"
        first_text = texts[0]
        for m in messages:
            kind = kinds[m.source_id]
            if m.sent_at < first_text.sent_at:
                assert m.direction == "outbound" and kind in ("campaign", "flow")
                assert m.conversation_id is None
            else:
                assert m.conversation_id == conv.id
            if m.direction == "inbound":
                assert kind == "customer"
                keyword = keywords.classify(m.body)  # STOP words and texts as the app tells them
                assert m.keyword == (keyword.value if keyword else None), m.body
                if m.keyword is None and not profile.blocked:
                    assert m.id in notified
            if kind == "agent_reply":
                assert profile.sms_consent == "SUBSCRIBED" and not profile.blocked
                assert m.agent_id is not None
            if m.keyword == "opt_out":
                assert profile.sms_consent == "UNSUBSCRIBED"
            if m.status in ("failed", "undelivered"):
                assert m.error_code and m.error_message
            # GSM-7 or UCS-2 as the composer counts them ("Hi Léa, ..." is GSM-7);
            # a picture without words is billed as one.
            assert m.num_segments == (sms_cost.cost(m.body).segments or 1), m.body
        # Only customer texts and agent replies move the conversation.
        movers = [
            m
            for m in messages
            if (m.direction == "inbound" and m.keyword is None)
            or kinds[m.source_id] == "agent_reply"
        ]
        newest = movers[-1]
        assert conv.last_message_at == newest.sent_at
        assert conv.last_message_direction == newest.direction
        assert conv.last_message_preview == preview(newest.body, newest.direction)
        waiting = None
        for m in movers:
            if m.direction == "outbound":
                waiting = None
            elif waiting is None:
                waiting = m.sent_at
        assert conv.waiting_since == waiting
        # Attribution: only the first text, within the window after a campaign or flow send.
        attributed = [m for m in messages if m.attributed_source_id is not None]
        assert all(m is first_text for m in attributed)
        if attributed:
            send = [m for m in messages if m.sent_at < first_text.sent_at][-1]
            assert send.source_id == first_text.attributed_source_id
            assert first_text.sent_at - send.sent_at <= window
        assert conv.attributed_source_id == first_text.attributed_source_id
        # State.
        statuses.add(conv.status)
        if profile.blocked:
            assert conv.status == Status.CLOSED and not conv.unread
        if conv.unread:
            assert newest.direction == "inbound" and conv.status == Status.OPEN
        if conv.status == Status.SNOOZED:
            assert conv.snooze_until is not None and conv.snooze_until > NOW
        else:
            assert conv.snooze_until is None
        assert all(m.sent_at <= NOW for m in messages)
    assert statuses == {"open", "snoozed", "closed"}
    consents = {p.sms_consent for p in profiles.values()}
    assert consents == {"SUBSCRIBED", "NEVER_SUBSCRIBED", "UNSUBSCRIBED"}
    zones = {p.timezone for p in profiles.values() if p.timezone}
    assert len(zones) >= 10


def _notification() -> Any:
    return SQLModel.metadata.tables["notification"]


def test_the_app_reads_the_generated_store(store: Store) -> None:
    desk = Desk(store, "bench", now=lambda: NOW)
    me = desk.identify()
    assert me.role == "owner"
    total, unread, _ = desk.counts(InboxFilter(status=None))
    assert total == CONVERSATIONS and 0 < unread < total
    rows = desk.inbox_window(InboxFilter(status=None), limit=20)
    assert [r.cursor for r in rows] == sorted((r.cursor for r in rows), reverse=True)
    for row in rows[:5]:
        view = desk.conversation(row.conversation_id)
        assert view.messages and view.card.phone


def test_same_seed_same_store(tmp_path: Path) -> None:
    def digest(path: Path) -> list[Any]:
        opened = open_store(sqlite_url(path), migrate=False)
        try:
            return _all(
                opened, select(col(Message.body), col(Message.sent_at)).order_by(col(Message.id))
            )
        finally:
            opened.close()

    one = generate(tmp_path / "a.sqlite3", conversations=20, seed=3, now=NOW)
    two = generate(tmp_path / "b.sqlite3", conversations=20, seed=3, now=NOW)
    assert one.messages == two.messages == 100
    assert digest(tmp_path / "a.sqlite3") == digest(tmp_path / "b.sqlite3")
    with pytest.raises(FileExistsError):
        generate(tmp_path / "a.sqlite3", conversations=20, seed=3, now=NOW)


def test_the_generate_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`benchmarks/run.py generate` as a script from any folder writes the store asked for
    (its report as JSON); it replaces one only with --force."""
    out = tmp_path / "cli.sqlite3"
    args = ["generate", "--conversations", "10", "--messages", "30", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, str(RUN), *args, "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    report = json.loads(done.stdout)
    assert (report["conversations"], report["messages"]) == (10, 30)
    opened = open_store(sqlite_url(out), migrate=False)
    try:
        with opened.read() as session:
            assert queries.inbox_count(session, InboxFilter(status=None)) == 10
    finally:
        opened.close()
    with pytest.raises(SystemExit) as refused:
        cli.main(args)
    assert refused.value.code == 2
    assert f"{out} exists; add --force" in capsys.readouterr().err
    assert cli.main([*args, "--force", "--seed", "4"]) == 0
    assert "10 conversations, 30 messages" in capsys.readouterr().out


def test_helpers_strip_escapes_and_print_one_table() -> None:
    assert visible("\x1b[1;31m● Maria\x1b[0m\x1b[2;5H now\x1b]0;t\x07") == "● Maria now"
    row = Row("figure", "1k", "floor", 1.0, 2.0, "ms", "≤ 3 ms", "pass", "make bench", ratio=2.0)
    text = table([row])
    assert "figure" in text and "PASS" in text and "2.00×" in text
    assert figures.plan_uses_index(["SEARCH conversation USING INDEX ix_conv_recent (x=?)"])
    assert not figures.plan_uses_index(["SCAN conversation"])


def test_the_keys_harness_reports_every_press(
    generated: tuple[Path, GenerateReport], tmp_path: Path
) -> None:
    """`python -m convo_bench.tui keys` on a real inbox: each key's net CPU per press
    (what the bench pools over its runs), and summaries that agree with them."""
    from convo_bench import tui

    path, _ = generated
    copy = figures.copy_store(path, tmp_path / "keys.sqlite3")
    out = tmp_path / "keys.json"
    tui.keys(copy, out, repeat=5)
    result = json.loads(out.read_text())
    assert 0 < result["rows"] <= CONVERSATIONS  # the open conversations
    expected = {"j", "k", "page down", "end", "home", "open thread (enter)", "switch side tab"}
    assert expected <= set(result["keys"])
    assert set(result["first_press_net_cpu_ms"]) == {"end", "home"}
    for name, data in result["keys"].items():
        presses = data["net_cpu_ms"]
        assert len(presses) == data["n"] >= 5, name
        assert all(value >= 0 for value in presses), name
        assert data["net_cpu_ms_median"] == pytest.approx(statistics.median(presses), abs=0.01)
        assert data["net_cpu_ms_p95"] == pytest.approx(figures.quantile(presses, 0.95), abs=0.01)
