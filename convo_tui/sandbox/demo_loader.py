"""Filling the sandbox's world from the demo data set (data/demo/, shipped as package data).

The provider's side of the demo: the texts, profiles and events Twilio and
Klaviyo would hold, with the data set's times mapped onto the moment the
sandbox starts. The store's side (replaying the timeline through the inbound
rules into the ORM) is `convo_tui.demo`; this module never touches the store.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from convo_tui.core import keywords
from convo_tui.sandbox.world import BUSINESS_NUMBER, Media, Message, Profile, World, hex_id
from convo_tui.store.models import KeywordKind


def _read(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def load_demo(world: World, folder: Path, *, history: bool = True) -> None:
    """Fill the world with the demo data set, its times counted back from `world.started`.

    Without `history` the provider knows the profiles as the timeline left them
    (consent after its keywords) but no past messages or events: what `convo demo`
    serves to a store that the demo loader has already filled with that history.
    """
    now = world.started
    settings = _read(folder, "settings.json")
    world.business_number = str(settings.get("business.number") or BUSINESS_NUMBER)
    world.sources = {s["id"]: s for s in _read(folder, "sources.json")}
    timeline = _read(folder, "timeline.json")
    moments = _moments(timeline, now)
    _load_profiles(world, _read(folder, "profiles.json"), timeline, moments)
    orders = {e["order_id"]: e for e in timeline if e["type"] == "order"}
    last_send: dict[tuple[str, int], str] = {}
    if not history:
        for entry, at in zip(timeline, moments, strict=True):
            if entry["type"] == "inbound":
                _silent_keyword(world, entry["from"], entry["body"], at)
        return
    for index, entry in enumerate(timeline):
        at = moments[index]
        kind = entry["type"]
        if kind == "send":
            _load_send(world, entry, at)
            last_send[(entry["to"], entry["minutes_ago"])] = entry["sid"]
        elif kind == "reply":
            _load_reply(world, entry, at, index)
        elif kind == "inbound":
            world.receive(
                entry["from"],
                entry["body"],
                at=at,
                media=[(m["url"], m["content_type"]) for m in entry.get("media") or []],
                sid=entry["sid"],
            )
        elif kind == "event":
            _load_event(world, entry, at, last_send, orders)
    world.settle(now)


def _silent_keyword(world: World, phone: str, body: str, at: datetime) -> None:
    """The consent a keyword leaves behind, without the messages and events."""
    kind = keywords.provider_keyword(body)
    profile = world.profile_for(phone, at)
    if kind is KeywordKind.OPT_OUT:
        world.opted_out.add(phone)
        profile.consent, profile.consent_at = "UNSUBSCRIBED", at
    elif kind is KeywordKind.OPT_IN:
        world.opted_out.discard(phone)
        profile.consent, profile.consent_at = "SUBSCRIBED", at


def _moments(timeline: list[dict[str, Any]], now: datetime) -> list[datetime]:
    """Each entry's time: `minutes_ago` before now, plus a second per earlier entry of
    the same minute, so that file order and time order agree."""
    seen: dict[int, int] = {}
    moments = []
    for entry in timeline:
        minutes = int(entry["minutes_ago"])
        offset = min(seen.get(minutes, 0), 59)
        seen[minutes] = offset + 1
        moments.append(now - timedelta(minutes=minutes) + timedelta(seconds=offset))
    return [m.replace(microsecond=0) for m in moments]


def _load_profiles(
    world: World,
    rows: list[dict[str, Any]],
    timeline: list[dict[str, Any]],
    moments: list[datetime],
) -> None:
    first_seen: dict[str, datetime] = {}
    for entry, at in zip(timeline, moments, strict=True):
        phone = entry.get("phone") or entry.get("to") or entry.get("from")
        if phone and phone not in first_seen:
            first_seen[phone] = at
    for number, row in enumerate(rows):
        phone = row.get("phone")
        created = first_seen.get(phone or "", world.started) - timedelta(days=30 + number % 200)
        location = dict(row.get("location") or {})
        if number % 2 and location.get("latitude") is not None:
            # Klaviyo sends coordinates as numbers or as strings: serve both.
            location["latitude"] = str(location["latitude"])
            location["longitude"] = str(location["longitude"])
        for key in ("latitude", "longitude"):  # the documents allow a value or no key
            if location.get(key) is None:
                location.pop(key, None)
        location.setdefault("ip", None)
        world.add_profile(
            Profile(
                id=row["id"],
                phone=phone,
                email=row.get("email"),
                first_name=row.get("first_name"),
                last_name=row.get("last_name"),
                location=location,
                consent=row.get("consent") or "NEVER_SUBSCRIBED",
                consent_at=created,
                created=created,
                updated=created,
            )
        )
        if row.get("consent") == "UNSUBSCRIBED" and phone:
            world.opted_out.add(phone)


def _load_send(world: World, entry: dict[str, Any], at: datetime) -> None:
    source = entry.get("source")
    message = Message(
        sid=entry["sid"],
        from_number=world.business_number,
        to_number=entry["to"],
        body=entry["body"],
        direction="outbound-reply" if source == "keyword_reply" else "outbound-api",
        status=entry.get("status") or "delivered",
        created=at,
        sent=at,
        updated=at + timedelta(seconds=5),
        error_code=entry.get("error_code"),
    )
    message.media = [
        Media(hex_id("ME", entry["sid"], n), m["content_type"], m["url"], at)
        for n, m in enumerate(entry.get("media") or [])
    ]
    world.add_message(message)


def _load_reply(world: World, entry: dict[str, Any], at: datetime, index: int) -> None:
    media = entry.get("media") or []
    message = Message(
        sid=hex_id("MM" if media else "SM", world.seed, "reply", index),
        from_number=world.business_number,
        to_number=entry["to"],
        body=entry["body"],
        direction="outbound-api",
        status=entry.get("status") or "delivered",
        created=at,
        sent=at,
        updated=at + timedelta(seconds=5),
        error_code=entry.get("error_code"),
    )
    message.media = [
        Media(hex_id("ME", message.sid, n), m["content_type"], m["url"], at)
        for n, m in enumerate(media)
    ]
    world.add_message(message)


def _load_event(
    world: World,
    entry: dict[str, Any],
    at: datetime,
    last_send: dict[tuple[str, int], str],
    orders: dict[str, dict[str, Any]],
) -> None:
    phone = entry["phone"]
    profile = world.profile_for(phone, at)
    properties = dict(entry.get("properties") or {})
    metric = entry["metric"]
    if metric in ("Received SMS", "Failed to Deliver SMS", "Clicked SMS"):
        sid = last_send.get((phone, entry["minutes_ago"]))
        if sid is not None:
            properties["Message Sid"] = sid
        for key, prefix in (("Campaign Name", "cmp_"), ("Flow Name", "flw_")):
            name = properties.get(key)
            for source in world.sources.values():
                if name and source["name"] == name and source["id"].startswith(prefix):
                    properties[key.replace("Name", "ID")] = source["id"]
    if metric in ("Placed Order", "Fulfilled Order"):
        order = orders.get(str(properties.get("OrderId")))
        if order is not None:
            # The documented Placed Order shape: one item per line, prices in units.
            properties["Items"] = [
                {
                    "ProductName": line["product"],
                    "SKU": line.get("sku"),
                    "Quantity": line["quantity"],
                    "ItemPrice": line["unit_price_cents"] / 100,
                    "RowTotal": line["unit_price_cents"] * line["quantity"] / 100,
                }
                for line in order["lines"]
            ]
            properties["Status"] = order.get("status") or "placed"
    world.add_event(profile.id, metric, at, properties, uuid=entry["uuid"])
