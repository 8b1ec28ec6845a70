"""A team on one store (issue 17): assignment (CLI, views and their counts, auto-
assignment), internal notes with mentions, the Traffic Cop hold, presence.

Real SQLite files and the real command line; the agents are stand-ins on a test store
(`--agent`), the two-OS-user story is tests/test_team_host.py."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from convo_tui import clock
from convo_tui.core import agents, assignment, notes, presence, queries, reply_guard, search
from convo_tui.core import settings as settings_mod
from convo_tui.core.rows import UNASSIGNED, Held, InboxFilter, initials
from convo_tui.errors import NotFound, Refused
from convo_tui.session.desk import Desk
from convo_tui.store.kinds import Status
from convo_tui.store.models import (
    Agent,
    AgentNotice,
    AuditEntry,
    Conversation,
    Message,
    OutboxItem,
    Profile,
)

from .cli_helpers import run
from .conftest import NOW, add_profile, text_in

MARIA, KENJI, LENA = "+14155550123", "+14155550124", "+14155550125"


def _team(store, *, texts: tuple[str, ...] = (MARIA, KENJI, LENA)) -> dict[str, int]:
    """ana (owner), bea and cy (support), a viewer; each customer has texted once."""
    with store.write() as session:
        ana = agents.identify(session, "ana", now=NOW)
        agents.add_agent(session, ana, "bea", "support", name="Bea Costa", now=NOW)
        agents.add_agent(session, ana, "cy", "support", now=NOW)
        agents.add_agent(session, ana, "vic", "viewer", now=NOW)
        for n, phone in enumerate(texts):
            add_profile(session, phone, first_name=["Maria", "Kenji", "Lena"][n])
            text_in(session, "Hello?", at=NOW + timedelta(minutes=n), phone=phone)
        found = session.exec(select(Agent)).all()
        return {a.login: int(a.id or 0) for a in found}


def _conversation(store, phone: str) -> Conversation:
    with store.read() as session:
        profile = session.exec(select(Profile).where(Profile.phone == phone)).one()
        query = select(Conversation).where(Conversation.profile_id == profile.id)
        found: Conversation = session.exec(query).one()
        return found


def _cli(capsys, db_path, who: str, *args: str):
    return run(capsys, *args, "--db", db_path, "--agent", who)


# -- assignment ------------------------------------------------------------------------


def test_assign_from_the_cli_with_views_counts_audit_and_a_notice(capsys, store, db_path):
    ids = _team(store)
    done = _cli(capsys, db_path, "ana", "assign", MARIA, "bea")
    assert done.code == 0 and "assigned to bea (was unassigned)" in done.out
    assert "already assigned to you" in _cli(capsys, db_path, "bea", "assign", MARIA, "me").out
    assert _cli(capsys, db_path, "ana", "assign", KENJI, "me").code == 0
    mine = _cli(capsys, db_path, "bea", "inbox", "--assignee", "me", "--json").json()
    assert [c["phone"] for c in mine["conversations"]] == [MARIA]
    assert mine["matching"] == 1 and mine["conversations"][0]["assignee"] == "bea"
    nobody = _cli(capsys, db_path, "bea", "inbox", "--assignee", "none", "--json").json()
    assert [c["phone"] for c in nobody["conversations"]] == [LENA]
    anas = _cli(capsys, db_path, "bea", "inbox", "--assignee", "ana").out
    assert "ana's" in anas and "1 conversation" in anas and "AN" in anas
    # Bea is told once (Ana gave it to her); Ana taking one herself tells nobody.
    with store.read() as session:
        told = session.exec(select(AgentNotice)).all()
        assert [(n.agent_id, n.kind, n.by_agent_id) for n in told] == [
            (ids["bea"], "assigned", ids["ana"])
        ]
        actions = [
            (e.action, e.detail)
            for e in session.exec(select(AuditEntry).where(col(AuditEntry.action) == "assign"))
        ]
    assert actions == [
        ("assign", "to bea (was nobody)"),
        ("assign", "to ana (was nobody)"),
    ]
    gone = _cli(capsys, db_path, "bea", "assign", MARIA, "none")
    assert "unassigned (was assigned to you)" in gone.out
    assert _conversation(store, MARIA).assignee_id is None


def test_assign_refuses_in_one_line(capsys, store, db_path) -> None:
    _team(store)
    _cli(capsys, db_path, "ana", "assign", MARIA, "zed").assert_one_line_error(
        "no agent 'zed'", "convo agents list"
    )
    _cli(capsys, db_path, "ana", "assign", MARIA, "vic").assert_one_line_error(
        "vic (viewer) does not work the inbox"
    )
    _cli(capsys, db_path, "ana", "inbox", "--assignee", "zed").assert_one_line_error(
        "no agent 'zed'", "me, none"
    )
    _cli(capsys, db_path, "ana", "assign", "+14155550999", "me").assert_one_line_error()


def test_the_tally_counts_every_view_as_a_count_query_would(store) -> None:
    """Random assignments, closes, reads and reassignments: each view's count from the
    tally equals counting the conversations themselves."""
    phones = [f"+1415555{n:04d}" for n in range(200, 260)]
    ids = _team(store, texts=())
    with store.write() as session:
        for n, phone in enumerate(phones):
            add_profile(session, phone)
            text_in(session, "hi", at=NOW + timedelta(seconds=n), phone=phone)
    rng = random.Random(17)
    choices = [None, "ana", "bea", "cy"]
    with store.write() as session:
        ana = session.exec(select(Agent).where(Agent.login == "ana")).one()
        conversations = session.exec(select(Conversation)).all()
        for _ in range(300):
            conv = rng.choice(conversations)
            move = rng.random()
            if move < 0.5:
                assignment.assign(session, conv, ana, rng.choice(choices), now=NOW)
            elif move < 0.7:
                conv.status = rng.choice([s.value for s in Status])
            else:
                conv.unread = not conv.unread
            session.flush()
        for who in [None, UNASSIGNED, ids["ana"], ids["bea"], ids["cy"]]:
            for status in [None, Status.OPEN, Status.CLOSED]:
                for unread in [None, True]:
                    flt = InboxFilter(status=status, unread=unread, assignee=who)
                    query = select(func.count()).select_from(Conversation)
                    if who == UNASSIGNED:
                        query = query.where(col(Conversation.assignee_id).is_(None))
                    elif who is not None:
                        query = query.where(Conversation.assignee_id == who)
                    if status is not None:
                        query = query.where(Conversation.status == status.value)
                    if unread is not None:
                        query = query.where(Conversation.unread == unread)
                    expected = session.exec(query).one()
                    assert queries.inbox_count(session, flt) == expected, flt
                    page = queries.inbox_page(session, flt, limit=500)
                    assert len(page) == expected, flt


def test_undo_puts_the_assignee_back_unless_changed_since(store) -> None:
    _team(store)
    ana, bea = Desk(store, "ana"), Desk(store, "bea")
    cid = int(_conversation(store, MARIA).id or 0)
    change, words = ana.assign(cid, "bea")
    assert words == "assigned to bea" and change.changed == ("assignee_id",)
    ana.undo(change)
    assert _conversation(store, MARIA).assignee_id is None
    change, _ = ana.assign(cid, "bea")
    bea.assign(cid, "cy")
    with pytest.raises(Refused, match="its assignee changed since"):
        ana.undo(change)
    assert [a.login for a in ana.assignable()] == ["ana", "bea", "cy"]  # no viewer


def test_round_robin_gives_texts_to_the_agents_present_in_turn(store) -> None:
    ids = _team(store, texts=())
    with store.write() as session:
        ana = session.exec(select(Agent).where(Agent.login == "ana")).one()
        settings_mod.set_value(session, ana, "team.auto_assign", "round_robin", now=NOW)
        for phone in [MARIA, KENJI, LENA, "+14155550126"]:
            add_profile(session, phone)
    at = clock.utcnow()
    # Nobody has an inbox open: the first text stays unassigned.
    with store.write() as session:
        text_in(session, "anyone?", phone="+14155550126", at=at, now=at)
    with store.write() as session:
        presence.announce(session, "s-bea", ids["bea"], conversation_id=None, typing=False, now=at)
        presence.announce(session, "s-cy", ids["cy"], conversation_id=None, typing=False, now=at)
        # A session that died a minute ago is no one present.
        presence.announce(
            session,
            "s-ana",
            ids["ana"],
            conversation_id=None,
            typing=False,
            now=at - timedelta(minutes=1),
        )
    with store.write() as session:
        for phone in (MARIA, KENJI, LENA):
            text_in(session, "hello", phone=phone, at=at, now=at)
    owners = {p: _conversation(store, p).assignee_id for p in (MARIA, KENJI, LENA)}
    assert owners == {MARIA: ids["bea"], KENJI: ids["cy"], LENA: ids["bea"]}
    assert _conversation(store, "+14155550126").assignee_id is None
    with store.read() as session:
        told = [n.agent_id for n in session.exec(select(AgentNotice).order_by(col(AgentNotice.id)))]
        assert told == [ids["bea"], ids["cy"], ids["bea"]]
        # Cy is next: given one longest ago.
        cy, bea = session.get(Agent, ids["cy"]), session.get(Agent, ids["bea"])
        assert cy is not None and bea is not None
        assert cy.last_assigned_at is not None and bea.last_assigned_at is not None
    # A closed conversation keeps its assignee when the customer texts again.
    with store.write() as session:
        conv = session.get(Conversation, _conversation(store, KENJI).id)
        assert conv is not None
        conv.status = Status.CLOSED.value
    with store.write() as session:
        text_in(session, "me again", phone=KENJI, at=at + timedelta(seconds=1), now=at)
    reopened = _conversation(store, KENJI)
    assert reopened.status == Status.OPEN.value and reopened.assignee_id == ids["cy"]


def test_a_removed_agent_leaves_their_conversations_to_nobody(capsys, store, db_path) -> None:
    ids = _team(store)
    _cli(capsys, db_path, "ana", "assign", MARIA, "cy")
    _cli(capsys, db_path, "ana", "assign", KENJI, "cy")
    assert _cli(capsys, db_path, "ana", "agents", "remove", "cy").code == 0
    assert {_conversation(store, p).assignee_id for p in (MARIA, KENJI)} == {None}
    with store.read() as session:
        assert queries.inbox_count(session, InboxFilter(assignee=ids["cy"])) == 0
        assert queries.inbox_count(session, InboxFilter(assignee=UNASSIGNED)) == 3


def test_first_reply_assigns_the_agent_who_replies(store) -> None:
    ids = _team(store)
    with store.write() as session:
        ana = session.exec(select(Agent).where(Agent.login == "ana")).one()
        settings_mod.set_value(session, ana, "team.auto_assign", "first_reply", now=NOW)
    bea = Desk(store, "bea")
    maria = _conversation(store, MARIA)
    bea.send(maria.profile_id, "Hi Maria, looking now", [])
    assert _conversation(store, MARIA).assignee_id == ids["bea"]
    Desk(store, "cy").send(maria.profile_id, "Also here", [], force=True)
    assert _conversation(store, MARIA).assignee_id == ids["bea"]  # taken already


def test_initials() -> None:
    assert initials("Bea Costa", "bea") == "BC"
    assert initials("", "cy") == "CY"
    assert initials("Ana", "ana") == "AN"
    assert initials(None, None) == ""


# -- notes -------------------------------------------------------------------------


def test_a_note_is_never_sent_and_does_not_answer_the_customer(capsys, store, db_path) -> None:
    ids = _team(store)
    before = _conversation(store, MARIA)
    added = _cli(
        capsys, db_path, "ana", "note", MARIA, "VIP: refund approved, @bea please call. ana@x.io"
    )
    assert added.code == 0 and "not sent to the customer" in added.out and "told bea" in added.out
    after = _conversation(store, MARIA)
    # The wait, the preview and the inbox order are the customer's.
    assert (after.waiting_since, after.last_message_at, after.last_message_preview) == (
        before.waiting_since,
        before.last_message_at,
        before.last_message_preview,
    )
    with store.read() as session:
        note = session.exec(select(Message).where(Message.direction == "note")).one()
        assert note.agent_id == ids["ana"] and note.provider_sid is None
        assert session.exec(select(OutboxItem)).all() == []
        told = session.exec(select(AgentNotice)).one()
        assert (told.agent_id, told.kind, told.message_id) == (ids["bea"], "mention", note.id)
        hits = search.find(session, "refund approved")
        assert [h.message_id for h in hits.messages] == [note.id]
    thread = _cli(capsys, db_path, "bea", "thread", MARIA).out
    assert "NOTE (internal, not sent) note by ana" in thread and "refund approved" in thread
    assert f"newest #{note.id}" in thread
    data = _cli(capsys, db_path, "bea", "thread", MARIA, "--json").json()
    assert data["messages"][-1]["direction"] == "note"
    assert data["newest_message_id"] == note.id


def test_note_mentions_and_refusals() -> None:
    assert notes.mentions("@bea and @cy. Ask @bea; mail x@bea.io") == ["bea", "cy"]
    assert notes.mentions("no one here") == []


def test_note_refusals_in_one_line(capsys, store, db_path) -> None:
    _team(store)
    _cli(capsys, db_path, "ana", "note", MARIA, "   ").assert_one_line_error("the note is empty")
    with store.write() as session:
        add_profile(session, "+14155550177")
    _cli(capsys, db_path, "ana", "note", "+14155550177", "hi").assert_one_line_error(
        "has no conversation"
    )
    warned = _cli(capsys, db_path, "ana", "note", MARIA, "ask @zed")
    assert warned.code == 0 and "no agent @zed" in warned.err


# -- Traffic Cop ------------------------------------------------------------------------


def test_a_reply_is_held_when_the_thread_moved_on_since_it_was_seen(store) -> None:
    _team(store)
    ana, bea = Desk(store, "ana"), Desk(store, "bea")
    maria = _conversation(store, MARIA)
    seen = ana.conversation(int(maria.id or 0)).messages[-1].id
    # Bea answers and leaves a note while Ana writes; then Maria texts again.
    bea.send(maria.profile_id, "Hi Maria, it ships today", [])
    bea.add_note(maria.profile_id, "told her it ships today")
    with store.write() as session:
        text_in(session, "thanks!", phone=MARIA, at=clock.utcnow(), now=clock.utcnow())
    with pytest.raises(Held) as held:
        ana.send(maria.profile_id, "Hi Maria, checking", [], seen_id=seen)
    assert held.value.line().startswith(
        "reply held: the customer texted again and bea replied and bea added a note"
    )
    assert [n.kind for n in held.value.newer] == ["reply", "note", "customer"]
    with store.read() as session:  # nothing written
        assert session.exec(select(func.count()).select_from(OutboxItem)).one() == 1
    newest = held.value.newer[-1].id
    sent = ana.send(maria.profile_id, "Hi Maria, checking", [], seen_id=newest)
    assert sent.message_id > newest
    # Her own reply is no news to her.
    ana.send(maria.profile_id, "one more thing", [], seen_id=newest)


def test_the_cli_reply_guard(capsys, store, db_path) -> None:
    # --anyway throughout: the customer's local hour is the wall clock's, not the subject.
    _team(store)
    maria = _conversation(store, MARIA)
    with store.read() as session:
        first = reply_guard.newest_id(session, maria.profile_id)
    assert (
        _cli(
            capsys, db_path, "bea", "reply", MARIA, "On it", "--anyway", "--after", str(first)
        ).code
        == 0
    )
    # Ana, without --after: Bea just replied.
    _cli(capsys, db_path, "ana", "reply", MARIA, "Hello", "--anyway").assert_one_line_error(
        "bea replied to this customer just now", "--after ID, or --force"
    )
    _cli(
        capsys, db_path, "ana", "reply", MARIA, "Hello", "--anyway", "--after", str(first)
    ).assert_one_line_error("reply held: bea replied since you last looked")
    assert _cli(capsys, db_path, "ana", "reply", MARIA, "Hello", "--anyway", "--force").code == 0
    with store.read() as session:
        newest = reply_guard.newest_id(session, maria.profile_id)
    assert (
        _cli(capsys, db_path, "bea", "reply", MARIA, "Hi", "--anyway", "--after", str(newest)).code
        == 0
    )


# -- presence -----------------------------------------------------------------------


def test_presence_expires_and_leaves(store) -> None:
    ids = _team(store)
    cid = int(_conversation(store, MARIA).id or 0)
    at = clock.utcnow()
    with store.write() as session:
        presence.announce(session, "k1", ids["bea"], conversation_id=cid, typing=False, now=at)
        presence.announce(session, "k2", ids["bea"], conversation_id=cid, typing=True, now=at)
        presence.announce(session, "k3", ids["cy"], conversation_id=None, typing=False, now=at)
    with store.read() as session:
        seen = presence.others(session, ids["ana"], now=at)
        assert [(p.who, p.conversation_id, p.typing) for p in seen] == [
            ("Bea", cid, True),
            ("cy", None, False),
        ]
        assert presence.others(session, ids["ana"], now=at + presence.TTL * 2) == []
    with store.write() as session:
        presence.leave(session, "k3")
    with store.read() as session:
        assert [p.login for p in presence.present(session, now=at)] == ["bea", "bea"]
    # The next announcement clears the sessions that died.
    with store.write() as session:
        later = at + presence.TTL * 2
        presence.announce(session, "k4", ids["ana"], conversation_id=None, typing=False, now=later)
    with store.read() as session:
        assert [p.login for p in presence.present(session, now=later)] == ["ana"]


def test_desk_presence_and_notices(store) -> None:
    _team(store)
    ana, bea = Desk(store, "ana"), Desk(store, "bea")
    cid = int(_conversation(store, MARIA).id or 0)
    start = bea.last_notice_id()
    bea.announce("bea-1", cid, True)
    assert [(p.login, p.typing) for p in ana.others_present()] == [("bea", True)]
    assert bea.others_present() == []
    ana.add_note(_conversation(store, MARIA).profile_id, "@bea can you take this?")
    ana.assign(cid, "bea")
    told = bea.notices(start)
    assert [n.words for n in told] == [
        "ana mentioned you on Maria: @bea can you take this?",
        "ana gave you Maria",
    ]
    assert ana.notices(start) == []
    bea.leave("bea-1")
    assert ana.others_present() == []
    with pytest.raises(NotFound):
        ana.assign(10**6, "bea")
