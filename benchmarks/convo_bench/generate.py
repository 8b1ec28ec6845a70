"""`benchmarks/run.py generate`: a realistic synthetic store, written fast through bulk inserts.

The store is created by `open_store` (so the migrations make the schema),
the agents and message sources go through the app's own functions, and the
bulk of the rows (profiles, conversations, messages, media, notifications,
events, orders with lines) through `BulkLoader`. Every row obeys the rules
the app enforces, so the bench measures what a real inbox holds:

- a conversation starts with the customer's first non-keyword text; a
  campaign or flow send may come before it, and the first text within the
  attribution window after it is attributed to it (message and conversation);
- only customer texts and agent replies move a conversation: its
  `last_message_at`, preview and direction are those of the newest of them;
  campaign sends, auto-replies, keyword texts and keyword replies do not;
- `waiting_since` is the first customer text after the last agent reply;
- agents reply only to consenting, unblocked customers who texted first;
  customers without consent get an auto-reply; STOP unsubscribes (consent
  and an activity event) and opens nothing; blocked profiles are closed and read;
- a conversation whose newest mover is the customer is open (usually unread),
  unless an agent snoozed or closed it after reading.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from convo_bench.bulk import BulkLoader, Row, db_time, epoch
from convo_tui.core import sms_cost, sources
from convo_tui.core.conversations import preview
from convo_tui.core.settings import SPECS
from convo_tui.store.engine import sqlite_url
from convo_tui.store.kinds import Consent, KeywordKind, SourceKind
from convo_tui.store.models import (
    ActivityEvent,
    Agent,
    Conversation,
    Message,
    MessageMedia,
    Notification,
    OrderLine,
    Profile,
    ShopOrder,
    StoreMeta,
    pk,
)
from convo_tui.store.open import open_store

GENERATOR_VERSION = "6"
"""Bumped when the stores it writes change (6: marked kind "bench"), so cached ones are
written again."""
"""3: search index with prefix indexes; 4: customer search (0008); 5: segments and
previews by the app's own rules (core.sms_cost, core.conversations.preview)."""
BENCH_AGENT = "bench"
HOUR = 3600.0
DAY = 86400.0
HISTORY_DAYS = 180
ATTRIBUTION_HOURS: int = SPECS["attribution.window_hours"].default
"""The app's attribution window (a generated store keeps the default settings)."""
BATCH = 10_000
"""Conversations generated and inserted per batch (one commit each)."""

# (city, region, country, IANA zone, latitude, longitude, phone pattern, currency)
# Phone patterns take a unique number n; every one is a valid mobile or geographic number.
LOCATIONS: tuple[tuple[str, str, str, str, float, float, str, str], ...] = (
    ("New York", "NY", "United States", "America/New_York", 40.71, -74.01, "+1212{:07d}", "USD"),
    ("Miami", "FL", "United States", "America/New_York", 25.76, -80.19, "+1305{:07d}", "USD"),
    ("Chicago", "IL", "United States", "America/Chicago", 41.88, -87.63, "+1312{:07d}", "USD"),
    ("Austin", "TX", "United States", "America/Chicago", 30.27, -97.74, "+1512{:07d}", "USD"),
    ("Denver", "CO", "United States", "America/Denver", 39.74, -104.99, "+1303{:07d}", "USD"),
    ("Phoenix", "AZ", "United States", "America/Phoenix", 33.45, -112.07, "+1602{:07d}", "USD"),
    (
        "Los Angeles",
        "CA",
        "United States",
        "America/Los_Angeles",
        34.05,
        -118.24,
        "+1213{:07d}",
        "USD",
    ),
    ("Seattle", "WA", "United States", "America/Los_Angeles", 47.61, -122.33, "+1206{:07d}", "USD"),
    ("Anchorage", "AK", "United States", "America/Anchorage", 61.22, -149.90, "+1907{:07d}", "USD"),
    ("Honolulu", "HI", "United States", "Pacific/Honolulu", 21.31, -157.86, "+1808{:07d}", "USD"),
    ("Toronto", "ON", "Canada", "America/Toronto", 43.65, -79.38, "+1416{:07d}", "CAD"),
    ("London", "England", "United Kingdom", "Europe/London", 51.51, -0.13, "+4474{:08d}", "GBP"),
    ("Berlin", "Berlin", "Germany", "Europe/Berlin", 52.52, 13.40, "+49151{:08d}", "EUR"),
    ("Paris", "Île-de-France", "France", "Europe/Paris", 48.86, 2.35, "+336{:08d}", "EUR"),
    ("Sydney", "NSW", "Australia", "Australia/Sydney", -33.87, 151.21, "+614{:08d}", "AUD"),
    ("Tokyo", "Tokyo", "Japan", "Asia/Tokyo", 35.68, 139.69, "+8190{:08d}", "JPY"),
    ("São Paulo", "SP", "Brazil", "America/Sao_Paulo", -23.55, -46.63, "+55119{:08d}", "BRL"),
)
US_LOCAL_BASE = 2_000_000
"""US/CA local numbers start at 200-0000 (exchange codes may not start with 0 or 1)."""
INTL_BASE = 10_000_000

