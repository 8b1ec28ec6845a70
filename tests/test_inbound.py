"""Inbound processing: keywords, conversations, attribution, auto-reply, notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from convo_tui.core import conversation_read, conversations, keywords, profiles
from convo_tui.core import settings as settings_mod
from convo_tui.store.models import (
    ActivityEvent,
    AuditEntry,
    Consent,
    Conversation,
    KeywordKind,
    Message,
    MessageSource,
    Notification,
    OutboxItem,
    SourceKind,
    Status,
)

from .conftest import CUSTOMER, NOW, add_profile, send_campaign, text_in


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        "  Stop \n",
        "STOPALL",
        "unsubscribe",
        "CANCEL",
        "End",
        "QUIT",
        "REVOKE",
        "optout",
    ],
)
def test_opt_out_keywords(body: str) -> None:
    assert keywords.classify(body) is KeywordKind.OPT_OUT


@pytest.mark.parametrize("body", ["START", " yes", "Unstop", "join\t"])
def test_opt_in_keywords(body: str) -> None:
    assert keywords.classify(body) is KeywordKind.OPT_IN


@pytest.mark.parametrize("body", ["HELP", "info "])
def test_help_keywords(body: str) -> None:
    assert keywords.classify(body) is KeywordKind.HELP


PER_SE_OPT_OUTS = [
    "STOP.",
    "stop!!",
    "Stop 🛑",
    "STOP PLEASE",
    "please stop",
    "STOP ALL",
    "OPT OUT",
    "opt-out",
    "Opt out please",
    "UNSUBSCRIBE ME",
    "unsubscribe me now!",
    "S T O P",
    "ＳＴＯＰ",  # full-width
    "end.",
    "Cancel please",
    "quit now",
    "Revoke",
    "stop, please!!! 🙏",
]


@pytest.mark.parametrize("body", PER_SE_OPT_OUTS)
def test_per_se_opt_outs_whatever_the_case_punctuation_or_emoji(body: str) -> None:
    """47 CFR 64.1200(a)(10): these words revoke consent per se; CTIA: case and
    punctuation must not decide. Twilio's own filter blocks none but the bare word."""
    assert keywords.classify(body) is KeywordKind.OPT_OUT
    assert keywords.opt_out_word(body) is not None


@pytest.mark.parametrize(
    "body",
    [
        "stop it",
        "",
        "help me",
        "🛑",
        "stop 2",
        "stopped",
        "endless",
        "can't stop loving these boots",
        "end of the month",
        "cancel my order please",
        "please",
        "yes!",  # opt-in stays the strict rule
    ],
)
def test_not_keywords_unless_the_whole_message(body: str) -> None:
    assert keywords.classify(body) is None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("STOP", KeywordKind.OPT_OUT),
        (" optout ", KeywordKind.OPT_OUT),
        ("STOP.", None),
        ("STOP PLEASE", None),
        ("OPT OUT", None),
        ("yes", KeywordKind.OPT_IN),
        ("info", KeywordKind.HELP),
    ],
)
def test_the_providers_filter_is_the_bare_keyword_only(body: str, kind: KeywordKind) -> None:
    """What Twilio itself blocks and confirms (the sandbox plays it): beyond it convo is
    the only safeguard."""
    assert keywords.provider_keyword(body) is kind


@pytest.mark.parametrize("body", [" stop ", "Stop please 🛑", "OPT-OUT!"])
def test_opt_out_changes_consent_records_activity_and_opens_nothing(store, body: str) -> None:
    with store.write() as session:
        add_profile(session, consent=Consent.SUBSCRIBED)
        result = text_in(session, body)
        profile = profiles.find(session, CUSTOMER, "US")
        assert result.keyword is KeywordKind.OPT_OUT
        assert profile.sms_consent == Consent.UNSUBSCRIBED.value
        assert result.conversation_id is None
        assert session.exec(select(Conversation)).first() is None
        event = session.exec(select(ActivityEvent)).one()
        assert event.metric == "Unsubscribed from SMS"
        assert event.message_id == result.message_id
        assert event.properties["keyword"] == body.strip().upper()  # the text it matched
        # The keyword message itself is kept and shows in the thread.
        assert [m.body for m in conversation_read.thread(session, profile.id or 0)] == [body]
        assert session.exec(select(Notification)).first() is None


