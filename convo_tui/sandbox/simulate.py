"""Life in the sandbox: customers text in, campaigns and flows go out, orders are placed.

A seeded background thread makes one thing happen every `interval` seconds
(jittered), so a demo inbox moves by itself and a test can reproduce a run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from convo_tui.sandbox.world import World

log = logging.getLogger("convo.sandbox")

QUESTIONS = [
    "Hi! Do you ship to Canada?",
    "Is the trail runner true to size?",
    "My order hasn't arrived yet, can you check?",
    "Can I change the delivery address?",
    "Do you have the wool beanie in green?",
    "What's your return policy? 🙏",
    "The discount code isn't working at checkout",
    "Thanks, got it! 👍",
    "When will the boots be back in stock?",
    "Can I pick it up in store?",
]
FOLLOW_UPS = ["Also, is it waterproof?", "Order number is #1042", "??", "Thank you!"]
KEYWORDS = ["STOP", "HELP", "START", "Stop please 🛑", "please stop texting me so much"]
"""Twilio's bare words, which it acts on itself, and two it lets through: a per se
opt-out in more words (convo honours it) and one in a sentence (convo flags it for an
agent). The sandbox plays Twilio with the same rule (core.keywords.provider_keyword)."""
PHOTOS = [
    "https://cdn.acme.example/mms/inbound/box-damaged.jpg",
    "https://cdn.acme.example/mms/inbound/wrong-size.jpg",
]
PRODUCTS = [
    ("Trail Runner 2", "SH-TR2-42", 129.0),
    ("Wool Beanie", "AC-WB-GR", 29.0),
    ("Waxed Canvas Tote", "BG-WCT", 68.0),
    ("Merino Crew Socks (3-pack)", "AC-MCS", 24.0),
]


class Simulator:
    def __init__(self, world: World, *, now: Callable[[], datetime], interval: float) -> None:
        self.world = world
        self.now = now
        self.interval = interval
        self.rng = world.rng
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="convo-sandbox-sim", daemon=True)
        self.pending: list[tuple[datetime, str, str]] = []
        """Texts a customer will send shortly (several texts in a row)."""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval * self.rng.uniform(0.5, 1.5)):
            try:
                self.step()
            except Exception:  # a simulator bug must not kill the server
                log.exception("sandbox simulation step failed")

    def step(self) -> str:
        """One thing happens; returns what, for the log and tests."""
        now = self.now().replace(microsecond=0)
        with self.world.lock:
            due = [p for p in self.pending if p[0] <= now]
            self.pending = [p for p in self.pending if p[0] > now]
            for _at, phone, body in due:
                self.world.receive(phone, body, at=now)
            roll = self.rng.random()
            if roll < 0.45:
                return self._customer_texts(now)
            if roll < 0.55:
                return self._keyword(now)
            if roll < 0.7:
                return self._campaign(now)
            if roll < 0.85:
                return self._order(now)
            return self._click(now)

    def _phones(self, *, subscribed: bool = False) -> list[str]:
        found = []
        for phone, profile_id in sorted(self.world.profile_by_phone.items()):
            profile = self.world.profiles[profile_id]
            if subscribed and (profile.consent != "SUBSCRIBED" or phone in self.world.opted_out):
                continue
            found.append(phone)
        return found

    def _customer_texts(self, now: datetime) -> str:
        phone = self.rng.choice(self._phones())
        if self.rng.random() < 0.15:
            self.world.receive(
                phone, "Here's a photo", at=now, media=[(self.rng.choice(PHOTOS), "image/jpeg")]
            )
            return f"MMS from {phone}"
        self.world.receive(phone, self.rng.choice(QUESTIONS), at=now)
        if self.rng.random() < 0.3:  # several texts in a row
            later = now + timedelta(seconds=self.rng.randint(2, 5))
            self.pending.append((later, phone, self.rng.choice(FOLLOW_UPS)))
        return f"text from {phone}"

    def _keyword(self, now: datetime) -> str:
        phone = self.rng.choice(self._phones())
        word = self.rng.choice(KEYWORDS)
        self.world.receive(phone, word, at=now)
        return f"{word} from {phone}"

    def _campaign(self, now: datetime) -> str:
        sources = list(self.world.sources.values())
        source = self.rng.choice(sources)
        audience = self._phones(subscribed=True)
        chosen = self.rng.sample(audience, k=min(3, len(audience)))
        key = "Campaign" if source["kind"] == "campaign" else "Flow"
        for phone in chosen:
            profile = self.world.profile_for(phone, now)
            name = profile.first_name or "there"
            body = (
                f"ACME: Hi {name}! {source['name']}: new picks for you "
                "https://acme.example/s/new Reply STOP to opt out"
            )
            message = self.world.send(
                to=phone, body=body, media_urls=[], now=now, from_number=None, service=None
            )
            self.world.add_event(
                profile.id,
                "Received SMS",
                now,
                {
                    f"{key} Name": source["name"],
                    f"{key} ID": source["id"],
                    "Message Body": body,
                    "Message Sid": message.sid,
                },
            )
        return f"{source['name']} to {len(chosen)}"

    def _order(self, now: datetime) -> str:
        with_email = [p for p in self.world.profiles.values() if p.email and p.phone]
        profile = self.rng.choice(with_email)
        lines = self.rng.sample(PRODUCTS, k=self.rng.randint(1, 2))
        number = f"#S{self.rng.randint(10000, 99999)}"
        items = [
            {"ProductName": n, "SKU": sku, "Quantity": 1, "ItemPrice": price, "RowTotal": price}
            for n, sku, price in lines
        ]
        self.world.add_event(
            profile.id,
            "Placed Order",
            now,
            {
                "$value": sum(p for _n, _s, p in lines),
                "Currency": "USD",
                "OrderId": number,
                "Items": items,
                "Status": "placed",
            },
        )
        return f"order {number}"

    def _click(self, now: datetime) -> str:
        profile = self.world.profiles[self.world.profile_by_phone[self.rng.choice(self._phones())]]
        self.world.add_event(profile.id, "Clicked SMS", now, {"URL": "https://acme.example/s/new"})
        return f"click by {profile.phone}"