FIRST_NAMES = (
    "Maria",
    "Ken",
    "Aisha",
    "Liam",
    "Sofia",
    "Noah",
    "Yuki",
    "Lucas",
    "Emma",
    "Mateo",
    "Olivia",
    "Hiro",
    "Chloe",
    "Ethan",
    "Zoe",
    "Amara",
    "Jonas",
    "Léa",
    "Priya",
    "Tom",
    "Fatima",
    "Diego",
    "Hannah",
    "Omar",
    "Grace",
    "Ivan",
    "Mei",
    "Samuel",
    "Nora",
    "Ravi",
)
LAST_NAMES = (
    "Silva",
    "Tanaka",
    "Okafor",
    "Murphy",
    "Rossi",
    "Schmidt",
    "Nguyen",
    "García",
    "Kim",
    "Dubois",
    "Patel",
    "Johnson",
    "Costa",
    "Müller",
    "O'Brien",
    "Cohen",
    "Larsen",
    "Novak",
    "Haddad",
    "Brown",
    "Smith",
    "Lopez",
    "Ito",
    "Walker",
    "Fischer",
    "Moreau",
    "Singh",
)
PRODUCTS: tuple[tuple[str, str, int], ...] = (
    ("Trail Boots", "BOOT-TR", 12900),
    ("Rain Jacket", "JKT-RN", 8900),
    ("Wool Socks (3 pack)", "SOCK-W3", 1900),
    ("Canvas Tote", "TOTE-CV", 2400),
    ("Linen Shirt", "SHRT-LN", 5400),
    ("Denim Jacket", "JKT-DN", 9800),
    ("Running Shoes", "SHOE-RN", 11000),
    ("Beanie", "HAT-BN", 2200),
    ("Leather Belt", "BELT-LT", 3900),
    ("Silk Scarf", "SCRF-SK", 4600),
    ("Water Bottle", "BTL-WT", 2800),
    ("Sunglasses", "SUN-CL", 7500),
)
SIZES = ("XS", "S", "M", "L", "XL", "7", "8", "9", "10", "11")
CAMPAIGNS = (
    "Black Friday",
    "Cyber Monday",
    "Spring Sale",
    "Summer Drop",
    "Back in Stock",
    "VIP Early Access",
    "Holiday Gift Guide",
    "New Arrivals",
    "Flash Sale",
    "Last Chance",
)
FLOWS = (
    "Welcome Series",
    "Abandoned Cart",
    "Browse Abandonment",
    "Post-Purchase Thank You",
    "Shipping Update",
    "Win-back",
    "Birthday",
    "Review Request",
)
CODES = ("SAVE15", "VIP20", "FRIDAY30", "WELCOME10", "SPRING25", "FREESHIP")

CUSTOMER_TEXTS = (
    "Hi, where is my order #{order}? It was supposed to arrive {day}.",
    "Can I get a refund for the {product}? It doesn't fit.",
    "Do you have the {product} in size {size}?",
    "Thanks! Got it 👍",
    "What's the tracking number for my order #{order}?",
    "My new number is {phone_pretty}, please update it",
    "Is the discount code {code} still valid?",
    "The delivery driver left it at the wrong address",
    "ok thanks",
    "Can you call me at {phone_digits}? I have a question about delivery",
    "I'd like to exchange the {product} for size {size}",
    "When will the {product} be back in stock?",
    "The {product} arrived damaged, what should I do?",
    "Yes please!",
    "Is there free shipping to {city}?",
    "I never received a confirmation email for order #{order}",
    "How long does delivery to {city} usually take?",
    "Can I change the delivery address for order #{order}?",
    "Love the {product}, thank you so much ❤️",
    "hello? anyone there",
)
AGENT_TEXTS = (
    "Hi {first}, your order #{order} shipped today. Tracking number: 1Z{tracking}.",
    "Sorry about that! I've issued a refund of ${amount} for the {product}.",
    "Yes, the {product} is back in stock in size {size}.",
    "Use code {code} for 15% off your next order.",
    "Thanks {first}! I've updated your delivery address for order #{order}.",
    "Delivery to {city} usually takes 3-5 business days.",
    "I've sent a prepaid return label to your email.",
    "Could you send a photo of the damage? We'll replace it right away.",
    "Happy to help, {first}! Anything else?",
    "Your exchange for size {size} is on its way.",
)
CAMPAIGN_TEXTS = (
    "ACME: {source} starts now! {percent}% off everything with code {code}. "
    "https://cnvo.link/{short} Reply STOP to opt out",
    "ACME: the {product} is back in stock. Shop before it's gone: https://cnvo.link/{short}",
    "ACME: {first}, your cart is waiting. Complete your order: https://cnvo.link/{short}",
    "ACME: thanks for your order! Track it here: https://cnvo.link/{short}",
)
OPT_OUT = KeywordKind.OPT_OUT.value
STOP_WORDS = ("STOP", "stop", "Stop", "UNSUBSCRIBE", " stop ", "STOPALL")
AUTO_REPLY = (
    "ACME: thanks for your message. We will get back to you soon. "
    "For help, email help@acme.example."
)
KEYWORD_REPLY = (
    "ACME: you are unsubscribed and will receive no more messages. Reply START to resume."
)
FAILURES = ((30003, "Unreachable destination handset"), (30005, "Unknown destination handset"))
MEDIA_TYPES = (("image/jpeg", "jpg"), ("image/png", "png"), ("image/gif", "gif"))


