"""The shapes of what the demo files hold, as the loader (convo_tui/core/demo.py) reads them.

Key order is the order written: a record is built in that order."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class Agent(TypedDict):
    login: str
    name: str
    role: str
    timezone: str


class Source(TypedDict):
    id: str
    kind: Literal["campaign", "flow"]
    name: str


class MediaItem(TypedDict):
    url: str
    content_type: str


class Location(TypedDict):
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None
    country: str | None
    zip: str | None
    timezone: str | None
    latitude: float | None
    longitude: float | None


class Profile(TypedDict):
    id: str
    phone: str
    email: str | None
    first_name: str | None
    last_name: str | None
    consent: str
    location: Location | None


class OrderLine(TypedDict):
    product: str
    sku: str
    quantity: int
    unit_price_cents: int


class SendEntry(TypedDict):
    """A text the business sent: a campaign, a flow or a keyword reply."""

    type: Literal["send"]
    minutes_ago: int
    sid: str
    to: str
    source: str
    body: str
    media: list[MediaItem]
    status: str
    error_code: int | None


# "from" is a Python keyword, so this one is spelled out.
InboundEntry = TypedDict(
    "InboundEntry",
    {
        "type": Literal["inbound"],
        "minutes_ago": int,
        "sid": str,
        "from": str,
        "body": str,
        "media": list[MediaItem],
    },
)


class ReplyEntry(TypedDict):
    type: Literal["reply"]
    minutes_ago: int
    agent: str
    to: str
    body: str
    media: list[MediaItem]
    status: str
    error_code: int | None


class ActionEntry(TypedDict):
    type: Literal["action"]
    minutes_ago: int
    agent: str
    phone: str
    action: str
    snooze_minutes: NotRequired[int]


class EventEntry(TypedDict):
    type: Literal["event"]
    minutes_ago: int
    uuid: str
    phone: str
    metric: str
    properties: dict[str, object]


class OrderEntry(TypedDict):
    type: Literal["order"]
    minutes_ago: int
    order_id: str | None
    phone: str
    status: str
    currency: str
    lines: list[OrderLine]
    tracking_number: NotRequired[str]
    tracking_url: NotRequired[str]


Message = SendEntry | InboundEntry | ReplyEntry
Entry = SendEntry | InboundEntry | ReplyEntry | ActionEntry | EventEntry | OrderEntry
