"""The counts the README gives (and the generator prints), with the floors they must meet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from convo_tui.core import keywords

from .geography import continent_of_zone
from .people import People
from .replay import State


class Stats(TypedDict):
    profiles: int
    countries: int
    timezones: int
    continents: list[str]
    consent_before: dict[str, int]
    consent_after: dict[str, int]
    location_kinds: dict[str, int]
    no_email: int
    no_name: int
    timeline_entries: int
    entries_by_type: dict[str, int]
    sends_by_source: dict[str, int]
    send_statuses: dict[str, int]
    mms_sends: int
    mms_inbound: int
    keyword_texts: int
    keyword_bodies: list[str]
    events_by_metric: dict[str, int]
    actions: dict[str, int]
    conversations: int
    conversations_by_status: dict[str, int]
    unread_conversations: int
    attributed_conversations: dict[str, int]
    entries_last_48h: int
    oldest_minutes_ago: int


def _keyword_order(body: str) -> tuple[str, str, str]:
    return (keywords.classify(body) or "", body.strip().upper(), body)


def statistics(
    people: People,
    source_names: Mapping[str, str],
    state: State,
    timeline: Sequence[Mapping[str, Any]],
) -> Stats:
    profiles = people.profiles
    zones = Counter(
        p["location"]["timezone"] for p in profiles if p["location"] and p["location"]["timezone"]
    )
    continents = sorted({continent_of_zone(z) for z in zones})
    countries = Counter(people.meta[p["phone"]].iso for p in profiles)
    kinds = Counter(e["type"] for e in timeline)
    conv = state.conv
    by_status = Counter(c.status for c in conv.values())
    inbound = [e for e in timeline if e["type"] == "inbound"]
    sends = [e for e in timeline if e["type"] == "send"]
    keyword_texts = [e["body"] for e in inbound if keywords.classify(e["body"])]
    stats: Stats = {
        "profiles": len(profiles),
        "countries": len(countries),
        "timezones": len(zones),
        "continents": continents,
        "consent_before": dict(Counter(p["consent"] for p in profiles)),
        "consent_after": dict(Counter(state.consent.values())),
        "location_kinds": dict(
            Counter(
                "none"
                if p["location"] is None
                else "full"
                if p["location"]["timezone"]
                else "lat/long only"
                if p["location"]["latitude"] is not None
                else "city/country only"
                for p in profiles
            )
        ),
        "no_email": sum(p["email"] is None for p in profiles),
        "no_name": sum(p["first_name"] is None for p in profiles),
        "timeline_entries": len(timeline),
        "entries_by_type": dict(kinds),
        "sends_by_source": dict(Counter(source_names.get(e["source"], e["source"]) for e in sends)),
        "send_statuses": dict(Counter(e["status"] for e in sends)),
        "mms_sends": sum(bool(e["media"]) for e in sends),
        "mms_inbound": sum(bool(e["media"]) for e in inbound),
        "keyword_texts": len(keyword_texts),
        "keyword_bodies": sorted(set(keyword_texts), key=_keyword_order),
        "events_by_metric": dict(Counter(e["metric"] for e in timeline if e["type"] == "event")),
        "actions": dict(Counter(e["action"] for e in timeline if e["type"] == "action")),
        "conversations": len(conv),
        "conversations_by_status": dict(by_status),
        "unread_conversations": sum(c.unread for c in conv.values()),
        "attributed_conversations": dict(
            Counter(source_names[c.source] for c in conv.values() if c.source)
        ),
        "entries_last_48h": sum(1 for e in timeline if e["minutes_ago"] <= 2880),
        "oldest_minutes_ago": timeline[0]["minutes_ago"],
    }
    _check(stats, state, timeline)
    return stats


def _check(stats: Stats, state: State, timeline: Sequence[Mapping[str, Any]]) -> None:
    """What the demo must show: enough people, zones, conversations, and every case."""
    assert stats["profiles"] >= 200
    assert stats["timezones"] >= 12 and len(stats["continents"]) >= 5
    assert 60 <= stats["conversations"] <= 120, stats["conversations"]
    assert 1000 <= stats["timeline_entries"] <= 2000, stats["timeline_entries"]
    assert set(stats["conversations_by_status"]) == {"open", "snoozed", "closed"}
    assert stats["consent_after"].get("UNSUBSCRIBED") and stats["consent_after"].get(
        "NEVER_SUBSCRIBED"
    )
    assert len(state.blocked) == 1
    assert set(stats["actions"]) == {
        "snooze",
        "close",
        "reopen",
        "block",
        "mark_read",
        "mark_unread",
    }
    assert stats["actions"]["reopen"] >= 2 and stats["actions"]["mark_unread"] >= 1
    assert {"STOP", "stop", " Start ", "HELP", "UNSUBSCRIBE", "JOIN"} <= set(
        stats["keyword_bodies"]
    )
    bodies = [e["body"] for e in timeline if e["type"] == "inbound"]
    assert "[bold red]URGENT[/] where is my order??" in bodies
    assert "pls check \x1b[31mthis\x1b[0m" in bodies
    assert any(len(b) >= 480 for b in bodies) and any("é" in b for b in bodies)
    assert stats["mms_inbound"] and {"image/jpeg", "image/gif"} <= {
        m["content_type"] for e in timeline if e["type"] == "send" for m in e["media"]
    }