@dataclass
class GenerateReport:
    path: str
    conversations: int
    messages: int
    profiles: int
    events: int
    orders: int
    order_lines: int
    media: int
    notifications: int
    rows: int
    seconds: float
    rows_per_second: float
    insert_seconds: float
    index_seconds: float
    search_seconds: float
    seed: int
    generated_at: str
    version: str = GENERATOR_VERSION
    meta: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def message_counts(conversations: int, messages: int, rng: random.Random) -> list[int]:
    """How many messages each conversation has: >= 1 each, about `messages / conversations`
    on average with a long tail, summing to exactly `messages`."""
    if conversations <= 0:
        return []
    if messages < conversations:
        raise ValueError("every conversation needs at least one message")
    mean = messages / conversations
    counts: list[int] = []
    total = 0
    for index in range(conversations):
        left = conversations - index
        if left == 1:
            counts.append(messages - total)
            break
        expected = messages * (index + 1) / conversations
        draw = 1 + int(rng.expovariate(1 / max(mean - 0.5, 0.01))) if mean > 1 else 1
        drift = expected - (total + draw)
        draw = max(1, min(60, draw + int(drift * 0.25)))
        draw = min(draw, messages - total - (left - 1))
        counts.append(draw)
        total += draw
    return counts


class _Ids:
    def __init__(self) -> None:
        self.message = 0
        self.event = 0
        self.order = 0
        self.line = 0
        self.media = 0
        self.notification = 0


@dataclass(slots=True)
class _Person:
    """One customer, drawn before their messages."""

    pid: int
    phone: str
    first: str | None
    last: str | None
    city: str
    region: str
    country: str
    currency: str
    timezone: str | None
    latitude: float | None
    longitude: float | None
    consent: Consent
    blocked: bool
    created: float
    """Their first text: the conversation's start."""
    template: dict[str, Any]
    """What the message templates fill in (their number in two forms, city, first name)."""


@dataclass(slots=True)
class _Send:
    """The campaign or flow message sent to a customer before their first text."""

    at: float
    message_id: int
    source_id: int
    attributes: bool
    """Sent within the attribution window before the first text: that text is attributed."""


@dataclass(slots=True)
class _Thread:
    """One conversation's messages, as they are made."""

    person: _Person
    base: int
    """rows["message"][mid + base] is the row of message id `mid` (ids are consecutive)."""
    moments: list[tuple[float, str, str, int, int | None]] = field(default_factory=list)
    """(time, direction, kind, message id, attributed source) of each message, in order."""

    @property
    def latest(self) -> float:
        return max(m[0] for m in self.moments)


def _pretty(digits: str) -> str:
    """A number as a customer types it in a text: +1 (212) 200-0000, +44 740 0000000."""
    if digits.startswith("1"):
        return f"+1 ({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    return f"+{digits[:2]} {digits[2:5]} {digits[5:]}"


def _state(roll: float, *, blocked: bool, customer_last: bool) -> tuple[str, bool]:
    """Status and unread: a blocked profile is closed and read; one the customer spoke
    last in is open, mostly unread; otherwise an agent left it open, closed or snoozed."""
    if blocked:
        return "closed", False
    if customer_last:
        if roll < 0.62:
            return "open", True
        if roll < 0.85:
            return "open", False
        if roll < 0.95:
            return "snoozed", False
        return "closed", False
    if roll < 0.4:
        return "open", False
    if roll < 0.85:
        return "closed", False
    return "snoozed", False


