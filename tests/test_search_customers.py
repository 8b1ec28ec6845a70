"""Search finds customers: by name, by phone in any common form (a tail too), by email,
on a real SQLite store; indexed lookups only, kept in step with every profile write."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, event

from convo_bench import figures
from convo_bench.generate import generate
from convo_tui.core import search
from convo_tui.session.desk import Desk
from convo_tui.store import dialect
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.open import open_store
from convo_tui.store.schema import alembic_config

from .conftest import NOW, add_profile, text_in
from .tui_helpers import KENJI, MARIA

MATEO = "+12135550123"  # the demo's other number ending in 0123; he never texted


def _desk(store: Store) -> Desk:
    return Desk(store, "ana", now=lambda: NOW)


def _phones(store: Store, query: str) -> list[str]:
    return [hit.phone for hit in _desk(store).search(query).customers]


def test_names_phones_and_emails_find_the_customer(demo_store: Store) -> None:
    for query in (
        "Watanabe",
        "kenji",
        "KENJI WATANABE",
        "watanabe kenji",
        "Kenji Wat",
        "kenji.watanabe@example.com",
        "Kenji.Watanabe@Example.COM",
        "+819012345678",
        "+81 90-1234-5678",
        "819012345678",
    ):
        assert KENJI in _phones(demo_store, query), query
    for query in (
        "4155550123",
        "+14155550123",
        "(415) 555-0123",
        "415-555-0123",
        "415 555 0123",
        "415.555.0123",
        "+1 415 555 0123",
        "Maria Silva",
        "maria.silva@example.com",
    ):
        assert _phones(demo_store, query)[:1] == [MARIA], query


def test_a_tail_of_the_number_finds_every_customer_it_ends(demo_store: Store) -> None:
    # Maria texted, Mateo never did: the one with a conversation comes first.
    assert _phones(demo_store, "0123") == [MARIA, MATEO]
    assert _phones(demo_store, "50123") == [MARIA, MATEO]
    assert _phones(demo_store, "555-0123") == [MARIA, MATEO]
    assert _phones(demo_store, "5550123") == [MARIA, MATEO]
    assert _phones(demo_store, "2135550123") == [MATEO]


def test_the_whole_number_comes_before_other_matches(demo_store: Store) -> None:
    with demo_store.write() as session:
        # A customer whose email holds the digits, and who texted since Maria did: still
        # a weaker match than the number itself.
        add_profile(session, "+442071838750", first_name="Zed", email="4155550123@example.org")
        text_in(session, "hello", phone="+442071838750", at=NOW)
    found = _phones(demo_store, "4155550123")
    assert found == [MARIA, "+442071838750"]


def _words(*values: str | None) -> list[str]:
    flat = unicodedata.normalize("NFKD", " ".join(v for v in values if v))
    flat = "".join(ch for ch in flat if not unicodedata.combining(ch))
    return re.findall(r"\w+", flat.casefold())


def test_the_count_says_how_many_more_match(demo_store: Store) -> None:
    with demo_store.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT first_name, last_name, email FROM profile"
        )
        people = [_words(*row) for row in rows]
    for query in ("example", "ja", "mar", "wei"):
        prefix = query.casefold()
        expected = sum(1 for words in people if any(w.startswith(prefix) for w in words))
        results = _desk(demo_store).search(query)
        assert len(results.customers) == min(expected, search.CUSTOMER_HITS), query
        assert results.customers_total == expected, query
        assert results.more_customers == expected - len(results.customers), query
        assert not results.customers_capped
    assert _desk(demo_store).search("example").more_customers > 100


def test_a_common_word_is_counted_up_to_a_cap(demo_store: Store) -> None:
    with demo_store.read() as session:
        found = search.find(session, "example", count_cap=20)
    assert len(found.customers) == search.CUSTOMER_HITS
    assert found.customers_total == 20 and found.customers_capped
    assert found.more_customers == 20 - search.CUSTOMER_HITS


def test_messages_still_found_and_their_overflow_said(demo_store: Store) -> None:
    results = _desk(demo_store).search("size 38")
    assert results.customers == ()
    assert [hit.name for hit in results.messages] == ["Maria Silva"]
    assert not results.more_messages
    many = _desk(demo_store).search("example")
    assert len(many.messages) == search.MAX_HITS and many.more_messages


def test_a_customer_with_no_conversation_says_so(demo_store: Store) -> None:
    (lucas,) = _desk(demo_store).search("Lucas Pereira").customers
    assert lucas.conversation_id is None and lucas.last_message_at is None
    (kenji,) = _desk(demo_store).search("Watanabe").customers
    assert kenji.conversation_id is not None and kenji.last_message_at is not None
    assert kenji.name == "Kenji Watanabe" and kenji.email == "kenji.watanabe@example.com"


def test_nothing_to_find_and_hostile_text_are_harmless(demo_store: Store) -> None:
    for query in ("", "   ", '"', 'NEAR( "x" * OR', "first_name:kenji", "%", "_", "+", "()"):
        results = _desk(demo_store).search(query)
        assert results.customers == (), query
    # One letter is a word (k.menon@…), not a prefix of every name (Kenji, Kevin…).
    assert [hit.name for hit in _desk(demo_store).search("k").customers] == ["Kavya Menon"]


def test_new_renamed_and_deleted_customers(store: Store) -> None:
    with store.write() as session:
        profile = add_profile(session, "+14155550177", first_name="Zoë", last_name="Quill")
        pid = profile.id
    assert _phones(store, "quill") == ["+14155550177"]
    assert _phones(store, "zoe") == ["+14155550177"]  # accents folded, as for messages
    with store.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE profile SET last_name = 'Quince', email = 'zq@shop.example' WHERE id = ?",
            (pid,),
        )
    assert _phones(store, "quill") == []
    assert _phones(store, "quince") == ["+14155550177"]
    assert _phones(store, "zq@shop.example") == ["+14155550177"]
    with store.write() as session:
        session.connection().exec_driver_sql("UPDATE profile SET phone = '+14155550188'")
    assert _phones(store, "0177") == []
    assert _phones(store, "0188") == ["+14155550188"]
    with store.write() as session:
        session.connection().exec_driver_sql("DELETE FROM profile WHERE id = ?", (pid,))
    assert _phones(store, "quince") == []
    assert _phones(store, "0188") == []


def test_an_older_store_is_indexed_when_upgraded(db_path: Path) -> None:
    engine = create_engine(sqlite_url(db_path))
    dialect.configure(engine)
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0006")
        conn.exec_driver_sql(
            "INSERT INTO profile (phone, first_name, last_name, sms_consent, blocked, "
            "created_at, updated_at) VALUES ('+819012345678', 'Kenji', 'Watanabe', "
            "'SUBSCRIBED', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        conn.commit()
    engine.dispose()
    store = open_store(sqlite_url(db_path))
    try:
        assert _phones(store, "Watanabe") == [KENJI]
        assert _phones(store, "5678") == [KENJI]
    finally:
        store.close()


def test_customer_lookups_use_indexes(demo_store: Store) -> None:
    """No scan of a table that grows with the store, whatever is typed: every statement a
    search runs is planned on an index (or the full-text table)."""
    statements: list[tuple[str, Sequence[Any] | Mapping[str, Any]]] = []

    def seen(
        _conn: object,
        _cursor: object,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any],
        *_: object,
    ) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(demo_store.engine, "before_cursor_execute", seen)
    try:
        for query in ("kenji wat", "4155550123", "(415) 555-0123", "0123", "maria", "example"):
            _desk(demo_store).search(query)
    finally:
        event.remove(demo_store.engine, "before_cursor_execute", seen)
    assert len(statements) > 6
    with demo_store.read() as session:
        conn = session.connection()
        for sql, params in statements:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
            plan = " | ".join(str(row[-1]) for row in rows)
            assert not BIG_SCAN.search(plan), (sql, plan)


BIG_SCAN = re.compile(r"\bSCAN (profile|conversation|message)\b(?! VIRTUAL)")


def test_a_bulk_loaded_bench_store_is_searchable_by_customer(tmp_path: Path) -> None:
    """The bench's bulk loader bypasses the triggers while loading; it fills the customer
    index afterwards as migration 0008 does."""
    path = tmp_path / "bench.sqlite3"
    generate(path, conversations=200, messages=400, seed=3, now=NOW)
    store = open_store(sqlite_url(path), migrate=False)
    try:
        with store.read() as session:
            first, last, phone, email = (
                session.connection()
                .exec_driver_sql(
                    "SELECT first_name, last_name, phone, email FROM profile "
                    "WHERE first_name IS NOT NULL AND last_name IS NOT NULL "
                    "AND email IS NOT NULL ORDER BY id LIMIT 1 OFFSET 100"
                )
                .one()
            )
        for query in (f"{first} {last}", email, phone, phone[-6:]):
            assert phone in _phones(store, query), query
    finally:
        store.close()
    # The bench's figure for it measures queries that each find someone.
    figure = figures.customer_search_queries(path, repeat=1)
    assert figure["profiles"] == 200
    assert all(kind["customers"] >= 1 for kind in figure["queries"].values()), figure
