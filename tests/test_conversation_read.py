"""Desk.conversation against an independent ORM reading of the same store.

The desk reads a conversation in a few built-once Core statements; here every
field of the view is worked out again the plain way (entities, one query per
lookup), over a generated store with hand-made extras: blocked and opted-out
profiles, cached and stale recipient zones, quiet hours, several attachments,
a long thread, failed sends, agent replies, focus messages and limits.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from convo_bench.generate import generate
from convo_tui import phones
from convo_tui.core import profiles, recipient_time, replies
from convo_tui.core import settings as settings_mod
from convo_tui.core.inbound import process_inbound
from convo_tui.core.outbound import record_outbound
from convo_tui.core.recipient_time import RecipientZone
from convo_tui.core.rows import (
    THREAD_PAGE,
    Attachment,
    EventRow,
    OrderLineRow,
    OrderRow,
    ThreadMessage,
)
from convo_tui.core.texts import InboundText, Media, OutboundText
from convo_tui.errors import NotFound
from convo_tui.session.desk import Desk
from convo_tui.session.views import ConversationView, ProfileCard, ReplyRefusal
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.kinds import Consent, SourceKind
from convo_tui.store.models import (
    ActivityEvent,
    Agent,
    Conversation,
    Message,
    MessageMedia,
    MessageSource,
    OrderLine,
    Profile,
    Setting,
    ShopOrder,
)
from convo_tui.store.open import open_store

from .conftest import BUSINESS, NOW, add_profile, sid, text_in

LONG = "+14155550177"
"""A customer with a thread longer than any page."""
MMS = "+14155550178"
"""A customer who sent one text with three attachments."""


# The expected view, read the plain way ----------------------------------------------


def _settings(session: Session) -> settings_mod.InboxSettings:
    stored = {row.key: row.value for row in session.exec(select(Setting))}
    values: dict[str, Any] = {}
    for key, spec in settings_mod.SPECS.items():
        try:
            values[key.replace(".", "_")] = spec.check(stored.get(key, spec.default))
        except ValueError:
            values[key.replace(".", "_")] = spec.default
    return settings_mod.InboxSettings(**values)


def _zone(profile: Profile, now: datetime) -> RecipientZone:
    # The rule is tested on its own (test_recipient_time, test_zone_truth); here the
    # profile row read by the ORM goes through it, as the one-query reading's row does.
    return recipient_time.zone_of(profile, now)


def _card(profile: Profile, settings: settings_mod.InboxSettings, now: datetime) -> ProfileCard:
    zone = _zone(profile, now)
    quiet = recipient_time.check(
        zone, now, start=settings.quiet_hours_start, end=settings.quiet_hours_end
    )
    name = " ".join(p for p in (profile.first_name, profile.last_name) if p)
    return ProfileCard(
        profile_id=profile.id or 0,
        name=name or phones.pretty(profile.phone),
        phone=phones.pretty(profile.phone),
        email=profile.email,
        consent=profile.sms_consent,
        blocked=profile.blocked,
        address=tuple(
            a for a in (profile.address1, profile.address2, profile.zip) if a and a.strip()
        ),
        place=", ".join(p for p in (profile.city, profile.region, profile.country) if p),
        zone=zone.describe(),
        zone_every=zone.describe(every=True),
        local_time=quiet.local,
        quiet=quiet.quiet,
        local_words=quiet.local_words(),
        coordinates=""
        if profile.latitude is None or profile.longitude is None
        else f"{profile.latitude:.4f}, {profile.longitude:.4f}",
    )


def _message(session: Session, message: Message) -> ThreadMessage:
    source = session.get(MessageSource, message.source_id) if message.source_id else None
    attributed = (
        session.get(MessageSource, message.attributed_source_id)
        if message.attributed_source_id
        else None
    )
    agent = session.get(Agent, message.agent_id) if message.agent_id else None
    media = session.exec(
        select(MessageMedia)
        .where(MessageMedia.message_id == message.id)
        .order_by(col(MessageMedia.id))
    ).all()
    return ThreadMessage(
        id=message.id or 0,
        direction=message.direction,
        body=message.body,
        sent_at=message.sent_at,
        status=message.status,
        error_code=message.error_code,
        error_message=message.error_message,
        source_kind=source.kind if source else None,
        source_name=source.name if source else None,
        agent_login=agent.login if agent else None,
        agent_name=agent.name if agent else None,
        keyword=message.keyword,
        attributed_to=attributed.name if attributed else None,
        provider_sid=message.provider_sid,
        media=tuple(Attachment(m.url, m.content_type) for m in media),
    )


def _side(
    session: Session, profile_id: int
) -> tuple[tuple[str, ...], tuple[EventRow, ...], tuple[OrderRow, ...]]:
    events = session.exec(
        select(ActivityEvent)
        .where(ActivityEvent.profile_id == profile_id)
        .order_by(col(ActivityEvent.occurred_at).desc())
    ).all()
    orders = session.exec(
        select(ShopOrder)
        .where(ShopOrder.profile_id == profile_id)
        .order_by(col(ShopOrder.placed_at).desc())
        .limit(20)
    ).all()
    found: list[OrderRow] = []
    for order in orders:
        lines = session.exec(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.id))
        ).all()
        found.append(
            OrderRow(
                order.external_id,
                order.placed_at,
                order.status,
                order.currency,
                order.total_cents,
                tuple(
                    OrderLineRow(li.product_name, li.sku, li.quantity, li.unit_price_cents)
                    for li in lines
                ),
            )
        )
    return (
        tuple(sorted({e.metric for e in events})),
        tuple(EventRow(e.metric, e.occurred_at, e.properties) for e in events[:50]),
        tuple(found),
    )


def _expected(
    store: Store,
    conversation_id: int,
    *,
    limit: int | None,
    focus: int | None = None,
    side: bool,
    now: datetime = NOW,
) -> ConversationView:
    with store.read() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        profile = session.get(Profile, conversation.profile_id)
        assert profile is not None
        settings = _settings(session)
        newest_first = session.exec(
            select(Message)
            .where(Message.profile_id == profile.id)
            .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
        ).all()
        if focus is not None:
            anchor = session.get(Message, focus)
            depth = (
                THREAD_PAGE
                if anchor is None
                else sum(1 for m in newest_first if (m.sent_at, m.id) >= (anchor.sent_at, focus))
            )
            limit = None if limit is None else max(limit, depth)
        shown = newest_first if limit is None else newest_first[:limit]
        source = (
            session.get(MessageSource, conversation.attributed_source_id)
            if conversation.attributed_source_id
            else None
        )
        block = replies.why_not(profile, conversation, settings)
        metrics, events, orders = _side(session, profile.id or 0) if side else ((), (), ())
        return ConversationView(
            conversation_id=conversation_id,
            profile_id=profile.id or 0,
            status=conversation.status,
            unread=conversation.unread,
            snooze_until=conversation.snooze_until,
            waiting_since=conversation.waiting_since,
            attributed_to=source.name if source else None,
            card=_card(profile, settings, now),
            refusal=None
            if block is None
            else ReplyRefusal(block.reason.value, block.message, block.fix),
            messages=tuple(_message(session, m) for m in reversed(shown)),
            total_messages=len(newest_first),
            metrics=metrics,
            events=events,
            orders=orders,
            focus_message_id=focus,
            loaded_at=now,
            side_loaded=side,
        )


# The store ------------------------------------------------------------------------------


def _extras(store: Store) -> None:
    """What the generator does not make (or rarely): see the module docstring."""
    desk = Desk(store, "bench", now=lambda: NOW)
    desk.set_setting("quiet_hours.start", "09:30")
    with store.write() as session:
        # Written by some older convo: the default (20:00) stands in for it.
        session.add(Setting(key="quiet_hours.end", value="25:00", updated_at=NOW))
        # A profile with no conversation: profile and conversation ids part ways after it.
        add_profile(session, "+14155550170")
        long = add_profile(session, LONG, first_name=None, timezone="Europe/Lisbon")
        start = NOW - timedelta(days=3)
        for n in range(80):
            text_in(session, f"long thread text {n}", at=start + timedelta(minutes=n), phone=LONG)
        record_outbound(
            session,
            OutboundText(
                provider_sid=sid(),
                to_number=LONG,
                from_number=BUSINESS,
                body="this one failed",
                sent_at=start + timedelta(minutes=90),
                source_kind=SourceKind.BUSINESS,
                status="failed",
                error_code=30007,
            ),
            now=NOW,
        )
        mms = add_profile(session, MMS, latitude=38.72, longitude=-9.14, last_name="Silva")
        process_inbound(
            session,
            InboundText(
                provider_sid=sid(),
                from_number=MMS,
                to_number=BUSINESS,
                body="three pictures",
                sent_at=NOW - timedelta(hours=2),
                media=[
                    Media("https://media.example/a.png", "image/png"),
                    Media("https://media.example/b.jpg", "image/jpeg"),
                    Media("https://media.example/c"),
                ],
            ),
            now=NOW - timedelta(hours=2),
        )
        text_in(session, "and one more", at=NOW - timedelta(hours=1), phone=MMS)
        ids = [long.id, mms.id]
        generated = session.exec(
            select(Profile).where(col(Profile.id).not_in(ids)).order_by(col(Profile.id))
        ).all()
        # A fresh zone cache that disagrees with the profile's own zone (the cache wins),
        # a stale one (ignored), and profiles left to their location or phone number.
        for profile in generated[0:40:4]:
            recipient_time.resolve(profile, NOW)
            profile.resolved_timezone = "Asia/Tokyo"
        for profile in generated[1:40:4]:
            recipient_time.resolve(profile, NOW)
            profile.timezone_basis = "stale"
            profile.resolved_timezone = "Asia/Tokyo"
        for profile in generated[2:40:4]:
            profile.timezone = None
        for profile in generated[3:40:4]:
            profile.timezone, profile.latitude, profile.longitude = None, None, None
        for profile in generated[40:46]:
            profile.sms_consent = Consent.UNSUBSCRIBED.value
    with store.read() as session:
        blocked = session.exec(select(Profile.id).order_by(col(Profile.id)).offset(50).limit(4))
        to_block = list(blocked)
    for profile_id in to_block:
        assert profile_id is not None
        desk.block(profile_id)
    with store.write() as session:
        long_profile = profiles.find(session, LONG, "US")
        long_profile.sms_consent = Consent.SUBSCRIBED.value
    desk.send(long_profile.id or 0, "an agent's answer", [])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("read") / "read.sqlite3"
    generate(path, conversations=120, messages=700, seed=11, now=NOW - timedelta(minutes=5))
    opened = open_store(sqlite_url(path))
    try:
        _extras(opened)
    finally:
        opened.close()
    return path


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "read.sqlite3"
    shutil.copy(template, path)
    opened = open_store(sqlite_url(path), migrate=False)
    yield opened
    opened.close()


def _ids(store: Store) -> list[int]:
    with store.read() as session:
        return [
            int(i or 0)
            for i in session.exec(select(Conversation.id).order_by(col(Conversation.id)))
        ]


def _conversation_of(store: Store, phone: str) -> int:
    with store.read() as session:
        profile = profiles.find(session, phone, "US")
        return profiles.require_conversation(session, profile).id or 0


# The tests ------------------------------------------------------------------------------


def test_every_conversation_reads_as_the_plain_orm_reading_says(store: Store) -> None:
    desk = Desk(store, "bench", now=lambda: NOW)
    with store.read() as session:
        assert settings_mod.load(session) == _settings(session)
    views: list[ConversationView] = []
    for n, conversation_id in enumerate(_ids(store)):
        for limit, side in ((15, False), (THREAD_PAGE, n % 3 == 0), (None, n % 5 == 0)):
            view = desk.conversation(conversation_id, limit=limit, side=side)
            assert view == _expected(store, conversation_id, limit=limit, side=side)
            views.append(view)
    # The store really varies: a field read wrongly shows in some view.
    cards = [v.card for v in views]
    assert {v.refusal.reason if v.refusal else None for v in views} == {
        None,
        "blocked",
        "opted_out",
        "not_consented",
    }
    assert {c.quiet for c in cards} == {True, False}
    assert {c.zone.split(", from ")[-1] for c in cards} >= {
        "profile",
        "location",
        "phone number",
    }
    assert any("Asia/Tokyo" in c.zone for c in cards)
    assert any(c.local_time is None for c in cards) or any(not c.coordinates for c in cards)
    assert {v.status for v in views} == {"open", "snoozed", "closed"}
    assert any(v.attributed_to for v in views) and any(v.snooze_until for v in views)
    assert any(v.waiting_since for v in views) and any(v.unread for v in views)
    messages = [m for v in views for m in v.messages]
    assert any(len(m.media) == 3 for m in messages) and any(m.error_code for m in messages)
    assert any(m.agent_name for m in messages) and any(m.keyword for m in messages)
    assert any(m.attributed_to for m in messages) and any(m.provider_sid is None for m in messages)
    assert any(v.orders and v.orders[0].lines for v in views) and any(v.events for v in views)
    assert any(len(v.messages) < v.total_messages for v in views)
    assert any(v.conversation_id != v.profile_id for v in views)


def test_a_long_thread_by_limit_and_by_focus_message(store: Store) -> None:
    desk = Desk(store, "bench", now=lambda: NOW)
    conversation_id = _conversation_of(store, LONG)
    with store.read() as session:
        profile = profiles.find(session, LONG, "US")
        ids = list(
            session.exec(
                select(Message.id)
                .where(Message.profile_id == profile.id)
                .order_by(col(Message.sent_at), col(Message.id))
            )
        )
        elsewhere = session.exec(select(Message.id).where(Message.profile_id != profile.id)).first()
    assert len(ids) > THREAD_PAGE + 20
    for limit in (1, 15, THREAD_PAGE, None):
        view = desk.conversation(conversation_id, limit=limit, side=False)
        assert view == _expected(store, conversation_id, limit=limit, side=False)
    for focus in (ids[0], ids[5], ids[-3], elsewhere, 10**9):
        for limit in (15, None):
            view = desk.conversation(
                conversation_id, limit=limit, focus_message_id=focus, side=True
            )
            expected = _expected(store, conversation_id, limit=limit, focus=focus, side=True)
            assert view == expected
    oldest = desk.conversation(conversation_id, limit=15, focus_message_id=ids[0], side=False)
    assert len(oldest.messages) == len(ids) and oldest.messages[0].id == ids[0]


def test_several_attachments_keep_their_order(store: Store) -> None:
    view = Desk(store, "bench", now=lambda: NOW).conversation(
        _conversation_of(store, MMS), side=False
    )
    first = view.messages[0]
    assert [a.url for a in first.media] == [
        "https://media.example/a.png",
        "https://media.example/b.jpg",
        "https://media.example/c",
    ]
    assert view.messages[1].media == ()


def test_opening_marks_it_read_then_reads_it_the_same(store: Store) -> None:
    desk = Desk(store, "bench", now=lambda: NOW)
    unread = [i for i in _ids(store) if _expected(store, i, limit=15, side=False).unread][:5]
    assert unread
    for conversation_id in unread:
        view = desk.conversation(conversation_id, limit=None, mark_read=True)
        assert view.unread is False
        assert view == _expected(store, conversation_id, limit=None, side=True)


def test_a_missing_conversation_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="no longer exists"):
        Desk(store, "bench", now=lambda: NOW).conversation(10**9, side=False)


def test_a_preview_is_three_statements_in_one_transaction(store: Store) -> None:
    desk = Desk(store, "bench", now=lambda: NOW)
    conversation_id = _conversation_of(store, MMS)
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        desk.conversation(conversation_id, limit=15, side=False)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    # The conversation with its profile and count; the settings; the thread with its media.
    assert seen == ["BEGIN", "SELECT", "SELECT", "SELECT"]