def _waiting_since(movers: list[tuple[float, str, str, int, int | None]]) -> float | None:
    """The first customer text after the last agent reply, if any."""
    waiting: float | None = None
    for moment, _direction, kind, _mid, _attr in movers:
        if kind == "agent":
            waiting = None
        elif waiting is None:
            waiting = moment
    return waiting


class _Generator:
    """Makes the rows of one batch of conversations; deterministic for a seed."""

    def __init__(self, rng: random.Random, now: float, business: str, refs: dict[str, Any]) -> None:
        self.rng = rng
        self.now = now
        self.business = business
        self.refs = refs
        self.ids = _Ids()
        self.sid_prefix = f"{rng.getrandbits(32):08x}"
        self.rows: dict[str, list[Row]] = {}

    def _sid(self, kind: str, number: int) -> str:
        return f"{kind}{self.sid_prefix}{number:024x}"

    def fill(self, template: str, profile: dict[str, Any]) -> str:
        rng = self.rng
        product = rng.choice(PRODUCTS)
        if "{" not in template:
            return template
        return template.format(
            order=rng.randint(10000, 99999),
            day=rng.choice(("yesterday", "on Monday", "last week", "today")),
            product=product[0],
            size=rng.choice(SIZES),
            code=rng.choice(CODES),
            phone_pretty=profile["pretty"],
            phone_digits=profile["digits"],
            city=profile["city"],
            first=profile["first"] or "there",
            tracking=f"{rng.getrandbits(40):010X}",
            amount=f"{product[2] / 100:.2f}",
            source=profile.get("source_name", "Our sale"),
            percent=rng.choice((15, 20, 25, 30)),
            short=f"{rng.getrandbits(30):06x}",
        )

    def batch(self, start: int, counts: list[int]) -> dict[str, list[Row]]:
        self.rows = {
            name: []
            for name in (
                "profile",
                "conversation",
                "message",
                "message_media",
                "notification",
                "activity_event",
                "shop_order",
                "order_line",
            )
        }
        first_id = self.ids.message + 1
        for offset, count in enumerate(counts):
            self._conversation(start + offset, count)
        self._arrival_order(first_id)
        return self.rows

    def _arrival_order(self, first_id: int) -> None:
        """Renumber the batch's messages in time order, as they would have arrived (search
        takes the highest ids as the newest), and every reference to them."""
        messages = self.rows["message"]
        order = sorted(range(len(messages)), key=lambda i: (messages[i][16], i))
        new_id = {messages[i][0]: first_id + rank for rank, i in enumerate(order)}
        self.rows["message"] = [(new_id[messages[i][0]], *messages[i][1:]) for i in order]

        def remap(name: str, position: int) -> None:
            self.rows[name] = [
                (*r[:position], new_id.get(r[position], r[position]), *r[position + 1 :])
                for r in self.rows[name]
            ]

        remap("message_media", 1)
        remap("notification", 2)
        remap("activity_event", 6)
        remap("shop_order", 8)

    # One profile and its conversation --------------------------------------------

    def _conversation(self, index: int, count: int) -> None:
        """Profile number `index` with `count` messages: an optional campaign or flow send,
        the customer's first text and an exchange, the conversation's state, maybe orders.
        (The order of the draws from `rng` is the store: same seed, same rows.)"""
        person = self._person(index)
        thread = _Thread(person, base=len(self.rows["message"]) - (self.ids.message + 1))
        send = self._campaign_send(thread) if count >= 2 and self.rng.random() < 0.55 else None
        budget = count - (1 if send is not None else 0)
        stop_at_end = person.consent is Consent.UNSUBSCRIBED and budget >= 2
        self._exchange(thread, budget, send, stop_at_end=stop_at_end)
        self._conversation_row(thread)
        self._profile_row(thread, send, stop_at_end=stop_at_end)
        if self.rng.random() < 0.3:
            self._orders(person, send)

    def _person(self, index: int) -> _Person:
        """Who the customer is, where, their consent, and when they first texted."""
        rng = self.rng
        city, region, country, zone, lat, lon, pattern, currency = LOCATIONS[index % len(LOCATIONS)]
        base = US_LOCAL_BASE if pattern.startswith("+1") else INTL_BASE
        phone = pattern.format(base + index)
        digits = phone[1:]
        first = rng.choice(FIRST_NAMES) if rng.random() < 0.9 else None
        last = rng.choice(LAST_NAMES) if first and rng.random() < 0.85 else None
        roll = rng.random()
        consent = (
            Consent.SUBSCRIBED
            if roll < 0.65
            else Consent.NEVER_SUBSCRIBED
            if roll < 0.87
            else Consent.UNSUBSCRIBED
        )
        blocked = rng.random() < 0.01
        located = rng.random()
        timezone = zone if located < 0.55 else None
        latitude = round(lat + rng.uniform(-0.2, 0.2), 4) if located < 0.75 else None
        longitude = round(lon + rng.uniform(-0.2, 0.2), 4) if latitude is not None else None
        # Time line: first contact spread over the history, activity after it.
        span = HISTORY_DAYS * DAY
        created = self.now - span + span * (index + rng.random()) / max(self.refs["total"], 1)
        return _Person(
            pid=index + 1,
            phone=phone,
            first=first,
            last=last,
            city=city,
            region=region,
            country=country,
            currency=currency,
            timezone=timezone,
            latitude=latitude,
            longitude=longitude,
            consent=consent,
            blocked=blocked,
            created=min(created, self.now - 600),
            template={"pretty": _pretty(digits), "digits": digits, "city": city, "first": first},
        )

    def _add(
        self,
        thread: _Thread,
        at: float,
        direction: str,
        body: str,
        source_id: int,
        *,
        kind: str,
        conversation: bool = True,
        attributed: int | None = None,
        keyword: str | None = None,
        agent_id: int | None = None,
    ) -> int:
        """One message row of the thread; returns its id."""
        self.ids.message += 1
        mid = self.ids.message
        person = thread.person
        inbound = direction == "inbound"
        status, error_code, error_message = (
            ("received", None, None) if inbound else self._delivery(kind, at)
        )
        stamp = db_time(at)
        self.rows["message"].append(
            (
                mid,
                person.pid,
                person.pid if conversation else None,
                direction,
                body,
                self._sid("SM", mid),
                status,
                error_code,
                error_message,
                source_id,
                agent_id,
                keyword,
                attributed,
                person.phone if inbound else self.business,
                self.business if inbound else person.phone,
                _segments(body),
                stamp,
                stamp,
                stamp,
            )
        )
        thread.moments.append((at, direction, kind, mid, attributed))
        return mid

    def _delivery(self, kind: str, at: float) -> tuple[str, int | None, str | None]:
        """An outbound message's status: agents' and campaigns' sometimes fail, and the
        newest are sometimes still on their way."""
        if kind not in ("agent", "campaign"):
            return "delivered", None, None
        fail = self.rng.random()
        if fail < 0.03:
            return "failed", *FAILURES[0]
        if fail < 0.05:
            return "undelivered", *FAILURES[1]
        if fail < 0.08 and self.now - at < 2 * DAY:
            return "sent", None, None
        return "delivered", None, None

    def _campaign_send(self, thread: _Thread) -> _Send:
        """A campaign or flow message before the first text, with its activity events."""
        rng, person = self.rng, thread.person
        source_id, source_name = rng.choice(self.refs["campaigns"])
        person.template["source_name"] = source_name
        at = person.created - rng.uniform(0.2, 20) * HOUR
        if rng.random() < 0.2:
            at = person.created - rng.uniform(30, 240) * HOUR
        body = self.fill(rng.choice(CAMPAIGN_TEXTS), person.template)
        mid = self._add(
            thread, at, "outbound", body, source_id, kind="campaign", conversation=False
        )
        attributes = person.created - at <= ATTRIBUTION_HOURS * HOUR
        properties = {"Message Sid": self._sid("SM", mid), "Campaign Name": source_name}
        self._event(person.pid, "Received SMS", at, properties, message_id=mid)
        if rng.random() < 0.25:
            click = at + rng.uniform(60, 3 * HOUR)
            url = {"url": "https://shop.acme.example/sale"}
            self._event(person.pid, "Clicked SMS", click, url, message_id=mid)
        return _Send(at, mid, source_id, attributes)

    def _exchange(
        self, thread: _Thread, budget: int, send: _Send | None, *, stop_at_end: bool
    ) -> None:
        """The customer's first text opens the conversation; then turns until `budget`
        messages are made, the last of them a STOP when `stop_at_end`."""
        rng, person = self.rng, thread.person
        can_reply = person.consent is Consent.SUBSCRIBED and not person.blocked
        attributed = send.source_id if send is not None and send.attributes else None
        customer_turn = first_text = True
        auto_replied = False
        at = prev = person.created
        while budget > 0:
            if stop_at_end and budget == 1:
                self._opt_out(
                    thread, min(at + rng.uniform(60, 2 * DAY), prev + (self.now - prev) / 2)
                )
                return
            if customer_turn:
                self._customer_text(thread, at, attributed if first_text else None)
                first_text = False
                budget -= 1
                if (
                    not can_reply
                    and not person.blocked
                    and not auto_replied
                    and budget > (1 if stop_at_end else 0)
                    and person.consent is not Consent.UNSUBSCRIBED
                ):
                    at += rng.uniform(1, 5)
                    self._add(
                        thread, at, "outbound", AUTO_REPLY, self.refs["auto_reply"], kind="auto"
                    )
                    auto_replied = True
                    budget -= 1
                customer_turn = not can_reply or rng.random() < 0.25
                at += rng.expovariate(1 / (2 * HOUR)) + 30
            else:
                body = self.fill(rng.choice(AGENT_TEXTS), person.template)
                agent_id = rng.choice(self.refs["agents"])
                self._add(
                    thread,
                    at,
                    "outbound",
                    body,
                    self.refs["agent_reply"],
                    kind="agent",
                    agent_id=agent_id,
                )
                budget -= 1
                customer_turn = rng.random() < 0.8
                at += rng.expovariate(1 / (20 * HOUR)) + 60
            at = min(at, prev + (self.now - prev) / 2)
            prev = at

    def _customer_text(self, thread: _Thread, at: float, attributed: int | None) -> None:
        """A customer's text (sometimes a picture, with or without words) and its
        notification, unless the customer is blocked."""
        rng, person = self.rng, thread.person
        body = self.fill(rng.choice(CUSTOMER_TEXTS), person.template)
        media = rng.random() < 0.03
        if media and rng.random() < 0.4:
            body = ""
        mid = self._add(
            thread,
            at,
            "inbound",
            body,
            self.refs["customer"],
            kind="customer",
            attributed=attributed,
        )
        if media:
            self._media(mid)
        if not person.blocked:
            self._notification(person.pid, mid, at)

    def _opt_out(self, thread: _Thread, at: float) -> None:
        """A STOP: a keyword text (it opens and moves nothing) and its activity event."""
        word = self.rng.choice(STOP_WORDS)
        mid = self._add(
            thread, at, "inbound", word, self.refs["customer"], kind="keyword", keyword=OPT_OUT
        )
        properties = {"keyword": "STOP", "method": "keyword"}
        self._event(thread.person.pid, "Unsubscribed from SMS", at, properties, message_id=mid)

    def _conversation_row(self, thread: _Thread) -> None:
        """The conversation's state from the messages that move it: customer texts and
        agent replies."""
        rng, person = self.rng, thread.person
        movers = [m for m in thread.moments if m[2] in ("customer", "agent")]
        newest = max(movers, key=lambda m: (m[0], m[3]))
        status, unread = _state(
            rng.random(), blocked=person.blocked, customer_last=newest[2] == "customer"
        )
        snooze = self.now + rng.uniform(7, 60) * DAY if status == "snoozed" else None
        newest_row = self.rows["message"][newest[3] + thread.base]
        latest = thread.latest
        updated_by = rng.choice(self.refs["agents"]) if not unread or person.blocked else None
        waiting = _waiting_since(movers)
        self.rows["conversation"].append(
            (
                person.pid,
                person.pid,
                status,
                db_time(snooze) if snooze else None,
                int(unread),
                db_time(newest[0]),
                preview(newest_row[4], newest_row[3]),
                newest[1],
                db_time(waiting) if waiting is not None else None,
                next((m[4] for m in thread.moments if m[4] is not None), None),
                db_time(person.created),
                db_time(latest),
                updated_by,
            )
        )

    def _profile_row(self, thread: _Thread, send: _Send | None, *, stop_at_end: bool) -> None:
        """The profile, with its consent (and the event that gave it) and an address."""
        rng, person = self.rng, thread.person
        pid, consent, latest = person.pid, person.consent, thread.latest
        consent_at = person.created - rng.uniform(1, 90) * DAY
        if consent is Consent.UNSUBSCRIBED and stop_at_end:
            consent_at = latest
        elif consent is Consent.SUBSCRIBED:
            self._event(pid, "Consented to Receive SMS", consent_at, {"method": "checkout"})
        name = (person.first or "customer").lower()
        email = f"{name}.{pid}@example.com" if rng.random() < 0.8 else None
        first_seen = min(person.created, consent_at, send.at if send else person.created)
        profile_created = first_seen - rng.uniform(0, 30) * DAY
        self.rows["profile"].append(
            (
                pid,
                person.phone,
                f"01BENCH{pid:019d}",
                email,
                person.first,
                person.last,
                f"{rng.randint(1, 999)} {rng.choice(('Main', 'Oak', 'Pine', 'High'))} St"
                if rng.random() < 0.7
                else None,
                None,
                person.city,
                person.region,
                person.country,
                f"{rng.randint(10000, 99999)}",
                person.timezone,
                person.latitude,
                person.longitude,
                consent.value,
                db_time(consent_at) if consent is not Consent.NEVER_SUBSCRIBED else None,
                int(person.blocked),
                db_time(latest) if person.blocked else None,
                self.refs["agents"][0] if person.blocked else None,
                db_time(profile_created),
                db_time(latest),
            )
        )

    def _orders(self, person: _Person, send: _Send | None) -> None:
        """One to three orders, around the first contact (sometimes after the campaign's link)."""
        rng = self.rng
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            placed = person.created + rng.uniform(-60, 30) * DAY
            self._order(person.pid, min(placed, self.now - HOUR), person.currency, send)

    def _event(
        self,
        pid: int,
        metric: str,
        at: float,
        properties: dict[str, Any],
        *,
        message_id: int | None = None,
    ) -> None:
        self.ids.event += 1
        eid = self.ids.event
        self.rows["activity_event"].append(
            (
                eid,
                pid,
                metric,
                db_time(at),
                json.dumps(properties),
                f"EVB{eid:013d}",
                message_id,
                None,
            )
        )

    def _media(self, message_id: int) -> None:
        self.ids.media += 1
        content_type, ext = self.rng.choice(MEDIA_TYPES)
        self.rows["message_media"].append(
            (
                self.ids.media,
                message_id,
                f"https://media.acme.example/mms/{message_id}.{ext}",
                content_type,
                self._sid("ME", self.ids.media),
            )
        )

    def _notification(self, pid: int, message_id: int, at: float) -> None:
        self.ids.notification += 1
        self.rows["notification"].append(
            (self.ids.notification, pid, message_id, db_time(at + 5), None)
        )

    def _order(self, pid: int, placed: float, currency: str, send: _Send | None) -> None:
        """An order with its lines and event; attributed to the send when placed within
        the attribution window after it."""
        rng = self.rng
        self.ids.order += 1
        oid = self.ids.order
        total = 0
        for _ in range(rng.choice((1, 1, 2, 3))):
            name, sku, price = rng.choice(PRODUCTS)
            quantity = rng.choice((1, 1, 1, 2))
            self.ids.line += 1
            self.rows["order_line"].append((self.ids.line, oid, name, sku, quantity, price))
            total += quantity * price
        attributed_source = attributed_message = None
        if send is not None and 0 < placed - send.at <= ATTRIBUTION_HOURS * HOUR:
            attributed_message = send.message_id
            attributed_source = send.source_id
        status = rng.choice(("placed", "fulfilled", "fulfilled", "fulfilled", "cancelled"))
        self.rows["shop_order"].append(
            (
                oid,
                pid,
                f"ORD-B{oid:09d}",
                db_time(placed),
                status,
                currency,
                total,
                attributed_source,
                attributed_message,
            )
        )
        self._event(
            pid,
            "Placed Order",
            placed,
            {
                "OrderId": f"ORD-B{oid:09d}",
                "Value": total / 100,
                "Currency": currency,
            },
        )


