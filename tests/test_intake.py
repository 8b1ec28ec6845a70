"""Many texts in one batch (what sync does per page) end exactly as the same texts
applied one by one: same rows, same ids, same results."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlmodel import Session, col, func, select

from convo_tui.core import agents, conversations, intake, profiles
from convo_tui.core import settings as settings_mod
from convo_tui.core.inbound import process_inbound
from convo_tui.core.outbound import record_outbound
from convo_tui.core.texts import InboundResult, InboundText, Media, OutboundText
from convo_tui.providers.twilio import TwilioClient, TwilioMessage
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.kinds import Consent, SourceKind
from convo_tui.store.models import (
    ActivityEvent,
    Agent,
    Conversation,
    InboxTally,
    Message,
    MessageMedia,
    MessageSource,
    Notification,
    OutboxItem,
    Profile,
    SendHint,
)
from convo_tui.store.open import open_store
from convo_tui.sync import ingest
from convo_tui.sync.engine import MESSAGES, SyncEngine, SyncReport, save_cursor

from .conftest import BUSINESS, NOW, add_profile

NEW_A, SHOPPER_B, NEW_C, BLOCKED_D, QUIET_E = (f"+1415555016{n}" for n in range(1, 6))
TABLES = (
    Profile,
    Conversation,
    Message,
    MessageMedia,
    Notification,
    OutboxItem,
    ActivityEvent,
    MessageSource,
    InboxTally,
)


def _auto_reply_on(session: Session) -> Agent:
    """The owner, with the auto-reply on (off until its template is filled in)."""
    owner = agents.identify(session, "olivia", now=NOW - timedelta(days=2))
    for key, value in [
        ("organization.prefix", "ACME"),
        ("organization.email", "help@acme.example"),
        ("auto_reply.enabled", True),
    ]:
        settings_mod.set_value(session, owner, key, value, now=NOW - timedelta(days=2))
    return owner


def _before(session: Session) -> None:
    """The same store before either run: an agent, a shopper whose conversation is
    closed, a blocked profile and a subscriber who never texted."""
    owner = _auto_reply_on(session)
    shopper = add_profile(session, SHOPPER_B)
    process_inbound(session, _in("SMold1", SHOPPER_B, "hello", NOW - timedelta(days=1)), now=NOW)
    conversations.close(
        session,
        profiles.require_conversation(session, shopper),
        owner,
        now=NOW - timedelta(hours=20),
    )
    spammer = add_profile(session, BLOCKED_D, consent=Consent.NEVER_SUBSCRIBED)
    process_inbound(session, _in("SMold2", BLOCKED_D, "spam", NOW - timedelta(days=1)), now=NOW)
    conversations.block(
        session, spammer, profiles.conversation_of(session, spammer), owner, now=NOW
    )
    add_profile(session, QUIET_E)


def _in(sid: str, phone: str, body: str, at: datetime, *media: Media) -> InboundText:
    return InboundText(sid, phone, BUSINESS, body, at, media=media)


def _out(
    sid: str,
    phone: str,
    body: str,
    at: datetime,
    kind: SourceKind,
    *,
    status: str = "delivered",
    name: str = "",
    login: str | None = None,
) -> OutboundText:
    return OutboundText(
        provider_sid=sid,
        to_number=phone,
        from_number=BUSINESS,
        body=body,
        sent_at=at,
        source_kind=kind,
        source_name=name,
        source_external_id=f"{kind.value}-{name}" if name else None,
        status=status,
        agent_login=login,
    )


def _page() -> list[InboundText | OutboundText]:
    """One page, oldest first, with everything a batch could get wrong."""
    m = timedelta(minutes=1)
    photo = Media("https://media.example/1.jpg", "image/jpeg", "ME1")
    return [
        _out("SMs01", SHOPPER_B, "Winter Sale: 20% off", NOW - 40 * m, SourceKind.CAMPAIGN,
             status="sent", name="Winter Sale"),
        _in("SMs02", NEW_A, "hi, is this the shop?", NOW - 12 * m, photo),
        _in("SMs03", SHOPPER_B, "do you ship to Lisbon?", NOW - 11 * m),
        _in("SMs04", NEW_C, "STOP", NOW - 10 * m),
        _in("SMs05", NEW_A, "hello?", NOW - 9 * m),
        _in("SMs06", SHOPPER_B, "and to Porto?", NOW - 8 * m),
        _in("SMs07", NEW_C, "actually, where is my order?", NOW - 7 * m),
        _in("SMs08", BLOCKED_D, "more spam", NOW - 6 * m),
        _out("SMs01", SHOPPER_B, "Winter Sale: 20% off", NOW - 40 * m, SourceKind.CAMPAIGN,
             name="Winter Sale"),
        _out("SMs09", NEW_A, "Yes, how can we help?", NOW - 5 * m, SourceKind.AGENT_REPLY,
             login="olivia"),
        _in("SMs10", QUIET_E, "HELP", NOW - 4 * m),
        _in("SMs11", QUIET_E, "START", NOW - 3 * m),
        _in("SMs12", QUIET_E, "thanks", NOW - 2 * m),
        _in("SMs02", NEW_A, "hi, is this the shop?", NOW - 12 * m, photo),
        _in("SMs13", NEW_A, "", NOW - 1 * m),
    ]  # fmt: skip


@pytest.fixture
def twin(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(sqlite_url(tmp_path / "twin.sqlite3"))
    yield opened
    opened.close()


def _rows(store: Store) -> dict[str, list[dict[str, Any]]]:
    with store.read() as session:
        return {
            model.__name__: [row.model_dump() for row in session.exec(select(model)).all()]
            for model in TABLES
        }


def _one_by_one(session: Session, texts: Sequence[InboundText | OutboundText]) -> list[Any]:
    results: list[Any] = []
    for text in texts:
        if isinstance(text, InboundText):
            results.append(process_inbound(session, text, now=NOW))
        else:
            results.append(record_outbound(session, text, now=NOW).id)
    return results


def _ids(results: Sequence[intake.Result]) -> list[Any]:
    return [r if isinstance(r, InboundResult) else r.message_id for r in results]


def test_a_batch_ends_exactly_as_the_same_texts_one_by_one(store, twin) -> None:
    with store.write() as session:
        _before(session)
        expected = _one_by_one(session, _page())
    with twin.write() as session:
        _before(session)
        got = _ids(intake.apply(session, _page(), now=NOW))
    assert got == expected
    assert _rows(twin) == _rows(store)


def test_what_the_page_does(store) -> None:
    """The same page, checked rule by rule (the batch run)."""
    with store.write() as session:
        _before(session)
        results = intake.apply(session, _page(), now=NOW)
    inbound = cast(list[InboundResult], [r for r in results if isinstance(r, InboundResult)])
    sids = [t.provider_sid for t in _page() if isinstance(t, InboundText)]
    by_sid: dict[str, InboundResult] = {}
    for sid, result in zip(sids, inbound, strict=True):
        by_sid.setdefault(sid, result)  # the first time a sid came
    with store.read() as session:
        new_a = profiles.find(session, NEW_A, "US")
        assert session.exec(select(func.count()).where(Profile.phone == NEW_A)).one() == 1
        first, second = by_sid["SMs02"], by_sid["SMs05"]
        assert first.opened and not second.opened
        assert first.conversation_id == second.conversation_id is not None
        assert first.auto_reply_id is not None and second.auto_reply_id is None  # cooldown
        conv_a = profiles.require_conversation(session, new_a)
        # The agent's answer stopped the clock; the empty text after it started it again.
        assert conv_a.waiting_since == NOW - timedelta(minutes=1)
        assert conv_a.last_message_preview == "(attachment)"
        assert inbound[-2].duplicate and inbound[-2].message_id == first.message_id

        sale = by_sid["SMs03"].attributed_source_id
        assert sale is not None and by_sid["SMs03"].reopened
        assert by_sid["SMs06"].attributed_source_id is None  # only the first reply
        campaign = session.exec(select(Message).where(Message.provider_sid == "SMs01")).one()
        assert campaign.status == "delivered"  # the second report moved it on

        new_c = profiles.find(session, NEW_C, "US")
        assert new_c.sms_consent == Consent.UNSUBSCRIBED.value
        assert by_sid["SMs04"].keyword is not None and by_sid["SMs04"].conversation_id is None
        assert by_sid["SMs07"].opened and by_sid["SMs07"].auto_reply_id is None  # opted out

        assert not by_sid["SMs08"].notified and not by_sid["SMs08"].reopened

        quiet = profiles.find(session, QUIET_E, "US")
        assert quiet.sms_consent == Consent.SUBSCRIBED.value
        assert by_sid["SMs12"].auto_reply_id is not None
        assert by_sid["SMs12"].conversation_id is not None
        media = session.exec(select(MessageMedia)).one()
        assert media.message_id == first.message_id and media.provider_sid == "ME1"


def test_a_new_number_twice_in_a_batch_is_one_profile_and_one_conversation(store) -> None:
    texts = [
        _in("SMn1", NEW_A, "first", NOW - timedelta(minutes=2)),
        _in("SMn2", NEW_A, "second", NOW - timedelta(minutes=1)),
    ]
    with store.write() as session:
        first, second = intake.apply(session, texts, now=NOW)
        assert isinstance(first, InboundResult) and isinstance(second, InboundResult)
        assert first.profile_id == second.profile_id
        assert first.conversation_id == second.conversation_id
        assert session.exec(select(func.count()).select_from(Profile)).one() == 1
        assert session.exec(select(func.count()).select_from(Conversation)).one() == 1
        assert session.exec(select(func.count()).select_from(Notification)).one() == 2
        conv = session.exec(select(Conversation)).one()
        assert conv.last_message_preview == "second"
        assert conv.waiting_since == NOW - timedelta(minutes=2)


def test_stop_and_a_later_text_in_one_batch(store) -> None:
    add = [
        _in("SMk1", NEW_C, "stop", NOW - timedelta(minutes=2)),
        _in("SMk2", NEW_C, "wait, my order?", NOW - timedelta(minutes=1)),
    ]
    with store.write() as session:
        stop, text = intake.apply(session, add, now=NOW)
        assert isinstance(stop, InboundResult) and isinstance(text, InboundResult)
        assert stop.keyword is not None and not stop.opened and stop.conversation_id is None
        assert text.opened and text.auto_reply_id is None  # no text after STOP
        profile = profiles.find(session, NEW_C, "US")
        assert profile.sms_consent == Consent.UNSUBSCRIBED.value
        event = session.exec(select(ActivityEvent)).one()
        assert event.message_id == stop.message_id
        assert event.properties == {"keyword": "STOP", "method": "keyword"}


def test_a_provider_id_twice_in_a_batch_is_stored_once(store) -> None:
    text = _in("SMd1", NEW_A, "hello", NOW - timedelta(minutes=1))
    with store.write() as session:
        first, again = intake.apply(session, [text, text], now=NOW)
        assert isinstance(first, InboundResult) and isinstance(again, InboundResult)
        assert again.duplicate and again.message_id == first.message_id
        assert again.conversation_id == first.conversation_id
        assert session.exec(select(func.count()).select_from(Message).where(
            col(Message.provider_sid) == "SMd1")).one() == 1  # fmt: skip
        assert session.exec(select(func.count()).select_from(Notification)).one() == 1


# Through the sync engine: a page comes in any order and half of it may be known ----


class _Pages:
    """Stands in for TwilioClient: the engine's message stream, fed from memory."""

    def __init__(self, pages: list[list[TwilioMessage]]) -> None:
        self.pages = pages
        self.http = type("Http", (), {"waits": []})()

    def list_pages(self, **_kwargs: Any) -> Iterator[list[TwilioMessage]]:
        yield from self.pages

    def media(self, _sid: str) -> list[Any]:
        return []


