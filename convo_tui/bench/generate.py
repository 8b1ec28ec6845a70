"""`convo bench generate`: a realistic synthetic store, written fast through bulk inserts.

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
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from convo_tui.bench.bulk import BulkLoader, Row, db_time, epoch
from convo_tui.core import sources
from convo_tui.store.engine import sqlite_url
from convo_tui.store.models import (
    ActivityEvent,
    Agent,
    Consent,
    Conversation,
    Message,
    MessageMedia,
    Notification,
    OrderLine,
    Profile,
    ShopOrder,
    SourceKind,
    StoreMeta,
    pk,
)
from convo_tui.store.open import open_store

GENERATOR_VERSION = "4"  # 3: search index with prefix indexes; 4: customer search (0008)
BENCH_AGENT = "bench"
HOUR = 3600.0
DAY = 86400.0
HISTORY_DAYS = 180
ATTRIBUTION_HOURS = 24
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
        rng = self.rng
        refs = self.refs
        pid = index + 1
        where = LOCATIONS[index % len(LOCATIONS)]
        city, region, country, zone, lat, lon, pattern, currency = where
        if pattern.startswith("+1"):
            phone = pattern.format(US_LOCAL_BASE + index)
        else:
            phone = pattern.format(INTL_BASE + index)
        digits = phone[1:]
        first = rng.choice(FIRST_NAMES) if rng.random() < 0.9 else None
        last = rng.choice(LAST_NAMES) if first and rng.random() < 0.85 else None
        if digits.startswith("1"):
            pretty = f"+1 ({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
        else:
            pretty = f"+{digits[:2]} {digits[2:5]} {digits[5:]}"
        profile = {
            "pretty": pretty,
            "digits": digits,
            "city": city,
            "first": first,
        }
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
        created = min(created, self.now - 600)
        messages = self.rows["message"]
        base = len(messages) - (self.ids.message + 1)
        """messages[mid + base] is the row of message id `mid` (ids are consecutive)."""
        conv_messages: list[tuple[float, str, str, int, int | None]] = []
        # (time, direction, kind, message id, attributed source) for the conversation state

        def add(
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
            self.ids.message += 1
            mid = self.ids.message
            inbound = direction == "inbound"
            status, error_code, error_message = ("received", None, None)
            if not inbound:
                status = "delivered"
                if kind in ("agent", "campaign"):
                    fail = rng.random()
                    if fail < 0.03:
                        status = "failed"
                        error_code, error_message = FAILURES[0]
                    elif fail < 0.05:
                        status = "undelivered"
                        error_code, error_message = FAILURES[1]
                    elif fail < 0.08 and self.now - at < 2 * DAY:
                        status = "sent"
            segments = _segments(body)
            stamp = db_time(at)
            messages.append(
                (
                    mid,
                    pid,
                    pid if conversation else None,
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
                    phone if inbound else self.business,
                    self.business if inbound else phone,
                    segments,
                    stamp,
                    stamp,
                    stamp,
                )
            )
            conv_messages.append((at, direction, kind, mid, attributed))
            return mid

        # An optional campaign or flow send before the first text.
        at = created
        attributed_source: int | None = None
        campaign_at: float | None = None
        campaign_mid: int | None = None
        campaign_source: int | None = None
        budget = count
        if count >= 2 and rng.random() < 0.55:
            source_id, source_name = rng.choice(refs["campaigns"])
            campaign_source = source_id
            profile["source_name"] = source_name
            campaign_at = created - rng.uniform(0.2, 20) * HOUR
            if rng.random() < 0.2:
                campaign_at = created - rng.uniform(30, 240) * HOUR
            body = self.fill(rng.choice(CAMPAIGN_TEXTS), profile)
            campaign_mid = add(
                campaign_at, "outbound", body, source_id, kind="campaign", conversation=False
            )
            if created - campaign_at <= ATTRIBUTION_HOURS * HOUR:
                attributed_source = source_id
            self._event(
                pid,
                "Received SMS",
                campaign_at,
                {
                    "Message Sid": self._sid("SM", campaign_mid),
                    "Campaign Name": source_name,
                },
                message_id=campaign_mid,
            )
            if rng.random() < 0.25:
                self._event(
                    pid,
                    "Clicked SMS",
                    campaign_at + rng.uniform(60, 3 * HOUR),
                    {"url": "https://shop.acme.example/sale"},
                    message_id=campaign_mid,
                )
            budget -= 1

        # The customer's first text opens the conversation; then an exchange.
        stop_at_end = consent is Consent.UNSUBSCRIBED and budget >= 2
        can_reply = consent is Consent.SUBSCRIBED and not blocked
        customer_turn = True
        first_text = True
        prev = at
        auto_replied = False
        while budget > 0:
            if stop_at_end and budget == 1:
                at = min(at + rng.uniform(60, 2 * DAY), prev + (self.now - prev) / 2)
                add(
                    at,
                    "inbound",
                    rng.choice(STOP_WORDS),
                    refs["customer"],
                    kind="keyword",
                    keyword="opt_out",
                )
                self._event(
                    pid,
                    "Unsubscribed from SMS",
                    at,
                    {"keyword": "STOP", "method": "keyword"},
                    message_id=self.ids.message,
                )
                budget -= 1
                continue
            if customer_turn:
                body = self.fill(rng.choice(CUSTOMER_TEXTS), profile)
                media = rng.random() < 0.03
                if media and rng.random() < 0.4:
                    body = ""
                add(
                    at,
                    "inbound",
                    body,
                    refs["customer"],
                    kind="customer",
                    attributed=attributed_source if first_text else None,
                )
                if media:
                    self._media(self.ids.message)
                if not blocked:
                    self._notification(pid, self.ids.message, at)
                first_text = False
                budget -= 1
                if (
                    not can_reply
                    and not blocked
                    and not auto_replied
                    and budget > (1 if stop_at_end else 0)
                    and consent is not Consent.UNSUBSCRIBED
                ):
                    at += rng.uniform(1, 5)
                    add(at, "outbound", AUTO_REPLY, refs["auto_reply"], kind="auto")
                    auto_replied = True
                    budget -= 1
                customer_turn = not can_reply or rng.random() < 0.25
                at += rng.expovariate(1 / (2 * HOUR)) + 30
            else:
                body = self.fill(rng.choice(AGENT_TEXTS), profile)
                agent_id = rng.choice(refs["agents"])
                add(at, "outbound", body, refs["agent_reply"], kind="agent", agent_id=agent_id)
                budget -= 1
                customer_turn = rng.random() < 0.8
                at += rng.expovariate(1 / (20 * HOUR)) + 60
            at = min(at, prev + (self.now - prev) / 2)
            prev = at

        # Conversation state from the messages that move it.
        movers = [m for m in conv_messages if m[2] in ("customer", "agent")]
        newest = max(movers, key=lambda m: (m[0], m[3]))
        waiting: float | None = None
        for moment, _direction, kind, _mid, _attr in movers:
            if kind == "agent":
                waiting = None
            elif waiting is None:
                waiting = moment
        customer_last = newest[2] == "customer"
        roll = rng.random()
        snooze: float | None = None
        if blocked:
            status, unread = "closed", False
        elif customer_last:
            if roll < 0.62:
                status, unread = "open", True
            elif roll < 0.85:
                status, unread = "open", False
            elif roll < 0.95:
                status, unread = "snoozed", False
            else:
                status, unread = "closed", False
        elif roll < 0.4:
            status, unread = "open", False
        elif roll < 0.85:
            status, unread = "closed", False
        else:
            status, unread = "snoozed", False
        if status == "snoozed":
            snooze = self.now + rng.uniform(7, 60) * DAY
        newest_row = messages[newest[3] + base]
        preview = _preview(newest_row[4], newest_row[3])
        latest = max(m[0] for m in conv_messages)
        updated_by = rng.choice(refs["agents"]) if not unread or blocked else None
        attributed = next((m[4] for m in conv_messages if m[4] is not None), None)
        self.rows["conversation"].append(
            (
                pid,
                pid,
                status,
                db_time(snooze) if snooze else None,
                int(unread),
                db_time(newest[0]),
                preview,
                newest[1],
                db_time(waiting) if waiting is not None else None,
                attributed,
                db_time(created),
                db_time(latest),
                updated_by,
            )
        )

        consent_at = created - rng.uniform(1, 90) * DAY
        if consent is Consent.UNSUBSCRIBED and stop_at_end:
            consent_at = max(m[0] for m in conv_messages)
        elif consent is Consent.SUBSCRIBED:
            self._event(pid, "Consented to Receive SMS", consent_at, {"method": "checkout"})
        email = f"{(first or 'customer').lower()}.{pid}@example.com" if rng.random() < 0.8 else None
        profile_created = (
            min(created, consent_at, campaign_at or created) - rng.uniform(0, 30) * DAY
        )
        self.rows["profile"].append(
            (
                pid,
                phone,
                f"01BENCH{pid:019d}",
                email,
                first,
                last,
                f"{rng.randint(1, 999)} {rng.choice(('Main', 'Oak', 'Pine', 'High'))} St"
                if rng.random() < 0.7
                else None,
                None,
                city,
                region,
                country,
                f"{rng.randint(10000, 99999)}",
                timezone,
                latitude,
                longitude,
                consent.value,
                db_time(consent_at) if consent is not Consent.NEVER_SUBSCRIBED else None,
                int(blocked),
                db_time(latest) if blocked else None,
                refs["agents"][0] if blocked else None,
                db_time(profile_created),
                db_time(latest),
            )
        )

        # Orders, sometimes after a click on the campaign's link.
        if rng.random() < 0.3:
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                placed = created + rng.uniform(-60, 30) * DAY
                placed = min(placed, self.now - HOUR)
                self._order(pid, placed, currency, campaign_at, campaign_mid, campaign_source)

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

    def _order(
        self,
        pid: int,
        placed: float,
        currency: str,
        campaign_at: float | None,
        campaign_mid: int | None,
        campaign_source: int | None,
    ) -> None:
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
        if (
            campaign_at is not None
            and campaign_mid is not None
            and 0 < placed - campaign_at <= ATTRIBUTION_HOURS * HOUR
        ):
            attributed_message = campaign_mid
            attributed_source = campaign_source
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
    if body.isascii():
        return 1 if len(body) <= 160 else math.ceil(len(body) / 153)
    return 1 if len(body) <= 70 else math.ceil(len(body) / 67)


def _preview(body: str, direction: str) -> str:
    text = " ".join(body.split())
    if not text and direction == "inbound":
        text = "(attachment)"
    return text[:200]


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