def _segments(body: str) -> int:
    """Segments as the app counts them (GSM-7 or UCS-2); a picture without words is one,
    as the provider bills it (and the sandbox reports it)."""
    return sms_cost.cost(body).segments or 1


COLUMNS: dict[type[SQLModel], tuple[str, ...]] = {
    Profile: (
        "id",
        "phone",
        "external_id",
        "email",
        "first_name",
        "last_name",
        "address1",
        "address2",
        "city",
        "region",
        "country",
        "zip",
        "timezone",
        "latitude",
        "longitude",
        "sms_consent",
        "consent_updated_at",
        "blocked",
        "blocked_at",
        "blocked_by_id",
        "created_at",
        "updated_at",
    ),
    Conversation: (
        "id",
        "profile_id",
        "status",
        "snooze_until",
        "unread",
        "last_message_at",
        "last_message_preview",
        "last_message_direction",
        "waiting_since",
        "attributed_source_id",
        "created_at",
        "updated_at",
        "updated_by_id",
    ),
    Message: (
        "id",
        "profile_id",
        "conversation_id",
        "direction",
        "body",
        "provider_sid",
        "status",
        "error_code",
        "error_message",
        "source_id",
        "agent_id",
        "keyword",
        "attributed_source_id",
        "from_number",
        "to_number",
        "num_segments",
        "sent_at",
        "created_at",
        "updated_at",
    ),
    MessageMedia: ("id", "message_id", "url", "content_type", "provider_sid"),
    Notification: ("id", "profile_id", "message_id", "created_at", "emailed_at"),
    ActivityEvent: (
        "id",
        "profile_id",
        "metric",
        "occurred_at",
        "properties",
        "external_id",
        "message_id",
        "agent_id",
    ),
    ShopOrder: (
        "id",
        "profile_id",
        "external_id",
        "placed_at",
        "status",
        "currency",
        "total_cents",
        "attributed_source_id",
        "attributed_message_id",
    ),
    OrderLine: ("id", "order_id", "product_name", "sku", "quantity", "unit_price_cents"),
}
"""Insertion order matters: parents before children (foreign keys stay on)."""


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            candidate.unlink()