def _twilio(sid: str, frm: str, to: str, body: str, direction: str, at: datetime) -> TwilioMessage:
    status = "received" if direction == "inbound" else "delivered"
    return TwilioMessage(sid, frm, to, body, direction, status, 1, 0, None, None, at, at, at)


def _sync(store: Store, pages: list[list[TwilioMessage]]) -> SyncReport:
    engine = SyncEngine(store, cast(TwilioClient, _Pages(pages)), None, now=lambda: NOW)
    report = SyncReport()
    engine._messages(report)
    return report


def test_sync_orders_a_page_by_time_before_applying_it(store) -> None:
    """Newest first from the provider: the reply is listed before the campaign send it
    answers and the STOP before the text it followed; the rules see them in time order."""
    m = timedelta(minutes=1)
    with store.write() as session:
        _auto_reply_on(session)
        add_profile(session, SHOPPER_B)
        # Not a first sync (its history earns no auto-replies): the store synced before.
        save_cursor(session, MESSAGES, NOW - timedelta(minutes=40), now=NOW)
        # The send was labelled from its "Received SMS" event before the text came.
        session.add(
            SendHint(message_sid="SMe1", kind="campaign", name="Spring", external_id="c-spring")
        )
    page = [
        _twilio("SMe4", NEW_C, BUSINESS, "STOP", "inbound", NOW - 2 * m),
        _twilio("SMe3", NEW_C, BUSINESS, "where is my order?", "inbound", NOW - 3 * m),
        _twilio("SMe2", SHOPPER_B, BUSINESS, "is it on sale?", "inbound", NOW - 5 * m),
        _twilio("SMe1", BUSINESS, SHOPPER_B, "Spring: new styles", "outbound-api", NOW - 30 * m),
    ]
    report = _sync(store, [page])
    assert (report.messages, report.updates) == (4, 0)
    with store.read() as session:
        reply = session.exec(select(Message).where(Message.provider_sid == "SMe2")).one()
        source = session.get(MessageSource, reply.attributed_source_id)
        assert source is not None and source.name == "Spring"
        profile = profiles.find(session, NEW_C, "US")
        assert profile.sms_consent == Consent.UNSUBSCRIBED.value
        text = session.exec(select(Message).where(Message.provider_sid == "SMe3")).one()
        auto = session.exec(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.profile_id == profile.id)
        ).one()
        assert text.conversation_id is not None and auto == 1  # answered before the STOP
    again = _sync(store, [page[:2], page[2:]])
    assert (again.messages, again.updates) == (0, 0)


