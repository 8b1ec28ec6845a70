"""Opt-outs as the law reads them, end to end against the sandbox over real HTTP: a per
se opt-out beyond Twilio's bare words is honoured at once and confirmed once; a text
that reads as a request to stop holds every reply until an agent decides; the decision
either way is audited and does what it says; nothing follows the confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from convo_tui.clock import utcnow
from convo_tui.core import agents, opt_out_review, outbox, profiles, replies
from convo_tui.core import settings as settings_mod
from convo_tui.errors import NotFound, Refused
from convo_tui.sandbox import Sandbox
from convo_tui.store.engine import Store
from convo_tui.store.models import (
    AuditEntry,
    Conversation,
    Message,
    OptOutReview,
    OutboxItem,
    Profile,
)
from convo_tui.sync.engine import SyncReport
from convo_tui.sync.suppress import READ_ONLY

from .cli_helpers import Result, run
from .sync_helpers import clients, engine_for

MARIA = "+14155550123"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False).start()
    yield sb
    sb.stop()


@pytest.fixture
def synced(store: Store, sandbox: Sandbox) -> Store:
    """The history synced (a first sync earns no automatic text), replies sent at once."""
    _sync(store, sandbox)
    with store.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        settings_mod.set_value(session, ana, "replies.send_delay", 0, now=utcnow())
        settings_mod.set_value(session, ana, "organization.prefix", "ACME", now=utcnow())
    return store


def _sync(
    store: Store, sb: Sandbox, *, now: datetime | None = None, klaviyo_key: str | None = None
) -> SyncReport:
    with engine_for(store, sb, klaviyo_key=klaviyo_key) as engine:
        if now is not None:
            engine.now = lambda: now
        return engine.run_once()


def _outbound(sb: Sandbox, *, kind: str = "outbound-api") -> list[str]:
    twilio, klaviyo = clients(sb)
    try:
        return [m.body for page in twilio.list_pages(to=MARIA) for m in page if m.direction == kind]
    finally:
        twilio.close()
        klaviyo.close()


def _maria(store: Store) -> tuple[Profile, Conversation | None]:
    with store.read() as session:
        profile = profiles.find(session, MARIA, "US")
        conversation = profiles.conversation_of(session, profile)
        return profile, conversation


def _reply(store: Store, body: str) -> int:
    with store.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        profile = profiles.find(session, MARIA, "US")
        message = replies.queue_reply(
            session, ana, profile, body, settings=settings_mod.load(session), now=utcnow()
        )
        return int(message.id or 0)


def _resolve(store: Store, *, opt_out: bool, reason: str = "") -> opt_out_review.Resolved:
    with store.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        profile = profiles.find(session, MARIA, "US")
        return opt_out_review.resolve(
            session, profile, ana, opt_out=opt_out, reason=reason, now=utcnow()
        )


def _flags(store: Store) -> list[opt_out_review.OpenFlag]:
    with store.read() as session:
        return opt_out_review.open_flags(session)


def _state(store: Store, message_id: int) -> str:
    with store.read() as session:
        item = session.exec(select(OutboxItem).where(OutboxItem.message_id == message_id)).one()
        return item.state


def _audit(store: Store, action: str) -> list[str]:
    with store.read() as session:
        return [
            e.detail for e in session.exec(select(AuditEntry).where(AuditEntry.action == action))
        ]


CONFIRMATION = "ACME: you are unsubscribed and will get no more texts from us."


def test_stop_please_is_honoured_at_once_and_confirmed_once(synced, sandbox) -> None:
    profile, _ = _maria(synced)
    assert profile.sms_consent == "SUBSCRIBED"
    sandbox.inject_inbound(MARIA, "STOP PLEASE 🛑")
    _sync(synced, sandbox)
    profile, _ = _maria(synced)
    assert profile.sms_consent == "UNSUBSCRIBED"
    # Klaviyo is told in the same round (its campaigns stop too).
    assert profile.klaviyo_opt_out_pending_at is None
    assert _at_klaviyo(sandbox) == ("UNSUBSCRIBED", ["API"])
    # Twilio's filter let it through (two words), so convo confirms, once.
    assert not any("unsubscribed" in b for b in _outbound(sandbox, kind="outbound-reply"))
    assert [b for b in _outbound(sandbox) if "unsubscribed" in b] == [CONFIRMATION]
    # The next Klaviyo pull reads it back and leaves it so.
    _sync(synced, sandbox)
    assert _maria(synced)[0].sms_consent == "UNSUBSCRIBED"
    # A second plain-language stop earns nothing more, and no reply may go.
    sandbox.inject_inbound(MARIA, "stop!!")
    _sync(synced, sandbox)
    assert [b for b in _outbound(sandbox) if "unsubscribed" in b] == [CONFIRMATION]
    with pytest.raises(Refused, match="opted out"):
        _reply(synced, "Sorry to see you go")


def test_a_bare_stop_is_left_to_twilio_which_confirms_it(synced, sandbox) -> None:
    sandbox.inject_inbound(MARIA, "STOP")
    _sync(synced, sandbox)
    assert _maria(synced)[0].sms_consent == "UNSUBSCRIBED"
    assert not [b for b in _outbound(sandbox) if "unsubscribed" in b]  # not twice
    assert any("unsubscribed" in b for b in _outbound(sandbox, kind="outbound-reply"))


def test_no_confirmation_when_convo_sees_the_text_too_late(synced, sandbox) -> None:
    sandbox.inject_inbound(MARIA, "unsubscribe me")
    _sync(synced, sandbox, now=utcnow() + timedelta(minutes=6))
    assert _maria(synced)[0].sms_consent == "UNSUBSCRIBED"
    assert not [b for b in _outbound(sandbox) if "unsubscribed" in b]
    assert _audit(synced, "opt_out.confirmation_skipped")


def test_a_flag_holds_replies_until_an_agent_says_it_is_not_an_opt_out(synced, sandbox) -> None:
    sandbox.inject_inbound(MARIA, "Is size 38 back in stock?")
    _sync(synced, sandbox)
    queued = _reply(synced, "Checking for you now")  # queued before her next text lands
    sandbox.inject_inbound(MARIA, "actually please stop texting me so much")
    _sync(synced, sandbox)
    profile, conversation = _maria(synced)
    assert profile.sms_consent == "SUBSCRIBED"  # not removed on a guess
    assert conversation is not None and conversation.possible_opt_out_at is not None
    assert conversation.status == "open"  # a person wrote to us
    assert _state(synced, queued) == "held"
    assert "Checking for you now" not in _outbound(sandbox)
    with pytest.raises(Refused, match="may have asked to stop") as refused:
        _reply(synced, "One more thing")
    assert refused.value.reason == "possible_opt_out"
    flags = _flags(synced)
    assert [f.phrase for f in flags] == ["stop texting"]
    # "Not an opt-out" needs the reason; with it the held reply goes.
    with pytest.raises(Refused, match="needs the reason"):
        _resolve(synced, opt_out=False)
    done = _resolve(synced, opt_out=False, reason="asked for fewer promos, agreed by phone")
    assert done.released == 1 and not done.opt_out
    _sync(synced, sandbox)
    assert _state(synced, queued) == "sent"
    assert _outbound(sandbox).count("Checking for you now") == 1
    conversation = _maria(synced)[1]
    assert conversation is not None and conversation.possible_opt_out_at is None
    assert any("asked for fewer promos" in d for d in _audit(synced, "opt_out.resolved"))


def test_a_flag_resolved_as_opt_out_sends_the_confirmation_and_nothing_else(
    synced, sandbox
) -> None:
    sandbox.inject_inbound(MARIA, "Is size 38 back in stock?")
    _sync(synced, sandbox)
    queued = _reply(synced, "Yes it is!")
    sandbox.inject_inbound(MARIA, "take me off your list")
    _sync(synced, sandbox)
    assert _state(synced, queued) == "held"
    done = _resolve(synced, opt_out=True)
    assert done.opt_out and done.confirmation_id is not None
    _sync(synced, sandbox)
    assert _state(synced, queued) == "failed"
    sent = _outbound(sandbox)
    assert "Yes it is!" not in sent
    assert sent.count(CONFIRMATION) == 1
    profile, _ = _maria(synced)
    assert profile.sms_consent == "UNSUBSCRIBED" and profile.klaviyo_opt_out_pending_at is None
    assert _at_klaviyo(sandbox)[0] == "UNSUBSCRIBED"  # written to Klaviyo in the round
    with pytest.raises(Refused, match="opted out"):
        _reply(synced, "Bye!")
    with pytest.raises(NotFound, match="no possible opt-out waiting"):
        _resolve(synced, opt_out=True)


def test_a_keyword_after_the_flag_settles_it(synced, sandbox) -> None:
    sandbox.inject_inbound(MARIA, "Is size 38 back in stock?")
    _sync(synced, sandbox)
    queued = _reply(synced, "Let me check")
    sandbox.inject_inbound(MARIA, "no more texts please")
    _sync(synced, sandbox)
    assert _state(synced, queued) == "held"
    sandbox.inject_inbound(MARIA, "STOP")
    _sync(synced, sandbox)
    assert _state(synced, queued) == "failed"
    conversation = _maria(synced)[1]
    assert conversation is not None and conversation.possible_opt_out_at is None
    assert _flags(synced) == []


def test_an_undecided_flag_is_escalated_once(synced, sandbox) -> None:
    sandbox.inject_inbound(MARIA, "please remove my number")
    _sync(synced, sandbox)
    assert _audit(synced, "opt_out.escalated") == []
    later = utcnow() + timedelta(hours=2, minutes=1)
    _sync(synced, sandbox, now=later)  # the sync round escalates it
    assert len(_audit(synced, "opt_out.escalated")) == 1
    _sync(synced, sandbox, now=later + timedelta(minutes=5))
    with synced.write() as session:
        assert opt_out_review.escalate_due(session, now=later, hours=2) == []
        reviews = session.exec(select(OptOutReview)).all()
        assert [r.escalated_at is not None for r in reviews] == [True]
        assert opt_out_review.count_open(session)[0] == 1
    assert len(_audit(synced, "opt_out.escalated")) == 1
    assert [f.escalated for f in _flags(synced)] == [True]


def test_words_without_intent_open_an_ordinary_conversation(synced, sandbox) -> None:
    sandbox.inject_inbound(
        MARIA, "I can't stop loving these boots! Cancel my order of the red ones"
    )
    _sync(synced, sandbox)
    profile, conversation = _maria(synced)
    assert profile.sms_consent == "SUBSCRIBED"
    assert conversation is not None and conversation.possible_opt_out_at is None
    with synced.read() as session:
        assert not session.exec(select(Message).where(Message.status == "held")).all()


def test_the_cli_lists_and_resolves_a_possible_opt_out(synced, sandbox, db_path, capsys) -> None:
    def cli(*args: str) -> Result:
        return run(capsys, *args, "--db", db_path, "--agent", "ana")

    sandbox.inject_inbound(MARIA, "por favor dejen de enviarme mensajes")
    _sync(synced, sandbox)
    listed = cli("opt-outs", "list")
    assert listed.code == 0, listed.err
    assert "dejen de enviarme mensajes" in listed.out
    assert cli("opt-outs", "list", "--json").json()[0]["phone"] == MARIA
    assert "1 possible opt-out waits for a decision" in cli("doctor").out
    cli("opt-outs", "resolve", MARIA, "--opt-out", "--not").assert_one_line_error(
        "--opt-out and --not contradict each other"
    )
    cli("opt-outs", "resolve", MARIA).assert_one_line_error("--opt-out or --not")
    cli("opt-outs", "resolve", MARIA, "--not").assert_one_line_error("needs the reason")
    conversation = _maria(synced)[1]
    assert conversation is not None
    assert conversation.possible_opt_out_at is not None  # nothing changed
    done = cli("opt-outs", "resolve", MARIA, "--opt-out")
    assert done.code == 0, done.err
    assert "opted out" in done.out
    assert _maria(synced)[0].sms_consent == "UNSUBSCRIBED"
    assert "No possible opt-outs" in cli("opt-outs", "list").out
    doctor = cli("doctor").out
    assert "possible opt-out" not in doctor
    assert "1 customer opted out here, not yet at Klaviyo" in doctor
    cli("opt-outs", "resolve", MARIA, "--opt-out").assert_one_line_error("no possible opt-out")


def test_help_is_answered_by_convo_only_when_told_and_never_after_an_opt_out(
    synced, sandbox
) -> None:
    sandbox.inject_inbound(MARIA, "HELP")
    _sync(synced, sandbox)
    assert not [b for b in _outbound(sandbox) if "for help" in b]  # Twilio's filter answers
    assert _outbound(sandbox, kind="outbound-reply")  # ... as the sandbox plays it
    with synced.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        settings_mod.set_value(session, ana, "help.answered_by", "convo", now=utcnow())
        settings_mod.set_value(
            session, ana, "organization.email", "help@acme.example", now=utcnow()
        )
    sandbox.inject_inbound(MARIA, "info")
    _sync(synced, sandbox)
    assert [b for b in _outbound(sandbox) if "for help" in b] == [
        "ACME: for help, email help@acme.example. Reply STOP to unsubscribe."
    ]
    sandbox.inject_inbound(MARIA, "STOP")
    _sync(synced, sandbox)
    sandbox.inject_inbound(MARIA, "HELP")
    _sync(synced, sandbox)
    assert len([b for b in _outbound(sandbox) if "for help" in b]) == 1


def test_a_held_reply_can_be_taken_back_and_stays_back(synced, sandbox) -> None:
    sandbox.inject_inbound(MARIA, "Is size 38 back in stock?")
    _sync(synced, sandbox)
    queued = _reply(synced, "Wrong answer, sorry")
    sandbox.inject_inbound(MARIA, "don't text me again")
    _sync(synced, sandbox)
    assert _state(synced, queued) == "held"
    with synced.write() as session:
        ana = agents.identify(session, "ana", now=utcnow())
        outbox.recall(session, queued, ana, now=utcnow())
    done = _resolve(synced, opt_out=False, reason="meant the wrong-size texts, sorted")
    assert done.released == 0
    _sync(synced, sandbox)
    assert "Wrong answer, sorry" not in _outbound(sandbox)


# -- the opt-out reaches Klaviyo --------------------------------------------------------


def _at_klaviyo(sb: Sandbox) -> tuple[str, list[str]]:
    """Maria's SMS consent as Klaviyo holds it, and how each unsubscribe reached it."""
    world = sb.world
    profile = world.profiles[world.profile_by_phone[MARIA]]
    methods = [
        str(e.properties.get("Method"))
        for e in world.events
        if e.profile_id == profile.id and world.metrics[e.metric_id].name == "Unsubscribed from SMS"
    ]
    return profile.consent, methods