def _references(store: Any, now: datetime, rng: random.Random) -> dict[str, Any]:
    """Agents and message sources, made through the app's own functions."""
    with store.write() as session:
        agents = [
            Agent(login=BENCH_AGENT, name="Bench Owner", role="owner", created_at=now),
            Agent(login="sam", name="Sam Rivera", role="support", created_at=now),
            Agent(
                login="ada",
                name="Ada Obi",
                role="support",
                timezone="Europe/London",
                created_at=now,
            ),
            Agent(login="lee", name="Lee Park", role="manager", created_at=now),
        ]
        session.add_all(agents)
        session.flush()
        fixed = {kind: pk(sources.fixed(session, kind)) for kind in sources.FIXED_NAMES}
        campaigns: list[tuple[int, str]] = []
        for number, name in enumerate(CAMPAIGNS):
            for year in (2025, 2026):
                full = f"{name} {year}"
                made = sources.ensure(
                    session, SourceKind.CAMPAIGN, full, external_id=f"CMP{year}{number:03d}"
                )
                campaigns.append((pk(made), full))
        for number, name in enumerate(FLOWS):
            made = sources.ensure(session, SourceKind.FLOW, name, external_id=f"FLW{number:04d}")
            campaigns.append((pk(made), name))
        session.add(StoreMeta(key="bench.generator", value=GENERATOR_VERSION))
        # Its agents are stand-ins: the bench plays "bench" with --agent (core.roles).
        session.add(StoreMeta(key="kind", value="bench"))
        return {
            "agents": [pk(a) for a in agents],
            "customer": fixed[SourceKind.CUSTOMER],
            "auto_reply": fixed[SourceKind.AUTO_REPLY],
            "agent_reply": fixed[SourceKind.AGENT_REPLY],
            "keyword_reply": fixed[SourceKind.KEYWORD_REPLY],
            "campaigns": campaigns,
        }


