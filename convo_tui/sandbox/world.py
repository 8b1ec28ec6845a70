"""The sandbox provider's state: one Twilio account and one Klaviyo account, in memory.

Filled from the demo data set by `sandbox.demo_loader`, then changed by the
API (sent texts), the control endpoint (injected customer texts) and the
simulator. Every method takes the
world's lock: the HTTP server answers on several threads.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from convo_tui.core import keywords
from convo_tui.store.models import KeywordKind

BUSINESS_NUMBER = "+14155550100"

# What Twilio's Advanced Opt-Out answers to keywords (the confirmation texts).
KEYWORD_REPLIES = {
    KeywordKind.OPT_OUT: "You have successfully been unsubscribed. You will not receive any more "
    "messages from this number. Reply START to resubscribe.",
    KeywordKind.OPT_IN: "You have successfully been re-subscribed to messages from this number. "
    "Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
    KeywordKind.HELP: "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
}

# Delivery: a text the API accepted is queued, then sent, then delivered (or not).
SENT_AFTER = timedelta(seconds=1)
SETTLED_AFTER = timedelta(seconds=3)
DELIVERY_FAILURES = (30003, 30004, 30006, 30007)


def hex_id(prefix: str, *parts: object, length: int = 32) -> str:
    """A stable provider id (SM…, ME…, AC…) from what identifies the thing."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return prefix + digest[:length]


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date format: `Fri, 24 May 2019 17:44:46 +0000`, always GMT."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def iso(moment: datetime) -> str:
    """Klaviyo's date format: ISO 8601 with an offset."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass
class Media:
    sid: str
    content_type: str
    source_url: str
    created: datetime


@dataclass
class Message:
    sid: str
    from_number: str
    to_number: str
    body: str
    direction: str
    status: str
    created: datetime
    sent: datetime | None
    updated: datetime
    error_code: int | None = None
    media: list[Media] = field(default_factory=list)
    messaging_service_sid: str | None = None
    send_at: datetime | None = None
    """For scheduled texts: when the provider will send it."""
    fate: int | None = None
    """The delivery error this text will end with (None: delivered)."""
    moving: bool = False
    """Sent through the API here, so its status moves on; history stays as it was."""

    @property
    def when(self) -> datetime:
        return self.sent or self.created


@dataclass
class Profile:
    id: str
    phone: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    location: dict[str, Any]
    consent: str
    consent_at: datetime
    created: datetime
    updated: datetime


@dataclass
class Event:
    id: str
    metric_id: str
    profile_id: str
    at: datetime
    properties: dict[str, Any]
    uuid: str


@dataclass
class Metric:
    id: str
    name: str
    created: datetime


class World:
    """Everything both providers know, guarded by one lock."""

    def __init__(self, *, now: datetime, seed: int, account_sid: str) -> None:
        self.lock = threading.RLock()
        self.started = now
        self.seed = seed
        self.rng = random.Random(seed)
        self.account_sid = account_sid
        self.messaging_service_sid = hex_id("MG", seed, "service")
        self.business_number = BUSINESS_NUMBER
        self.messages: dict[str, Message] = {}
        self.profiles: dict[str, Profile] = {}
        self.profile_by_phone: dict[str, str] = {}
        self.events: list[Event] = []
        self.event_ids: set[str] = set()
        self.metrics: dict[str, Metric] = {}
        self.opted_out: set[str] = set()
        """Numbers that texted an opt-out keyword last: sending to them fails with 21610."""
        self.sources: dict[str, dict[str, str]] = {}
        self.smart_encoding = False
        """As a Messaging Service with smart encoding on: look-alike punctuation in a send
        is stored (and listed) in its GSM-7 form."""
        self._counter = 0

    # Ids --------------------------------------------------------------------

    def next_id(self, prefix: str, length: int = 32) -> str:
        with self.lock:
            self._counter += 1
            return hex_id(prefix, self.seed, self.started.isoformat(), self._counter, length=length)

    # Delivery ---------------------------------------------------------------

    def settle(self, now: datetime) -> None:
        """Move texts along queued → sent → delivered/undelivered as time passes."""
        with self.lock:
            for message in self.messages.values():
                if not message.moving:
                    continue
                if message.status == "scheduled" and message.send_at and now >= message.send_at:
                    message.status, message.created = "queued", message.send_at
                    message.updated = now
                waiting = message.status in ("queued", "sending", "accepted")
                if waiting and now - message.created >= SENT_AFTER:
                    # Sent when the provider would have sent it, not when someone looked.
                    message.status, message.sent = "sent", message.created + SENT_AFTER
                    message.updated = message.sent
                sent = message.sent
                if message.status == "sent" and sent and now - sent >= SETTLED_AFTER - SENT_AFTER:
                    if message.fate is None:
                        message.status = "delivered"
                    else:
                        message.status = "undelivered"
                        message.error_code = message.fate
                    message.updated = message.created + SETTLED_AFTER

    # Messages ---------------------------------------------------------------

    def add_message(self, message: Message) -> Message:
        with self.lock:
            self.messages[message.sid] = message
            return message

    def listed(self, now: datetime) -> list[Message]:
        """Every message, newest first (Twilio's order)."""
        with self.lock:
            self.settle(now)
            return sorted(self.messages.values(), key=lambda m: (m.when, m.sid), reverse=True)

    def receive(
        self,
        from_number: str,
        body: str,
        *,
        at: datetime,
        media: Iterable[tuple[str, str]] = (),
        sid: str | None = None,
    ) -> Message:
        """A customer texts the business: stored as Twilio stores it, keywords applied."""
        with self.lock:
            items = list(media)
            prefix = "MM" if items else "SM"
            message = Message(
                sid=sid or self.next_id(prefix),
                from_number=from_number,
                to_number=self.business_number,
                body=body,
                direction="inbound",
                status="received",
                created=at,
                sent=at,
                updated=at,
            )
            message.media = [
                Media(self.next_id("ME"), content_type, url, at) for url, content_type in items
            ]
            self.add_message(message)
            self._keyword(from_number, body, at)
            return message

    def _keyword(self, phone: str, body: str, at: datetime) -> None:
        kind = keywords.provider_keyword(body)
        if kind is None:
            return
        profile = self.profile_for(phone, at)
        if kind is KeywordKind.OPT_OUT:
            self.opted_out.add(phone)
            self._consent(profile, "UNSUBSCRIBED", "Unsubscribed from SMS", at)
        elif kind is KeywordKind.OPT_IN:
            self.opted_out.discard(phone)
            self._consent(profile, "SUBSCRIBED", "Consented to Receive SMS", at)
        reply_at = at + timedelta(seconds=1)
        self.add_message(
            Message(
                sid=self.next_id("SM"),
                from_number=self.business_number,
                to_number=phone,
                body=KEYWORD_REPLIES[kind],
                direction="outbound-reply",
                status="delivered",
                created=reply_at,
                sent=reply_at,
                updated=reply_at,
            )
        )

    def _consent(
        self, profile: Profile, consent: str, metric: str, at: datetime, method: str = "Keyword"
    ) -> None:
        profile.consent, profile.consent_at, profile.updated = consent, at, at
        self.add_event(profile.id, metric, at, {"Method": method})

    def unsubscribe_sms(self, phone: str, at: datetime) -> None:
        """Klaviyo's bulk unsubscribe of one number from SMS marketing (a profile that does
        not exist yet is made, then unsubscribed, as the API documents). Klaviyo's own
        consent only: Twilio's STOP list (`opted_out`) is the carrier side's."""
        with self.lock:
            profile = self.profile_for(phone, at)
            if profile.consent != "UNSUBSCRIBED":
                self._consent(profile, "UNSUBSCRIBED", "Unsubscribed from SMS", at, "API")

    def send(
        self,
        *,
        to: str,
        body: str,
        media_urls: list[str],
        now: datetime,
        from_number: str | None,
        service: str | None,
        send_at: datetime | None = None,
        direction: str = "outbound-api",
    ) -> Message:
        """A text the API accepted (the caller has validated it)."""
        now = now.replace(microsecond=0)  # Twilio's dates have whole seconds
        with self.lock:
            prefix = "MM" if media_urls else "SM"
            sid = self.next_id(prefix)
            # A few recipients' handsets are off or unreachable: a real error code.
            fate = None
            if int(hex_id("", self.seed, to, length=4), 16) % 13 == 0:
                fate = DELIVERY_FAILURES[int(sid[-2:], 16) % len(DELIVERY_FAILURES)]
            message = Message(
                sid=sid,
                from_number=from_number or self.business_number,
                to_number=to,
                body=body,
                direction=direction,
                status="scheduled" if send_at else ("accepted" if service else "queued"),
                created=now,
                sent=None,
                updated=now,
                messaging_service_sid=service,
                send_at=send_at,
                fate=fate,
                moving=True,
            )
            message.media = [
                Media(self.next_id("ME"), _guess_type(url), url, now) for url in media_urls
            ]
            return self.add_message(message)

    # Profiles and events ----------------------------------------------------

    def profile_for(self, phone: str, at: datetime) -> Profile:
        """The profile with this phone number; a new one if nobody has it yet."""
        with self.lock:
            found = self.profile_by_phone.get(phone)
            if found is not None:
                return self.profiles[found]
            profile = Profile(
                id=self.next_id("", length=26).upper(),
                phone=phone,
                email=None,
                first_name=None,
                last_name=None,
                location={},
                consent="NEVER_SUBSCRIBED",
                consent_at=at,
                created=at,
                updated=at,
            )
            self.add_profile(profile)
            return profile

    def add_profile(self, profile: Profile) -> None:
        with self.lock:
            self.profiles[profile.id] = profile
            if profile.phone:
                self.profile_by_phone[profile.phone] = profile.id

    def metric(self, name: str) -> Metric:
        with self.lock:
            for metric in self.metrics.values():
                if metric.name == name:
                    return metric
            made = Metric(
                hex_id("", self.seed, "metric", name, length=6).upper(),
                name,
                self.started - timedelta(days=400),
            )
            self.metrics[made.id] = made
            return made

    def add_event(
        self,
        profile_id: str,
        metric: str,
        at: datetime,
        properties: dict[str, Any],
        *,
        uuid: str | None = None,
    ) -> Event:
        with self.lock:
            event_uuid = uuid or _uuid(self.next_id("", length=32))
            event = Event(
                id=_event_id(event_uuid),
                metric_id=self.metric(metric).id,
                profile_id=profile_id,
                at=at,
                properties=properties,
                uuid=event_uuid,
            )
            if event.id not in self.event_ids:
                self.event_ids.add(event.id)
                self.events.append(event)
            return event

    def events_in_order(self) -> list[Event]:
        with self.lock:
            return sorted(self.events, key=lambda e: (e.at, e.id))


def _guess_type(url: str) -> str:
    lower = url.lower().split("?")[0]
    for ending, kind in (
        (".png", "image/png"),
        (".gif", "image/gif"),
        (".mp4", "video/mp4"),
        (".pdf", "application/pdf"),
        (".vcf", "text/vcard"),
    ):
        if lower.endswith(ending):
            return kind
    return "image/jpeg"


def _uuid(digest: str) -> str:
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _event_id(uuid: str) -> str:
    """Klaviyo event ids are 26-character strings; the demo gives UUIDs."""
    return hex_id("", "event", uuid, length=26).upper()