def test_an_opt_out_only_convo_saw_is_written_to_klaviyo_once(synced, sandbox) -> None:
    assert _at_klaviyo(sandbox) == ("SUBSCRIBED", [])
    sandbox.inject_inbound(MARIA, "Stop please 🛑")  # Twilio lets it through: convo's rule
    report = _sync(synced, sandbox)
    assert report.opt_outs_written == 1, report
    assert _at_klaviyo(sandbox) == ("UNSUBSCRIBED", ["API"])
    profile, _ = _maria(synced)
    assert profile.klaviyo_opt_out_pending_at is None and profile.klaviyo_opt_out_error is None
    assert _audit(synced, "opt_out.klaviyo") == [
        f"unsubscribed {MARIA} from SMS marketing at Klaviyo"
    ]
    again = _sync(synced, sandbox)
    assert again.opt_outs_written == 0 and not again.failures
    assert _at_klaviyo(sandbox) == ("UNSUBSCRIBED", ["API"])
    # The next profile pull reads UNSUBSCRIBED back: consent here stays removed.
    assert _maria(synced)[0].sms_consent == "UNSUBSCRIBED"


def test_a_read_only_key_leaves_it_pending_says_why_and_a_full_key_writes_it(
    synced, sandbox, db_path, capsys
) -> None:
    from convo_tui.session.desk import Desk

    sandbox.inject_inbound(MARIA, "Is size 38 back in stock?")
    _sync(synced, sandbox)
    sandbox.inject_inbound(MARIA, "take me off your list")
    _sync(synced, sandbox)
    _resolve(synced, opt_out=True)  # an agent's decision: only convo knows
    read_only = sandbox.credentials.klaviyo_read_only_key
    report = _sync(synced, sandbox, klaviyo_key=read_only)
    assert "opt-outs" in report.failures and "403" in report.failures["opt-outs"], report
    assert report.done.get("messages") is not None  # the rest of the round ran
    assert _at_klaviyo(sandbox)[0] == "SUBSCRIBED"  # Klaviyo refused: its campaigns still could
    profile, conversation = _maria(synced)
    assert profile.klaviyo_opt_out_pending_at is not None
    assert profile.klaviyo_opt_out_error == READ_ONLY
    # Klaviyo's SUBSCRIBED, read back, does not undo the opt-out recorded here.
    assert profile.sms_consent == "UNSUBSCRIBED"
    assert conversation is not None and conversation.id is not None
    card = Desk(synced, "ana").conversation(conversation.id).card
    assert card.klaviyo == f"opted out here, not yet at Klaviyo ({READ_ONLY})"
    doctor = run(capsys, "doctor", "--db", str(db_path))
    assert "opted out here, not yet at Klaviyo" in doctor.out, doctor.out
    assert "may not write consent (403)" in doctor.out, doctor.out  # and why
    report = _sync(synced, sandbox)  # the key was replaced by one that may write
    assert report.opt_outs_written == 1 and "opt-outs" not in report.failures
    assert _at_klaviyo(sandbox)[0] == "UNSUBSCRIBED"
    assert _maria(synced)[0].klaviyo_opt_out_pending_at is None