def generate(
    out: Path,
    *,
    conversations: int,
    messages: int | None = None,
    seed: int = 2026,
    now: datetime | None = None,
    overwrite: bool = False,
    progress: Callable[[str], None] | None = None,
) -> GenerateReport:
    """Write a synthetic store of `conversations` conversations and `messages` messages
    (5 per conversation by default) to the SQLite file `out`."""
    if conversations < 1:
        raise ValueError("generate at least one conversation")
    messages = messages if messages is not None else conversations * 5
    if messages < conversations:
        raise ValueError("at least one message per conversation")
    if out.exists():
        if not overwrite:
            raise FileExistsError(f"{out} exists")
        _remove(out)
    say = progress or (lambda _line: None)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(seed)
    started = time.perf_counter()
    store = open_store(sqlite_url(out))
    try:
        refs = _references(store, moment, rng)
        refs["total"] = conversations
        business = "+18885550100"
        counts = message_counts(conversations, messages, rng)
        gen = _Generator(rng, epoch(moment), business, refs)
        tables = [_table(model) for model in COLUMNS]
        loader = BulkLoader(store, tables)
        for model, columns in COLUMNS.items():
            loader.declare(_table(model), columns)
        insert_started = time.perf_counter()
        with loader:
            for start in range(0, conversations, BATCH):
                rows = gen.batch(start, counts[start : start + BATCH])
                for model in COLUMNS:
                    table = _table(model)
                    loader.insert(table, rows[table.name])
                loader.commit()
                done = min(start + BATCH, conversations)
                if done % (BATCH * 10) == 0 or done == conversations:
                    rate = loader.rows / max(time.perf_counter() - insert_started, 1e-9)
                    say(f"{done:,} conversations, {loader.rows:,} rows, {rate:,.0f} rows/s")
            insert_seconds = time.perf_counter() - insert_started
            say("indexes and full-text search ...")
            loader.finish()
    finally:
        store.close()
    seconds = time.perf_counter() - started
    loads = loader.loads
    rows_total = loader.rows
    report = GenerateReport(
        path=str(out),
        conversations=loads["conversation"].rows,
        messages=loads["message"].rows,
        profiles=loads["profile"].rows,
        events=loads["activity_event"].rows,
        orders=loads["shop_order"].rows,
        order_lines=loads["order_line"].rows,
        media=loads["message_media"].rows,
        notifications=loads["notification"].rows,
        rows=rows_total,
        seconds=round(seconds, 3),
        rows_per_second=round(rows_total / seconds, 1),
        insert_seconds=round(insert_seconds, 3),
        index_seconds=round(loader.timings.get("indexes", 0.0), 3),
        search_seconds=round(loader.timings.get("search", 0.0), 3),
        seed=seed,
        generated_at=moment.isoformat(),
        meta={"pid": os.getpid(), "insert_rows_per_second": round(rows_total / insert_seconds, 1)},
    )
    return report
