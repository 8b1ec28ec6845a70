"""Turning provider records into store rows, through the same rules the demo uses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

from convo_tui import phones
from convo_tui.core import intake, orders, profiles, sources
from convo_tui.core.settings import InboxSettings
from convo_tui.core.texts import InboundResult, InboundText, Media, OutboundText, set_consent
from convo_tui.providers.klaviyo import KlaviyoEvent, KlaviyoProfile
from convo_tui.providers.twilio import TwilioMedia, TwilioMessage
from convo_tui.store.dialect import in_lists
from convo_tui.store.kinds import Consent, SourceKind
from convo_tui.store.models import ActivityEvent, Message, Profile, SendHint, pk

RECEIVED_SMS = "Received SMS"
PLACED_ORDER = "Placed Order"
FULFILLED_ORDER = "Fulfilled Order"
"""The shop's report that an order shipped: its status, and tracking when it has some."""


@lru_cache(maxsize=65536)
def _e164(number: str | None) -> str | None:
    """The E.164 form, or None (parsing is costly and the same numbers come back)."""
    if not number:
        return None
    try:
        return phones.normalize(number)
    except phones.BadPhoneNumber:
        return None


def upsert_profile(session: Session, data: KlaviyoProfile, *, now: datetime) -> Profile | None:
    """Create or update a profile from the provider; profiles without a phone are skipped."""
    phone = _e164(data.phone_number)
    profile = session.exec(select(Profile).where(Profile.external_id == data.id)).first()
    if profile is None:
        if phone is None:
            return None
        profile, _ = profiles.get_or_create(session, phone, now=now)
        profile.external_id = data.id
    elif phone and phone != profile.phone:
        clash = session.exec(select(Profile).where(Profile.phone == phone)).first()
        if clash is None:
            profile.phone = phone
    profile.email = data.email
    profile.locale = data.locale
    profile.first_name = data.first_name
    profile.last_name = data.last_name
    location = data.location
    for key in ("address1", "address2", "city", "region", "country", "zip", "timezone"):
        value = location.get(key)
        setattr(profile, key, str(value) if value not in (None, "") else None)
    profile.latitude, profile.longitude = data.latitude, data.longitude
    # An opt-out recorded here that Klaviyo has not taken yet outranks what it says.
    pending = profile.klaviyo_opt_out_pending_at is not None
    if data.consent in {c.value for c in Consent} and not (
        pending and data.consent != Consent.UNSUBSCRIBED.value
    ):
        set_consent(profile, Consent(data.consent), data.consent_timestamp or now)
    if pending and data.consent == Consent.UNSUBSCRIBED.value:
        # Klaviyo has it already (its campaigns stop): nothing left to write.
        profile.klaviyo_opt_out_pending_at = None
        profile.klaviyo_opt_out_error = None
    profile.updated_at = now
    return profile


def ingest_event(
    session: Session, event: KlaviyoEvent, settings: InboxSettings, *, now: datetime
) -> bool:
    """Store one event once; learn campaign/flow hints and orders from it. False if known."""
    if session.exec(select(ActivityEvent.id).where(ActivityEvent.external_id == event.id)).first():
        return False
    phone = _e164(event.phone_number)
    if phone is None:
        return False  # convo follows SMS profiles only
    profile, _ = profiles.get_or_create(session, phone, now=now)
    session.add(
        ActivityEvent(
            profile_id=pk(profile),
            metric=event.metric,
            occurred_at=event.at,
            properties=event.properties,
            external_id=event.id,
        )
    )
    if event.metric == RECEIVED_SMS:
        _learn_hint(session, event.properties)
    elif event.metric in (PLACED_ORDER, FULFILLED_ORDER):
        _record_order(session, phone, event, settings, now=now)
    return True


def _learn_hint(session: Session, props: dict[str, Any]) -> None:
    sid = props.get("Message Sid")
    if not isinstance(sid, str) or not sid:
        return
    if props.get("Campaign Name"):
        kind, name, external = SourceKind.CAMPAIGN, props["Campaign Name"], props.get("Campaign ID")
    elif props.get("Flow Name"):
        kind, name, external = SourceKind.FLOW, props["Flow Name"], props.get("Flow ID")
    else:
        return
    if session.get(SendHint, sid) is None:
        session.add(SendHint(message_sid=sid, kind=kind.value, name=str(name),
                             external_id=str(external) if external else None))  # fmt: skip
    message = session.exec(select(Message).where(Message.provider_sid == sid)).first()
    if message is not None:  # the text arrived before its event: label it now
        source = sources.ensure(session, kind, str(name), external_id=str(external or name))
        message.source_id = source.id


