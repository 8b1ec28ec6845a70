"""The timeline as it is written: entries, and what each profile may be sent at a minute.

Every entry of a profile that is a message or an action holds a minute of its own, so
replaying in file order and ordering by time agree. Times are minutes before load
time, so "later" is a smaller number.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from types import MappingProxyType

from convo_tui.core import keywords
from convo_tui.store.kinds import Consent, KeywordKind

from .business import KEYWORD_REPLIES
from .ids import Ids
from .people import People
from .records import (
    ActionEntry,
    Entry,
    EventEntry,
    InboundEntry,
    MediaItem,
    ReplyEntry,
    SendEntry,
)

KEYWORD_REPLY = "keyword_reply"
"""The `source` of the provider's answer to a keyword."""

CONSENT_AFTER: Mapping[KeywordKind, Consent] = MappingProxyType(
    {KeywordKind.OPT_OUT: Consent.UNSUBSCRIBED, KeywordKind.OPT_IN: Consent.SUBSCRIBED}
)
"""The consent a keyword leaves (core.intake applies it; help changes nothing)."""


class Timeline:
    def __init__(
        self, rng: random.Random, ids: Ids, people: People, source_names: Mapping[str, str]
    ) -> None:
        self.rng = rng
        self.ids = ids
        self.people = people
        self.source_names = source_names
        self.entries: list[tuple[int, int, Entry]] = []
        self.busy: defaultdict[str, set[int]] = defaultdict(set)
        """phone -> the minutes holding its messages and actions."""
        self.consent_changes: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
        self.blocked_at: dict[str, int] = {}
        self.last_act: dict[str, int] = {}
        """phone -> the latest minute of an agent's reply or action."""
        self.sends_to: defaultdict[str, list[tuple[int, str, str]]] = defaultdict(list)
        """phone -> (minute, source, delivery status) of each campaign or flow text."""

    def written(self) -> list[Entry]:
        """The entries oldest first; entries of the same minute in the order made."""
        return [e for _, _, e in sorted(self.entries, key=lambda x: (-x[0], x[1]))]

    def put(self, phone: str | None, entry: Entry) -> None:
        """Add `entry`; `phone` is its profile's when it is a message or an action."""
        m = entry["minutes_ago"]
        assert isinstance(m, int) and m >= 0, entry
        if phone is not None:
            assert m not in self.busy[phone], ("minute taken", entry)
            self.busy[phone].add(m)
        self.entries.append((m, len(self.entries), entry))

    def free(self, phone: str, m: int) -> int | None:
        """`m`, or the first later minute with nothing else of this profile's; None if none."""
        while m in self.busy[phone]:
            m -= 1
        return m if m >= 0 else None

    def consent_at(self, phone: str, m: int) -> str:
        state = self.people.initial[phone]
        for when, value in sorted(self.consent_changes[phone], key=lambda c: -c[0]):
            if when > m:
                state = value
        return state

    def can_text(self, phone: str, m: int) -> bool:
        """Whether the business may text `phone` at minute `m` (consent, not blocked)."""
        blocked = phone in self.blocked_at and self.blocked_at[phone] >= m
        return self.consent_at(phone, m) == Consent.SUBSCRIBED and not blocked

    def _delivery(self) -> tuple[str, int | None]:
        rng = self.rng
        r = rng.random()
        if r < 0.87:
            return "delivered", None
        if r < 0.91:
            return "sent", None
        if r < 0.96:
            return "undelivered", rng.choice([30003, 30006, 30007, 30003])
        return "failed", rng.choice([30004, 30007, 30006])

    def send(
        self,
        phone: str,
        m: int,
        source: str,
        body: str,
        media: list[MediaItem] | None = None,
        status: str | None = None,
        error: int | None = None,
        message_name: str | None = None,
    ) -> SendEntry:
        """A business text (with its Klaviyo event); a random delivery without `status`."""
        if source != KEYWORD_REPLY:
            assert self.can_text(phone, m), ("send to a profile without consent", phone, m)
        if status is None:
            status, error = self._delivery()
        entry: SendEntry = {
            "type": "send",
            "minutes_ago": m,
            "sid": self.ids.message_sid(bool(media)),
            "to": phone,
            "source": source,
            "body": body,
            "media": list(media or ()),  # never the caller's list
            "status": status,
            "error_code": error,
        }
        self.put(phone, entry)
        if source == KEYWORD_REPLY:
            return entry
        self.sends_to[phone].append((m, source, status))
        key = "Flow Name" if source.startswith("flw_") else "Campaign Name"
        props: dict[str, object] = {key: self.source_names[source], "Message Body": body}
        if message_name:
            props["Message Name"] = message_name
        if status == "delivered":
            self.event(phone, m, "Received SMS", props)
        elif status in ("undelivered", "failed"):
            self.event(phone, m, "Failed to Deliver SMS", {**props, "Error Code": error})
        return entry

    def inbound(
        self, phone: str, m: int, body: str, media: list[MediaItem] | None = None
    ) -> InboundEntry:
        entry: InboundEntry = {
            "type": "inbound",
            "minutes_ago": m,
            "sid": self.ids.message_sid(bool(media)),
            "from": phone,
            "body": body,
            "media": list(media or ()),  # never the caller's list
        }
        self.put(phone, entry)
        return entry

    def reply(
        self,
        phone: str,
        m: int,
        agent: str,
        body: str,
        media: list[MediaItem] | None = None,
        status: str = "delivered",
        error: int | None = None,
    ) -> ReplyEntry:
        assert self.can_text(phone, m), ("reply to a profile without consent", phone, m)
        self.last_act[phone] = min(m, self.last_act.get(phone, m))
        entry: ReplyEntry = {
            "type": "reply",
            "minutes_ago": m,
            "agent": agent,
            "to": phone,
            "body": body,
            "media": list(media or ()),  # never the caller's list
            "status": status,
            "error_code": error,
        }
        self.put(phone, entry)
        return entry

    def action(
        self, phone: str, m: int, agent: str, what: str, snooze_minutes: int | None = None
    ) -> ActionEntry:
        entry: ActionEntry = {
            "type": "action",
            "minutes_ago": m,
            "agent": agent,
            "phone": phone,
            "action": what,
        }
        if what == "snooze":
            assert snooze_minutes and snooze_minutes > 0
            entry["snooze_minutes"] = snooze_minutes
        if what == "block":
            self.blocked_at[phone] = m
        self.last_act[phone] = min(m, self.last_act.get(phone, m))
        self.put(phone, entry)
        return entry

    def event(self, phone: str, m: int, metric: str, properties: dict[str, object]) -> EventEntry:
        """A Klaviyo activity event (it holds no minute of the profile's)."""
        entry: EventEntry = {
            "type": "event",
            "minutes_ago": m,
            "uuid": self.ids.event_uuid(),
            "phone": phone,
            "metric": metric,
            "properties": properties,
        }
        self.put(None, entry)
        return entry

    def keyword(self, phone: str, m: int, body: str) -> int:
        """A keyword text and the provider's automatic answer a minute or so later; the
        answer's minute. The provider answers its own strict list (core.keywords)."""
        kind = keywords.provider_keyword(body)
        assert kind is not None and keywords.classify(body) is kind, body
        self.inbound(phone, m, body)
        if kind in CONSENT_AFTER:
            self.consent_changes[phone].append((m, CONSENT_AFTER[kind].value))
        r = self.free(phone, m - 1)
        assert r is not None and m - r <= 3
        self.send(phone, r, KEYWORD_REPLY, KEYWORD_REPLIES[kind], status="delivered")
        return r