def test_opt_in_restores_consent(store) -> None:
    with store.write() as session:
        add_profile(session, consent=Consent.UNSUBSCRIBED)
        text_in(session, "START", at=NOW)
        assert profiles.find(session, CUSTOMER, "US").sms_consent == "SUBSCRIBED"
        metrics = session.exec(select(ActivityEvent.metric)).all()
        assert metrics == ["Consented to Receive SMS"]


def test_help_records_activity_but_keeps_consent(store) -> None:
    with store.write() as session:
        add_profile(session, consent=Consent.NEVER_SUBSCRIBED)
        result = text_in(session, "HELP")
        assert result.keyword is KeywordKind.HELP
        assert profiles.find(session, CUSTOMER, "US").sms_consent == "NEVER_SUBSCRIBED"
        assert session.exec(select(ActivityEvent.metric)).all() == ["Requested SMS Help"]


def test_keyword_in_an_open_conversation_does_not_reopen_or_mark_unread(store, owner) -> None:
    with store.write() as session:
        add_profile(session)
        text_in(session, "Where is my order?", at=NOW - timedelta(hours=2))
        conv = session.exec(select(Conversation)).one()
        conversations.close(session, conv, owner, now=NOW - timedelta(hours=1))
        conversations.set_unread(session, conv, owner, False, now=NOW - timedelta(hours=1))
        text_in(session, "STOP", at=NOW)
        assert conv.status == Status.CLOSED.value
        assert conv.unread is False


def test_first_text_opens_an_unread_conversation_with_a_notification(store) -> None:
    with store.write() as session:
        result = text_in(session, "Do you have the boots in size 38?")
        assert result.opened and result.notified
        conv = session.get(Conversation, result.conversation_id)
        assert conv is not None
        assert conv.status == "open" and conv.unread
        assert conv.last_message_preview == "Do you have the boots in size 38?"
        assert conv.waiting_since == NOW
        note = session.exec(select(Notification)).one()
        assert note.message_id == result.message_id
        # An unknown number becomes a profile without consent.
        assert profiles.find(session, CUSTOMER, "US").sms_consent == "NEVER_SUBSCRIBED"


@pytest.mark.parametrize("status", ["closed", "snoozed"])
def test_a_new_text_reopens_a_closed_or_snoozed_conversation(store, owner, status: str) -> None:
    with store.write() as session:
        add_profile(session)
        first = text_in(session, "hi", at=NOW - timedelta(days=2))
        conv = session.get(Conversation, first.conversation_id)
        assert conv is not None
        if status == "closed":
            conversations.close(session, conv, owner, now=NOW - timedelta(days=1))
        else:
            conversations.snooze(
                session, conv, owner, NOW + timedelta(days=3), now=NOW - timedelta(days=1)
            )
        conversations.set_unread(session, conv, owner, False, now=NOW - timedelta(days=1))
        again = text_in(session, "hello again?", at=NOW)
        assert again.reopened and not again.opened
        assert conv.status == "open" and conv.snooze_until is None and conv.unread


def test_same_provider_message_twice_changes_nothing(store) -> None:
    with store.write() as session:
        add_profile(session)
        first = text_in(session, "hello", provider_sid="SM" + "a" * 32)
        counts_before = _counts(session)
        second = text_in(session, "hello", provider_sid="SM" + "a" * 32)
        assert second.duplicate and second.message_id == first.message_id
        assert _counts(session) == counts_before
        stop = text_in(session, "STOP", provider_sid="SM" + "b" * 32)
        counts_before = _counts(session)
        assert text_in(session, "STOP", provider_sid="SM" + "b" * 32).duplicate
        assert _counts(session) == counts_before
        assert stop.keyword is KeywordKind.OPT_OUT


def _counts(session) -> tuple[int, ...]:
    return tuple(
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Message, Conversation, Notification, OutboxItem, ActivityEvent)
    )


