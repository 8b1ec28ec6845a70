"""An agent's speed tools (issue 18): saved replies filled in per customer, tags.

Real SQLite files and the real command line; the TUI picker: tests/test_tui_speed.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

from convo_tui.core import agents, orders, queries, reply_fill, saved_replies, tags
from convo_tui.core import settings as settings_mod
from convo_tui.core.rows import InboxFilter
from convo_tui.errors import AccessDenied, BadInput, NotFound, Refused
from convo_tui.store.kinds import Status
from convo_tui.store.models import Agent, AuditEntry, Conversation, Profile

from .cli_helpers import run
from .conftest import NOW, add_profile, text_in

MARIA, KENJI, LENA = "+14155550123", "+14155550124", "+14155550125"


def _team(store) -> None:
    with store.write() as session:
        ana = agents.identify(session, "ana", now=NOW)
        agents.add_agent(session, ana, "bea", "support", name="Bea Costa", now=NOW)
        for n, phone in enumerate((MARIA, KENJI, LENA)):
            add_profile(session, phone, first_name=["Maria", "Kenji", None][n])
            text_in(session, "Where is my order?", at=NOW + timedelta(minutes=n), phone=phone)


def _cid(store, phone: str) -> int:
    with store.read() as session:
        profile = session.exec(select(Profile).where(Profile.phone == phone)).one()
        conv = session.exec(select(Conversation).where(Conversation.profile_id == profile.id))
        return int(conv.one().id or 0)


def _order(store, phone: str, **extra: str) -> None:
    with store.write() as session:
        orders.record_order(
            session,
            orders.OrderIn(
                external_id=f"shop-{phone}",
                phone=phone,
                placed_at=NOW - timedelta(days=3),
                lines=[orders.Line("Knit Sneaker", 2, 6500), orders.Line("Laces", 1, 499)],
                status="placed",
                number="#1042",
                **extra,
            ),
            window_hours=72,
            now=NOW,
        )


def _cli(capsys, db_path, who: str, *args: str):
    return run(capsys, *args, "--db", db_path, "--agent", who)


# -- tags -------------------------------------------------------------------------------


def test_tags_add_remove_rename_merge_count_and_filter(store) -> None:
    _team(store)
    maria, kenji, lena = (_cid(store, p) for p in (MARIA, KENJI, LENA))
    with store.write() as session:
        ana = agents.identify(session, "ana", now=NOW)
        assert tags.add(session, ana, [maria, kenji], "WISMO", now=NOW).changed == 2
        assert tags.add(session, ana, [maria], "#wismo", now=NOW).changed == 0  # one tag
        tags.add(session, ana, [lena], "where-is-it", now=NOW)
        tags.add(session, ana, [maria], "vip", now=NOW)
    with store.read() as session:
        assert tags.counts(session) == [("wismo", 2), ("vip", 1), ("where-is-it", 1)]
        flt = InboxFilter(status=None, tag=tags.tag_id(session, "wismo"))
        rows = queries.inbox_page(session, flt, limit=10)
        assert {r.conversation_id for r in rows} == {maria, kenji}
        assert queries.inbox_count(session, flt) == 2
        both = InboxFilter(status=Status.OPEN, tag=tags.tag_id(session, "vip"))
        assert [r.tag_list for r in queries.inbox_page(session, both, limit=10)] == [
            ["vip", "wismo"]
        ]
    # Renaming onto an existing tag merges them: no conversation has it twice.
    with store.write() as session:
        ana = agents.identify(session, "ana", now=NOW)
        tags.add(session, ana, [maria], "where-is-it", now=NOW)
        assert tags.rename(session, ana, "where-is-it", "wismo", now=NOW).changed == 2
    with store.read() as session:
        assert tags.counts(session) == [("wismo", 3), ("vip", 1)]
        window = queries.inbox_window(session, InboxFilter(status=None), limit=10)
        assert {r.conversation_id: r.tag_list for r in window}[maria] == ["vip", "wismo"]
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
        assert actions.count("tag") == 5 and actions.count("tag.rename") == 1
    with store.write() as session:
        ana = agents.identify(session, "ana", now=NOW)
        assert tags.remove(session, ana, [maria, lena], "wismo", now=NOW).changed == 2
        with pytest.raises(BadInput, match="not a tag"):
            tags.add(session, ana, [maria], "two words", now=NOW)
        with pytest.raises(NotFound):
            tags.add(session, ana, [99999], "vip", now=NOW)
    with store.read() as session:
        assert tags.of(session, kenji) == ["wismo"] and tags.of(session, maria) == ["vip"]


def test_the_tag_commands(capsys, store, db_path) -> None:
    _team(store)
    assert "tagged wismo" in _cli(capsys, db_path, "bea", "tag", MARIA, "wismo").out
    assert "already tagged" in _cli(capsys, db_path, "bea", "tag", MARIA, "WISMO").out
    _cli(capsys, db_path, "bea", "tag", KENJI, "wismo")
    listed = _cli(capsys, db_path, "bea", "inbox", "--tag", "wismo", "--json").json()
    assert {c["phone"] for c in listed["conversations"]} == {MARIA, KENJI}
    assert listed["matching"] == 2 and listed["conversations"][0]["tags"] == ["wismo"]
    table = _cli(capsys, db_path, "bea", "inbox", "--tag", "wismo").out
    assert "tagged wismo — 2 conversations" in table and "#wismo" in table
    counts = _cli(capsys, db_path, "bea", "tags", "--json").json()
    assert counts == {"tags": [{"tag": "wismo", "conversations": 2}]}
    assert (
        "on 2 conversations" in _cli(capsys, db_path, "bea", "tags", "rename", "wismo", "where").out
    )
    assert (
        "tag where removed" in _cli(capsys, db_path, "bea", "tag", KENJI, "where", "--remove").out
    )
    _cli(capsys, db_path, "bea", "tag", MARIA, "a b").assert_one_line_error("not a tag: 'a b'")
    _cli(capsys, db_path, "bea", "inbox", "--tag", "nope").assert_one_line_error(
        "no tag 'nope' in this store", "tags: where"
    )
    _cli(capsys, db_path, "bea", "tags", "rename", "nope", "x").assert_one_line_error(
        "no tag 'nope'"
    )


# -- saved replies ------------------------------------------------------------------------

WISMO = (
    "Hi {{ person.first_name }}, order {{ order.number }} ({{ order.items }}, "
    "{{ order.total }}) is {{ order.status }}: {{ order.tracking_url }} - {{ agent.first_name }}"
)


def test_a_saved_reply_fills_in_from_the_customer_and_their_latest_order(store) -> None:
    _team(store)
    _order(store, MARIA, tracking_url="https://track.example-carrier.com/1Z9")
    with store.write() as session:
        ana = session.exec(select(Agent).where(col(Agent.login) == "ana")).one()
        ana.name = "Ana Silva"
        reply = saved_replies.add(session, ana, name="Where is my order", body=WISMO, now=NOW)
        settings = settings_mod.load(session)
        maria = session.exec(select(Profile).where(Profile.phone == MARIA)).one()
        kenji = session.exec(select(Profile).where(Profile.phone == KENJI)).one()
        lena = session.exec(select(Profile).where(Profile.phone == LENA)).one()
        for_maria = reply_fill.fill(
            reply.body, saved_replies.context(session, maria, ana, settings)
        )
        for_kenji = reply_fill.fill(
            reply.body, saved_replies.context(session, kenji, ana, settings)
        )
        lena_context = saved_replies.context(session, lena, ana, settings)
    assert for_maria.ready
    assert for_maria.text == (
        "Hi Maria, order #1042 (2 x Knit Sneaker, Laces, $134.99) is placed: "
        "https://track.example-carrier.com/1Z9 - Ana"
    )
    # No order: refused, never sent with blanks; the missing values are named.
    assert not for_kenji.ready and for_kenji.refusal is not None
    assert "no order to fill {{ order.number }}" in for_kenji.refusal
    assert "[order.number?]" in for_kenji.text
    # A missing first name is asked for; given, the text is complete.
    greeting = "Hi {{ person.first_name }}, thanks for waiting"
    asked = reply_fill.fill(greeting, lena_context)
    assert asked.missing == ("person.first_name",) and asked.refusal is None
    assert asked.text == "Hi [person.first_name?], thanks for waiting"
    given = reply_fill.fill(greeting, lena_context, {"person.first_name": "Lena"})
    assert given.ready and given.text == "Hi Lena, thanks for waiting"
    # An order without tracking yet: that one variable is missing, not blank.
    _order(store, KENJI)
    with store.read() as session:
        kenji = session.exec(select(Profile).where(Profile.phone == KENJI)).one()
        ana = session.exec(select(Agent).where(col(Agent.login) == "ana")).one()
        filled = reply_fill.fill(WISMO, saved_replies.context(session, kenji, ana, settings))
    assert filled.missing == ("order.tracking_url",) and filled.refusal is None


def test_the_picker_searches_as_you_type_and_offers_the_customers_language_first(store) -> None:
    _team(store)
    with store.write() as session:
        ana = agents.identify(session, "ana", now=NOW)
        add = saved_replies.add
        add(
            session, ana, name="Where is my order", category="Orders", body="It ships soon", now=NOW
        )
        add(session, ana, name="Where is my order", language="pt", body="Segue em breve", now=NOW)
        add(
            session,
            ana,
            name="Returns",
            category="Returns",
            body="Send it back within 30 days",
            now=NOW,
        )
        add(session, ana, name="Sizes", category="Products", body="Our sizes run small", now=NOW)
        found = saved_replies.listing(session)
    names = [(r.name, r.language) for r in reply_fill.search(found, "", language="pt")]
    assert names[0] == ("Where is my order", "pt")
    typed = reply_fill.search(found, "retrn", language="")
    assert typed[0].name == "Returns"
    by_text = reply_fill.search(found, "run small")
    assert by_text[0].name == "Sizes"
    assert reply_fill.search(found, "zzzzqqq") == []
    pick = reply_fill.for_language(found, "Where is my order", "pt")
    assert pick is not None and pick.body == "Segue em breve"
    fallback = reply_fill.for_language(found, "Where is my order", "de")
    assert fallback is not None and fallback.language == ""


def test_the_library_is_for_managers_and_every_change_is_audited(store) -> None:
    _team(store)
    with store.write() as session:
        ana = agents.identify(session, "ana", now=NOW)
        bea = agents.identify(session, "bea", now=NOW)
        with pytest.raises(AccessDenied, match="may not change saved replies"):
            saved_replies.add(session, bea, name="x", body="y", now=NOW)
        saved_replies.add(session, ana, name="Thanks", body="Thank you!", now=NOW)
        with pytest.raises(Refused, match="exists already"):
            saved_replies.add(session, ana, name="Thanks", body="again", now=NOW)
        with pytest.raises(BadInput, match=r"unknown variable \{\{ order.secret \}\}"):
            saved_replies.add(session, ana, name="Bad", body="{{ order.secret }}", now=NOW)
        with pytest.raises(BadInput, match="closes or snoozes"):
            saved_replies.check_actions(close=True, snooze_preset="tomorrow")
        with pytest.raises(BadInput, match="no snooze preset"):
            saved_replies.check_actions(snooze_preset="someday")
        saved_replies.edit(session, ana, "Thanks", body="Thanks a lot!", now=NOW)
        saved_replies.remove(session, ana, "Thanks", language=None, now=NOW)
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
    assert [a for a in actions if a.startswith("reply.")] == [
        "reply.add",
        "reply.edit",
        "reply.remove",
    ]


def test_the_replies_commands(capsys, store, db_path) -> None:
    _team(store)
    added = _cli(
        capsys, db_path, "ana", "replies", "add", "Where is my order", WISMO,
        "--category", "Orders", "--close", "--tag", "WISMO",
    )  # fmt: skip
    assert added.code == 0 and "added" in added.out
    listed = _cli(capsys, db_path, "bea", "replies", "list", "--json").json()
    (reply,) = listed["replies"]
    assert reply["name"] == "Where is my order" and reply["actions"] == {
        "close": True,
        "tag": "wismo",
    }
    assert "close, tag wismo" in _cli(capsys, db_path, "bea", "replies", "list").out
    _cli(capsys, db_path, "bea", "replies", "add", "x", "y").assert_one_line_error(
        "may not change saved replies"
    )
    _cli(capsys, db_path, "ana", "replies", "add", "x", "{{ nope }}").assert_one_line_error(
        "unknown variable {{ nope }}", "known: person.first_name"
    )
    _cli(
        capsys, db_path, "ana", "replies", "add", "x", "y", "--snooze", "later"
    ).assert_one_line_error("no snooze preset 'later'")
    edited = _cli(
        capsys, db_path, "ana", "replies", "edit", "Where is my order", "--no-actions",
        "--name", "WISMO", "--text", "On its way, {{ person.first_name }}!",
    )  # fmt: skip
    assert edited.code == 0
    again = json.loads(_cli(capsys, db_path, "bea", "replies", "list", "--json").out)
    assert again["replies"][0]["name"] == "WISMO" and again["replies"][0]["actions"] == {}
    _cli(capsys, db_path, "ana", "replies", "remove", "nope").assert_one_line_error(
        "no saved reply 'nope'"
    )
    assert "removed" in _cli(capsys, db_path, "ana", "replies", "remove", "WISMO").out
    assert "No saved replies yet" in _cli(capsys, db_path, "bea", "replies", "list").out


def test_tracking_and_the_order_number_come_with_the_fulfilled_order(store) -> None:
    """A later report of the same order adds its tracking and never blanks it."""
    _team(store)
    _order(store, MARIA)
    _order(store, MARIA, tracking_number="1Z9", tracking_url="https://t.example/1Z9")
    _order(store, MARIA)  # a repeated report without tracking
    with store.read() as session:
        maria = session.exec(select(Profile).where(Profile.phone == MARIA)).one()
        facts = saved_replies.latest_order(session, int(maria.id or 0))
    assert facts is not None and facts.tracking_url == "https://t.example/1Z9"
    assert facts.number == "#1042" and facts.total == "$134.99"