def _record_order(
    session: Session, phone: str, event: KlaviyoEvent, settings: InboxSettings, *, now: datetime
) -> None:
    props = event.properties
    order_id = props.get("OrderId") or props.get("$event_id") or event.id
    lines = []
    for item in props.get("Items") or []:
        if not isinstance(item, dict):
            continue
        try:
            price = round(float(item.get("ItemPrice") or 0) * 100)
            quantity = int(item.get("Quantity") or 1)
        except (TypeError, ValueError):
            continue
        lines.append(
            orders.Line(str(item.get("ProductName") or "item"), quantity, price,
                        str(item["SKU"]) if item.get("SKU") else None)
        )  # fmt: skip
    orders.record_order(
        session,
        orders.OrderIn(
            external_id=str(order_id),
            phone=phone,
            placed_at=event.at,
            lines=lines,
            status=str(props.get("Status") or _default_status(event.metric)).lower(),
            currency=str(props.get("Currency") or "USD")[:3],
            number=_short(props.get("OrderNumber"), 64),
            tracking_number=_short(props.get("TrackingNumber"), 100),
            tracking_url=_tracking_url(props.get("TrackingUrl")),
        ),
        window_hours=settings.attribution_window_hours,
        now=now,
    )


def _default_status(metric: str) -> str:
    return "fulfilled" if metric == FULFILLED_ORDER else "placed"


def _short(value: Any, limit: int) -> str | None:
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    return text[:limit] or None


def _tracking_url(value: Any) -> str | None:
    """Only a web address: a saved reply sends it to the customer as it is."""
    text = _short(value, 500)
    return text if text and text.lower().startswith(("https://", "http://")) else None


def ingest_message(
    session: Session,
    message: TwilioMessage,
    media: list[TwilioMedia],
    settings: InboxSettings,
    *,
    now: datetime,
) -> str:
    """Apply one provider message; returns "new", "updated" or "known"."""
    (outcome,) = ingest_messages(session, [(message, media)], settings, now=now)
    return outcome


def ingest_messages(
    session: Session,
    batch: Sequence[tuple[TwilioMessage, list[TwilioMedia]]],
    settings: InboxSettings,
    *,
    now: datetime,
    auto_replies: bool = True,
) -> list[str]:
    """Apply provider messages (with their media) in this order, each as `ingest_message`
    would, with the lookups made once for the batch; one outcome per message. Without
    `auto_replies` (history), no customer text earns an auto-reply."""
    outcomes: list[str] = ["known"] * len(batch)
    hints = _send_hints(session, [m.sid for m, _media in batch if not m.inbound])
    texts: list[InboundText | OutboundText] = []
    slots: list[int] = []
    for slot, (message, media) in enumerate(batch):
        when = message.when or now
        items = [Media(m.url, m.content_type, m.sid) for m in media]
        if message.inbound:
            sender = _e164(message.from_number)
            if sender is None:
                continue  # not a phone number we can hold a conversation with
            texts.append(
                InboundText(
                    provider_sid=message.sid,
                    from_number=sender,
                    to_number=message.to_number,
                    body=message.body,
                    sent_at=when,
                    media=items,
                    status=message.status,
                )
            )
        else:
            recipient = _e164(message.to_number)
            if recipient is None:
                continue
            hint = hints.get(message.sid)
            if hint is not None:
                kind, name, external = (
                    SourceKind(hint.kind),
                    hint.name,
                    hint.external_id or hint.name,
                )
            elif message.direction == "outbound-reply":
                kind, name, external = SourceKind.KEYWORD_REPLY, "", None
            else:
                kind, name, external = SourceKind.BUSINESS, "", None
            texts.append(
                OutboundText(
                    provider_sid=message.sid,
                    to_number=recipient,
                    from_number=message.from_number,
                    body=message.body,
                    sent_at=when,
                    source_kind=kind,
                    source_name=name,
                    source_external_id=external,
                    status=message.status,
                    error_code=message.error_code,
                    media=items,
                )
            )
        slots.append(slot)
    results = intake.apply(session, texts, now=now, settings=settings, auto_replies=auto_replies)
    for slot, result in zip(slots, results, strict=True):
        if isinstance(result, InboundResult):
            outcomes[slot] = "known" if result.duplicate else "new"
        elif result.new:
            outcomes[slot] = "new"
        else:
            outcomes[slot] = "updated" if result.changed else "known"
    return outcomes


def _send_hints(session: Session, sids: list[str]) -> dict[str, SendHint]:
    """The campaign or flow hints learnt for these business texts, by sid."""
    found: dict[str, SendHint] = {}
    for part in in_lists(sids):
        found.update(
            (hint.message_sid, hint)
            for hint in session.exec(select(SendHint).where(col(SendHint.message_sid).in_(part)))
        )
    return found


def known_sids(session: Session, sids: list[str]) -> set[str]:
    """Which of these provider ids are stored already."""
    found: set[str] = set()
    for part in in_lists(sids):
        rows = session.exec(select(Message.provider_sid).where(col(Message.provider_sid).in_(part)))
        found.update(sid for sid in rows if sid)
    return found