def test_blocked_profile_texts_are_stored_silently(store, owner) -> None:
    with store.write() as session:
        profile = add_profile(session, consent=Consent.NEVER_SUBSCRIBED)
        text_in(session, "spam", at=NOW - timedelta(hours=3))
        conv = session.exec(select(Conversation)).one()
        conversations.block(session, profile, conv, owner, now=NOW - timedelta(hours=2))
        notes_before = session.exec(select(func.count()).select_from(Notification)).one()
        replies_before = session.exec(select(func.count()).select_from(OutboxItem)).one()
        result = text_in(session, "more spam", at=NOW)
        assert not result.notified and not result.reopened
        assert conv.status == "closed" and conv.unread is False
        assert session.exec(select(func.count()).select_from(Notification)).one() == notes_before
        assert session.exec(select(func.count()).select_from(OutboxItem)).one() == replies_before
        bodies = [m.body for m in conversation_read.thread(session, profile.id or 0)]
        assert "more spam" in bodies  # nothing lost


def test_mms_from_a_customer_keeps_its_attachments(store) -> None:
    from convo_tui.core.inbound import process_inbound
    from convo_tui.core.texts import InboundText, Media

    with store.write() as session:
        result = process_inbound(
            session,
            InboundText(
                provider_sid="MM" + "c" * 32,
                from_number=CUSTOMER,
                to_number="+14155550100",
                body="",
                sent_at=NOW,
                media=[Media("https://media.example/1.jpg", "image/jpeg")],
            ),
            now=NOW,
        )
        conv = session.get(Conversation, result.conversation_id)
        assert conv is not None and conv.last_message_preview == "(attachment)"
        msg = conversation_read.thread(session, result.profile_id)[0]
        assert msg.direction == "inbound"
        assert msg.media[0].content_type == "image/jpeg"


# Attribution ---------------------------------------------------------------


def _source_name(session, source_id: int | None) -> str | None:
    if source_id is None:
        return None
    source = session.get(MessageSource, source_id)
    return source.name if source else None


def test_reply_within_the_window_is_attributed_to_the_campaign(store) -> None:
    with store.write() as session:
        add_profile(session)
        send_campaign(session, at=NOW - timedelta(hours=23), name="Black Friday")
        result = text_in(session, "Do you ship to Lisbon?")
        assert _source_name(session, result.attributed_source_id) == "Black Friday"
        conv = session.get(Conversation, result.conversation_id)
        assert conv is not None
        assert _source_name(session, conv.attributed_source_id) == "Black Friday"


def test_reply_outside_the_window_is_not_attributed(store) -> None:
    with store.write() as session:
        add_profile(session)
        send_campaign(session, at=NOW - timedelta(hours=24, minutes=1))
        assert text_in(session, "late reply").attributed_source_id is None


def test_window_is_configurable(store, owner) -> None:
    with store.write() as session:
        settings_mod.set_value(session, owner, "attribution.window_hours", 48, now=NOW)
        add_profile(session)
        send_campaign(session, at=NOW - timedelta(hours=30))
        assert text_in(session, "reply").attributed_source_id is not None


def test_only_the_first_text_after_a_send_is_attributed(store) -> None:
    with store.write() as session:
        add_profile(session)
        send_campaign(session, at=NOW - timedelta(hours=2))
        first = text_in(session, "first", at=NOW - timedelta(minutes=2))
        second = text_in(session, "second", at=NOW - timedelta(minutes=1))
        assert first.attributed_source_id is not None
        assert second.attributed_source_id is None


def test_the_last_campaign_or_flow_received_wins(store) -> None:
    with store.write() as session:
        add_profile(session)
        send_campaign(session, at=NOW - timedelta(hours=5), name="Winter Sale")
        send_campaign(
            session, at=NOW - timedelta(hours=1), name="Abandoned Cart", kind=SourceKind.FLOW
        )
        result = text_in(session, "is it still in my cart?")
        assert _source_name(session, result.attributed_source_id) == "Abandoned Cart"


def test_agent_replies_do_not_attribute(store, owner) -> None:
    from convo_tui.core.outbound import record_outbound
    from convo_tui.core.texts import OutboundText

    with store.write() as session:
        add_profile(session)
        text_in(session, "q", at=NOW - timedelta(hours=3))
        record_outbound(
            session,
            OutboundText(
                provider_sid="SM" + "d" * 32,
                to_number=CUSTOMER,
                from_number="+14155550100",
                body="answer",
                sent_at=NOW - timedelta(hours=2),
                source_kind=SourceKind.AGENT_REPLY,
            ),
            now=NOW,
        )
        assert text_in(session, "thanks").attributed_source_id is None


# Auto-reply ----------------------------------------------------------------