def test_ingest_messages_counts_new_known_and_updated(store) -> None:
    m = timedelta(minutes=1)
    sent = _twilio("SMf1", BUSINESS, NEW_A, "Order shipped", "outbound-api", NOW - 9 * m)
    with store.write() as session:
        ingest.ingest_message(
            session, _twilio("SMf0", NEW_A, BUSINESS, "hi", "inbound", NOW - 10 * m), [],
            _settings(session), now=NOW,
        )  # fmt: skip
        ingest.ingest_message(session, replace(sent, status="sent"), [], _settings(session),
                              now=NOW)  # fmt: skip
    batch = [
        _twilio("SMf0", NEW_A, BUSINESS, "hi", "inbound", NOW - 10 * m),
        sent,
        _twilio("SMf2", NEW_A, BUSINESS, "thanks", "inbound", NOW - 8 * m),
        _twilio("SMf3", "ACME", BUSINESS, "branded sender", "inbound", NOW - 7 * m),
        _twilio("SMf2", NEW_A, BUSINESS, "thanks", "inbound", NOW - 8 * m),
    ]
    with store.write() as session:
        outcomes = ingest.ingest_messages(
            session, [(message, []) for message in batch], _settings(session), now=NOW
        )
    assert outcomes == ["known", "updated", "new", "known", "known"]


def _settings(session: Session) -> settings_mod.InboxSettings:
    return settings_mod.load(session)
