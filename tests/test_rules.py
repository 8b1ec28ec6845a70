"""Conversation state, snoozing, reply gating, agents and settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from convo_tui.core import (
    agents,
    conversation_read,
    conversations,
    outbox,
    profiles,
    queries,
    replies,
    snooze,
    timezones,
)
from convo_tui.core import settings as settings_mod
from convo_tui.errors import AccessDenied, ConvoError, Refused
from convo_tui.store.kinds import Consent
from convo_tui.store.models import AuditEntry, Conversation, OutboxItem

from .conftest import CUSTOMER, NOW, add_profile, text_in

# Snooze presets --------------------------------------------------------------

NY = timezones.zone("America/New_York")


def test_later_today_is_three_hours_rounded_up_to_a_quarter() -> None:
    now = datetime(2026, 11, 24, 15, 7, tzinfo=UTC)
    assert snooze.preset_time("later-today", now, NY) == datetime(2026, 11, 24, 18, 15, tzinfo=UTC)


def test_tomorrow_is_nine_in_the_agents_zone() -> None:
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 22:00 on the 23rd in New York
    when = snooze.preset_time("tomorrow", now, NY)
    assert when.astimezone(NY).strftime("%Y-%m-%d %H:%M") == "2026-11-24 09:00"


def test_next_week_is_nine_seven_days_later_across_a_dst_change() -> None:
    now = datetime(2026, 10, 30, 14, 0, tzinfo=UTC)  # Friday; DST ends Nov 1 in New York
    when = snooze.preset_time("next-week", now, NY)
    local = when.astimezone(NY)
    assert local.strftime("%Y-%m-%d %H:%M %Z") == "2026-11-06 09:00 EST"
    assert when == datetime(2026, 11, 6, 14, 0, tzinfo=UTC)


def test_explicit_times_durations_and_bad_input() -> None:
    now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in New York
    assert snooze.parse("2h", now, NY) == now + timedelta(hours=2)
    assert snooze.parse("3d", now, NY) == now + timedelta(days=3)
    assert snooze.parse("14:30", now, NY).astimezone(NY).strftime("%d %H:%M") == "24 14:30"
    assert snooze.parse("09:00", now, NY).astimezone(NY).strftime("%d %H:%M") == "25 09:00"
    assert snooze.parse("2026-12-01 08:15", now, NY) == datetime(2026, 12, 1, 13, 15, tzinfo=UTC)
    for bad in ("soonish", "25:00", "2026-13-01 10:00", ""):
        with pytest.raises(snooze.BadSnoozeTime, match="cannot read the snooze time"):
            snooze.parse(bad, now, NY)


def test_a_wall_time_skipped_by_dst_moves_forward() -> None:
    # 2026-03-08 02:30 does not exist in New York.
    when = snooze.local_at(NY, datetime(2026, 3, 8).date(), datetime(2026, 1, 1, 2, 30).time())
    assert when.astimezone(NY).strftime("%H:%M %Z") == "03:30 EDT"


# Status, read state, unread count -------------------------------------------


def _open(session: Session, phone: str = CUSTOMER, at: datetime = NOW) -> Conversation:
    add_profile(session, phone)
    result = text_in(session, "hello", phone=phone, at=at)
    conv = session.get(Conversation, result.conversation_id)
    assert conv is not None
    return conv


def test_snooze_then_wake_when_due(store, owner) -> None:
    with store.write() as session:
        conv = _open(session, at=NOW - timedelta(hours=1))
        conversations.snooze(session, conv, owner, NOW + timedelta(hours=3), now=NOW)
        assert conv.status == "snoozed"
        assert conversations.wake_due(session, now=NOW + timedelta(hours=2)) == 0
    with store.write() as session:
        assert conversations.wake_due(session, now=NOW + timedelta(hours=3)) == 1
        again = session.get(Conversation, conv.id)
        assert again is not None and again.status == "open" and again.snooze_until is None


def test_snooze_in_the_past_is_refused(store, owner) -> None:
    with store.write() as session:
        conv = _open(session)
        with pytest.raises(Refused, match="in the past"):
            conversations.snooze(session, conv, owner, NOW - timedelta(minutes=1), now=NOW)


def test_close_and_reopen(store, owner) -> None:
    with store.write() as session:
        conv = _open(session)
        conversations.close(session, conv, owner, now=NOW)
        assert conv.status == "closed"
        conversations.reopen(session, conv, owner, now=NOW)
        assert conv.status == "open"


def test_read_state_is_separate_from_status(store, owner) -> None:
    with store.write() as session:
        conv = _open(session)
        conversations.set_unread(session, conv, owner, False, now=NOW)
        conversations.close(session, conv, owner, now=NOW)
        assert conv.unread is False
        conversations.set_unread(session, conv, owner, True, now=NOW)
        assert conv.unread is True and conv.status == "closed"


def test_unread_count_counts_profiles_not_messages(store, owner) -> None:
    with store.write() as session:
        _open(session, "+14155550123")
        for body in ("are you there?", "hello??", "anyone?"):
            text_in(session, body, phone="+14155550123")
        second = _open(session, "+14155550124")
        _open(session, "+14155550125")
        conversations.set_unread(session, second, owner, False, now=NOW)
        assert queries.unread_count(session) == 2


def test_block_closes_and_unblock_restores_replies(store, owner) -> None:
    with store.write() as session:
        conv = _open(session)
        profile = profiles.find(session, CUSTOMER, "US")
        conversations.block(session, profile, conv, owner, now=NOW)
        assert profile.blocked and conv.status == "closed" and not conv.unread
        settings = settings_mod.load(session)
        refusal = replies.why_not(profile, conv, settings)
        assert refusal is not None and refusal.reason == "blocked"
        conversations.unblock(session, profile, owner, now=NOW)
        assert replies.why_not(profile, conv, settings) is None
        actions = session.exec(select(AuditEntry.action)).all()
        assert "profile.block" in actions and "profile.unblock" in actions


# Reply gating -------------------------------------------------------------


@pytest.mark.parametrize(
    ("consent", "blocked", "texted", "reason"),
    [
        (Consent.SUBSCRIBED, False, True, None),
        (Consent.NEVER_SUBSCRIBED, False, True, "not_consented"),
        (Consent.UNSUBSCRIBED, False, True, "opted_out"),
        (Consent.SUBSCRIBED, True, True, "blocked"),
        (Consent.SUBSCRIBED, False, False, "no_conversation"),
    ],
)
def test_reply_gating(store, owner, consent, blocked, texted, reason) -> None:
    with store.write() as session:
        profile = add_profile(session, consent=Consent.SUBSCRIBED)
        if texted:
            text_in(session, "question")
        profile.sms_consent = consent.value
        profile.blocked = blocked
        settings = settings_mod.load(session)
        if reason is None:
            message = replies.queue_reply(
                session, owner, profile, "Yes, size 38 is in stock!", settings=settings, now=NOW
            )
            item = session.exec(select(OutboxItem).where(OutboxItem.message_id == message.id)).one()
            # Held for the send delay (replies.send_delay), recallable until then.
            assert item.state == "queued" and message.status == "pending"
            assert message.agent_id == owner.id
            return
        with pytest.raises(Refused) as caught:
            replies.queue_reply(session, owner, profile, "hi", settings=settings, now=NOW)
        assert caught.value.reason == reason
        assert caught.value.fix  # every refusal says what to do


def test_the_business_cannot_start_a_conversation_even_with_consent(store, owner) -> None:
    with store.write() as session:
        profile = add_profile(session, consent=Consent.SUBSCRIBED)
        with pytest.raises(Refused, match="has not texted the business"):
            replies.queue_reply(
                session, owner, profile, "Hi!", settings=settings_mod.load(session), now=NOW
            )


def test_alphanumeric_sender_is_refused_as_conversation_number(store, owner) -> None:
    with store.write() as session:
        with pytest.raises(settings_mod.BadSetting, match="alphanumeric sender ID"):
            settings_mod.set_value(session, owner, "business.number", "ACME Shop", now=NOW)
        profile = add_profile(session)
        text_in(session, "question")
        settings = settings_mod.load(session)
        with pytest.raises(Refused, match="alphanumeric sender ID") as caught:
            replies.queue_reply(
                session, owner, profile, "hi", settings=settings, sender="ACME", now=NOW
            )
        assert caught.value.reason == "alphanumeric_sender"


def test_reply_marks_read_and_once_sent_stops_the_wait_clock_and_moves_the_conversation(
    store, owner
) -> None:
    with store.write() as session:
        conv = _open(session, at=NOW - timedelta(hours=2))
        assert conv.waiting_since == NOW - timedelta(hours=2)
        profile = profiles.find(session, CUSTOMER, "US")
        profile.sms_consent = Consent.SUBSCRIBED.value
        message = replies.queue_reply(
            session, owner, profile, "On its way!", settings=settings_mod.load(session), now=NOW
        )
        # Queued is not answered (issue 13): the customer has received nothing yet.
        assert conv.unread is False and conv.waiting_since == NOW - timedelta(hours=2)
        assert conv.last_message_preview != "On its way!"
        sent_at = NOW + timedelta(seconds=12)
        outbox.mark_sent(
            session, outbox.item_for(session, message), provider_sid="SM1", status="queued",
            now=sent_at,
        )  # fmt: skip
        assert conv.waiting_since is None
        assert conv.last_message_preview == "On its way!" and conv.last_message_at == sent_at


@pytest.mark.parametrize(
    ("body", "media", "match"),
    [
        ("   ", [], "empty"),
        ("x" * 1601, [], "limit is 1600"),
        ("hi", [f"https://cdn.example/{i}.jpg" for i in range(11)], "limit is 10"),
        ("hi", ["ftp://cdn.example/a.jpg"], "not an http"),
        ("hi", ["javascript:alert(1)"], "not an http"),
    ],
)
def test_reply_content_limits(store, owner, body, media, match) -> None:
    with store.write() as session:
        profile = add_profile(session)
        text_in(session, "question")
        with pytest.raises(Refused, match=match):
            replies.queue_reply(
                session,
                owner,
                profile,
                body,
                media=media,
                settings=settings_mod.load(session),
                now=NOW,
            )


def test_several_replies_in_a_row_and_mms(store, owner) -> None:
    with store.write() as session:
        profile = add_profile(session)
        text_in(session, "question")
        settings = settings_mod.load(session)
        for body in ("One", "Two 👍", "Three"):
            replies.queue_reply(session, owner, profile, body, settings=settings, now=NOW)
        replies.queue_reply(
            session,
            owner,
            profile,
            "",
            media=["https://cdn.example/a.gif"],
            settings=settings,
            now=NOW,
        )
        thread = conversation_read.thread(session, profile.id or 0)
        assert [
            m.body for m in thread if m.direction == "outbound" and m.label.startswith("agent")
        ] == ["One", "Two 👍", "Three", ""]
        assert thread[-1].media[0].url == "https://cdn.example/a.gif"


# Agents and roles ---------------------------------------------------------


def test_first_agent_becomes_owner(store) -> None:
    with store.write() as session:
        first = agents.identify(session, "olivia", now=NOW)
        assert first.role == "owner"
        assert session.exec(select(AuditEntry.action)).all() == ["agent.first_owner"]


def test_unknown_agent_is_refused_once_a_store_has_agents(store, owner) -> None:
    with store.write() as session, pytest.raises(AccessDenied, match="not registered") as caught:
        agents.identify(session, "mallory", now=NOW)
    assert "convo agents add mallory" in caught.value.fix


@pytest.mark.parametrize("role", ["owner", "admin", "manager", "support"])
def test_inbox_roles_may_use_the_inbox(store, owner, role: str) -> None:
    with store.write() as session:
        agents.add_agent(session, owner, "sam", role, now=NOW)
        assert agents.identify(session, "sam", now=NOW).role == role


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_other_roles_are_refused(store, owner, role: str) -> None:
    with store.write() as session:
        agents.add_agent(session, owner, "eve", role, now=NOW)
        with pytest.raises(AccessDenied, match=f"role '{role}'"):
            agents.identify(session, "eve", now=NOW)


def test_only_owners_and_admins_manage_agents(store, owner) -> None:
    with store.write() as session:
        support = agents.add_agent(session, owner, "sam", "support", now=NOW)
        admin = agents.add_agent(session, owner, "ada", "admin", now=NOW)
        with pytest.raises(AccessDenied, match="may not manage agents"):
            agents.add_agent(session, support, "x", "support", now=NOW)
        with pytest.raises(AccessDenied, match="only an owner may make"):
            agents.add_agent(session, admin, "x", "owner", now=NOW)
        with pytest.raises(ConvoError, match="unknown role"):
            agents.add_agent(session, owner, "x", "superuser", now=NOW)


def test_removed_agents_are_refused_and_the_last_owner_stays(store, owner) -> None:
    with store.write() as session:
        agents.add_agent(session, owner, "sam", "support", now=NOW)
        agents.remove_agent(session, owner, "sam", now=NOW)
        with pytest.raises(AccessDenied, match="removed"):
            agents.identify(session, "sam", now=NOW)
        with pytest.raises(ConvoError, match="last owner"):
            agents.remove_agent(session, owner, "olivia", now=NOW)


def test_support_may_not_change_settings(store, owner) -> None:
    with store.write() as session:
        support = agents.add_agent(session, owner, "sam", "support", now=NOW)
        with pytest.raises(AccessDenied, match="change settings"):
            settings_mod.set_value(session, support, "auto_reply.enabled", False, now=NOW)


# Settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("auto_reply.enabled", "off", False),
        ("auto_reply.audience", "non_consented", "non_consented"),
        ("attribution.window_hours", "48", 48),
        (
            "notifications.email_addresses",
            "a@x.example, b@y.example",
            ["a@x.example", "b@y.example"],
        ),
        ("business.number", "(415) 555-0100", "+14155550100"),
        ("phone.default_region", "pt", "PT"),
        ("quiet_hours.start", "9:00", "09:00"),
    ],
)
def test_settings_parse_and_validate(key, text, expected) -> None:
    assert settings_mod.parse_value(key, text) == expected


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("auto_reply.enabled", "maybe"),
        ("auto_reply.audience", "everyone"),
        ("attribution.window_hours", "0"),
        ("attribution.window_hours", "a day"),
        ("notifications.email_addresses", "not-an-email"),
        ("auto_reply.template", "Hi {{ customer.secret }}"),
        ("organization.email", "help@"),
        ("phone.default_region", "XX"),
        ("quiet_hours.end", "25:00"),
    ],
)
def test_bad_setting_values_are_refused(key, text) -> None:
    with pytest.raises(settings_mod.BadSetting, match=f"bad value .* for {key}") as caught:
        settings_mod.parse_value(key, text)
    assert caught.value.line().endswith("nothing was changed")


def test_unknown_setting_is_named() -> None:
    with pytest.raises(ConvoError, match=r"unknown setting 'auto_reply\.enable'"):
        settings_mod.parse_value("auto_reply.enable", "on")


def test_settings_take_effect_at_once_for_other_sessions(store, owner) -> None:
    with store.write() as session:
        settings_mod.set_value(session, owner, "auto_reply.enabled", False, now=NOW)
    with store.read() as other:
        assert settings_mod.load(other).auto_reply_enabled is False
