"""Shop orders with their Klaviyo events, numbered in time order once all exist."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from .business import SPAN
from .catalog import PRODUCT, PRODUCTS, line, product_url
from .people import People
from .records import EventEntry, Message, OrderEntry, OrderLine
from .timeline import Timeline

TRACKING = "https://track.example-carrier.com/"
"""The demo carrier's tracking page (an example domain: the demo sends nothing real)."""


@dataclass
class Order:
    entry: OrderEntry
    fulfilled: int | None
    """When it was fulfilled (minutes before load), if it was."""
    events: list[EventEntry] = field(default_factory=list)
    """Its Placed and Fulfilled Order events, which name its id once it has one."""

    @property
    def order_id(self) -> str:
        assert self.entry["order_id"] is not None, "orders are numbered after all exist"
        return self.entry["order_id"]


class Orders:
    def __init__(self, rng: random.Random, people: People, timeline: Timeline) -> None:
        self.rng = rng
        self.people = people
        self.timeline = timeline
        self.made: list[Order] = []
        self.of: defaultdict[str, list[tuple[int, Order]]] = defaultdict(list)
        self.mentions: list[tuple[Message, Order]] = []
        """Texts whose {order} is this order's id."""

    def add(
        self,
        phone: str,
        m: int,
        lines: list[OrderLine],
        status: str,
        fulfilled_m: int | None = None,
        browse: bool = True,
    ) -> Order:
        """An order with its shop events (viewed, checkout, placed, fulfilled)."""
        rng, timeline = self.rng, self.timeline
        currency = self.people.meta[phone].currency
        has_email = self.people.by_phone[phone]["email"] is not None
        total = sum(x["quantity"] * x["unit_price_cents"] for x in lines)
        names = [x["product"] for x in lines]
        if browse:
            viewed = m + rng.randint(30, 1440)
            if viewed <= SPAN:
                timeline.event(
                    phone,
                    viewed,
                    "Viewed Product",
                    {
                        "ProductName": names[0],
                        "Price": lines[0]["unit_price_cents"] / 100,
                        "Currency": currency,
                        "URL": product_url(PRODUCT[names[0]]),
                    },
                )
            timeline.event(
                phone,
                m + rng.randint(2, 25),
                "Started Checkout",
                {"$value": total / 100, "Currency": currency, "Items": names},
            )
        entry: OrderEntry = {
            "type": "order",
            "minutes_ago": m,
            "order_id": None,
            "phone": phone,
            "status": status,
            "currency": currency,
            "lines": lines,
        }
        timeline.put(None, entry)
        order = Order(entry, fulfilled_m)
        self.made.append(order)
        self.of[phone].append((m, order))
        for metric, at in (("Placed Order", m), ("Fulfilled Order", fulfilled_m)):
            if has_email and at is not None:
                props: dict[str, object] = {
                    "$value": total / 100,
                    "Currency": currency,
                    "Items": names,
                    "OrderId": None,
                }
                order.events.append(timeline.event(phone, at, metric, props))
        return order

    def last_before(self, phone: str, m: int) -> Order | None:
        """The profile's latest order placed before minute `m`."""
        done = [o for when, o in self.of[phone] if when > m]
        return max(done, key=lambda o: -o.entry["minutes_ago"]) if done else None

    def number(self) -> None:
        """#1001 is the oldest."""
        for n, order in enumerate(sorted(self.made, key=lambda o: -o.entry["minutes_ago"])):
            order.entry["order_id"] = f"#{1001 + n}"
            tracking: dict[str, str] = {}
            if order.fulfilled is not None:
                # From the number alone (no draw from rng: the rest of the demo stays put).
                code = f"1Z{(1001 + n) * 7919 % 10**8:08d}"
                tracking = {"tracking_number": code, "tracking_url": f"{TRACKING}{code}"}
                order.entry["tracking_number"] = tracking["tracking_number"]
                order.entry["tracking_url"] = tracking["tracking_url"]
            for event in order.events:
                event["properties"]["OrderId"] = order.entry["order_id"]
                if event["metric"] == "Fulfilled Order" and tracking:
                    event["properties"]["TrackingNumber"] = tracking["tracking_number"]
                    event["properties"]["TrackingUrl"] = tracking["tracking_url"]

    def fill_mentions(self) -> None:
        for message, order in self.mentions:
            message["body"] = message["body"].replace("{order}", order.order_id)


def random_orders(rng: random.Random, people: People, orders: Orders) -> None:
    for phone in people.generated():
        if rng.random() > 0.26:
            continue
        for _ in range(1 if rng.random() < 0.75 else 2):
            m = rng.randint(60, SPAN - 1500)
            currency = people.meta[phone].currency
            picks = rng.sample(PRODUCTS, rng.choice([1, 1, 1, 2, 2, 3]))
            lines = [
                line(
                    rng,
                    p.name,
                    currency,
                    quantity=rng.choice([1, 1, 2, 3]) if "Socks" in p.name else 1,
                )
                for p in picks
            ]
            fulfilled_m = m - rng.randint(720, 4320)
            fulfilled: int | None = fulfilled_m
            if fulfilled_m < 0 or m < 2880:
                status, fulfilled = "placed", None
            else:
                status = rng.choices(["fulfilled", "cancelled", "refunded"], [84, 8, 8])[0]
                if status == "cancelled":
                    fulfilled = None
            orders.add(phone, m, lines, status, fulfilled, browse=rng.random() < 0.7)