def _auto_replies(session) -> list[str]:
    return list(
        session.exec(
            select(Message.body)
            .join(MessageSource, col(MessageSource.id) == col(Message.source_id))
            .where(MessageSource.kind == SourceKind.AUTO_REPLY.value)
        )
    )


def _set(session, owner, **values) -> None:
    for key, value in values.items():
        settings_mod.set_value(session, owner, key.replace("__", "."), value, now=NOW)


def _auto_reply_on(session, owner) -> None:
    """Off until its template's settings are filled in (see test_autoreply_guard.py)."""
    _set(
        session,
        owner,
        organization__prefix="ACME",
        organization__email="help@acme.example",
        auto_reply__enabled=True,
    )


def test_auto_reply_uses_the_template_and_lands_in_the_outbox(store, owner) -> None:
    with store.write() as session:
        _auto_reply_on(session, owner)
        add_profile(session, consent=Consent.NEVER_SUBSCRIBED)
        result = text_in(session, "hello?")
        assert result.auto_reply_id is not None
        (body,) = _auto_replies(session)
        assert body.startswith("ACME: ")
        assert "help@acme.example" in body and "{{" not in body
        item = session.exec(select(OutboxItem)).one()
        assert item.message_id == result.auto_reply_id and item.state == "queued"
        labels = [m.label for m in conversation_read.thread(session, result.profile_id)]
        assert labels == ["customer", "auto-reply"]


def test_auto_reply_off_sends_nothing(store, owner) -> None:
    with store.write() as session:
        _auto_reply_on(session, owner)
        _set(session, owner, auto_reply__enabled=False)
        assert text_in(session, "hello?").auto_reply_id is None
        assert _auto_replies(session) == []


def test_auto_reply_audience_non_consented_skips_subscribers(store, owner) -> None:
    with store.write() as session:
        _auto_reply_on(session, owner)
        _set(session, owner, auto_reply__audience="non_consented")
        add_profile(session, consent=Consent.SUBSCRIBED)
        add_profile(session, "+14155550124", consent=Consent.NEVER_SUBSCRIBED)
        assert text_in(session, "subscriber here").auto_reply_id is None
        assert text_in(session, "not subscribed", phone="+14155550124").auto_reply_id is not None


def test_auto_reply_audience_all_includes_subscribers(store, owner) -> None:
    with store.write() as session:
        _auto_reply_on(session, owner)
        add_profile(session, consent=Consent.SUBSCRIBED)
        assert text_in(session, "subscriber here").auto_reply_id is not None


def test_no_auto_reply_to_an_opted_out_profile(store, owner) -> None:
    with store.write() as session:
        _auto_reply_on(session, owner)
        add_profile(session, consent=Consent.UNSUBSCRIBED)
        assert text_in(session, "why did you stop?").auto_reply_id is None


def test_one_auto_reply_per_cooldown(store, owner) -> None:
    with store.write() as session:
        _auto_reply_on(session, owner)
        add_profile(session)
        assert text_in(session, "one", at=NOW).auto_reply_id is not None
        assert text_in(session, "two", at=NOW + timedelta(minutes=1)).auto_reply_id is None
        later = NOW + timedelta(hours=25)
        assert text_in(session, "next day", at=later).auto_reply_id is not None


def test_no_auto_reply_to_old_texts_seen_late(store, owner) -> None:
    """A first sync of old history must not text people about messages from last week."""
    with store.write() as session:
        _auto_reply_on(session, owner)
        result = text_in(session, "old", at=NOW - timedelta(days=7), now=NOW)
        assert result.auto_reply_id is None and result.opened


def test_no_keyword_gets_an_auto_reply(store, owner) -> None:
    with store.write() as session:
        _auto_reply_on(session, owner)
        assert text_in(session, "HELP").auto_reply_id is None
        assert _auto_replies(session) == []


def test_every_change_by_an_agent_is_audited(store, owner) -> None:
    with store.write() as session:
        add_profile(session)
        result = text_in(session, "hi")
        conv = session.get(Conversation, result.conversation_id)
        assert conv is not None
        conversations.close(session, conv, owner, now=NOW)
        assert conv.updated_by_id == owner.id
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "conversation.close")
        ).one()
        assert entry.agent_id == owner.id and entry.profile_id == result.profile_id
