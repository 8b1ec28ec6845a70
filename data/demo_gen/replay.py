"""The timeline replayed with convo's own rules before anything is written.

The loader (convo_tui/demo.py) feeds the timeline through core's intake and reply
rules and fails on the first text they refuse, so the generator checks the same
rules here, from core, not from a copy: what a keyword is (`core.keywords`), who a
text is attributed to (`core.attribution`), what reads as a request to stop
(`core.opt_out_intent`), and who may be replied to (`core.replies`). The state at
load time it returns is what the stories and the README are checked against.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers

from convo_tui import phones
from convo_tui.core import attribution, keywords, opt_out_intent, replies, roles, timezones
from convo_tui.core.settings import SPECS, InboxSettings
from convo_tui.core.texts import DELIVERY_ERRORS
from convo_tui.store.kinds import Consent, KeywordKind, Status

from .business import BUSINESS, KEYWORD_REPLIES, SPAN
from .geography import COUNTRIES
from .records import Agent, Location, Profile, Source
from .timeline import CONSENT_AFTER, KEYWORD_REPLY

SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
MESSAGE_TYPES = ("send", "inbound", "reply", "action")
METRICS = (
    "Received SMS",
    "Clicked SMS",
    "Failed to Deliver SMS",
    "Placed Order",
    "Viewed Product",
    "Started Checkout",
    "Fulfilled Order",
)
LOCATION_KEYS = frozenset(Location.__annotations__)
_LOAD = datetime(2026, 1, 1, tzinfo=UTC)
"""Any instant will do: core's rules take times, the timeline has minutes before load."""


def effective_settings(values: Mapping[str, object]) -> InboxSettings:
    """The settings the loader ends with: settings.json checked by core, defaults besides."""
    assert set(values) <= set(SPECS), set(values) - set(SPECS)
    chosen = {
        key: spec.check(values[key]) if key in values else spec.default
        for key, spec in SPECS.items()
    }
    # InboxSettings names each setting key with "_" for "." (core.settings._field).
    return InboxSettings(**{key.replace(".", "_"): value for key, value in chosen.items()})


@dataclass
class Conversation:
    status: str = Status.OPEN.value
    unread: bool = True
    until: int | None = None
    """The end of a snooze (minutes before load; negative: after load)."""
    source: str | None = None
    possible_opt_out_at: int | None = None
    """When a text read as a request to stop (core.opt_out_intent); the replies wait."""


@dataclass(frozen=True)
class Person:
    """What core.replies reads of a profile."""

    phone: str
    first_name: str | None
    last_name: str | None
    blocked: bool
    sms_consent: str


@dataclass
class State:
    """The end state at load time (and, while replaying, the state so far)."""

    settings: InboxSettings
    profiles: Mapping[str, Profile]
    consent: dict[str, str]
    blocked: set[str] = field(default_factory=set)
    conv: dict[str, Conversation] = field(default_factory=dict)
    attributed: dict[str, str | None] = field(default_factory=dict)
    """sid of each non-keyword text -> the source it is attributed to."""

    def refusal(self, phone: str) -> replies.Block | None:
        """Why core.replies would refuse a reply to `phone` now, or None."""
        p = self.profiles[phone]
        person = Person(
            phone, p["first_name"], p["last_name"], phone in self.blocked, self.consent[phone]
        )
        refused = replies.why_not(person, self.conv.get(phone), self.settings)
        return None if refused is None else refused.reason


def _at(minutes_ago: int) -> datetime:
    return _LOAD - timedelta(minutes=minutes_ago)


def check_profiles(profiles: Sequence[Profile]) -> None:
    people = {p["phone"] for p in profiles}
    assert len(people) == len(profiles), "duplicate phones"
    ids = [p["id"] for p in profiles]
    assert len(set(ids)) == len(ids), "duplicate profile ids"
    for p in profiles:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", p["id"]), p["id"]
        assert phones.normalize(p["phone"]) == p["phone"], p["phone"]
        assert p["phone"] != BUSINESS
        assert p["consent"] in set(Consent)
        loc = p["location"]
        if loc is not None:
            assert set(loc) == LOCATION_KEYS
            if loc["timezone"] is not None:
                assert timezones.is_zone(loc["timezone"]), loc["timezone"]
            if loc["country"] is not None:
                parsed = phones.parse_e164(p["phone"])
                assert parsed is not None
                iso = phonenumbers.region_code_for_number(parsed)
                assert iso is not None, p["phone"]
                assert COUNTRIES[iso].name == loc["country"], (p["phone"], loc["country"])


def replay(
    agents: Sequence[Agent],
    sources: Sequence[Source],
    settings_values: Mapping[str, object],
    profiles: Sequence[Profile],
    timeline: Sequence[Mapping[str, Any]],
) -> State:
    """Replay the timeline with the SMS rules, asserting them; returns the end state."""
    check_profiles(profiles)
    settings = effective_settings(settings_values)
    assert settings.business_number == BUSINESS
    acting = {a["login"] for a in agents if a["role"] in roles.INBOX_ROLES}
    source_ids = [s["id"] for s in sources]
    rank = {sid: n for n, sid in enumerate(source_ids)}
    people = {p["phone"]: p for p in profiles}
    state = State(settings, people, consent={ph: p["consent"] for ph, p in people.items()})
    conv, blocked = state.conv, state.blocked
    sends: defaultdict[str, list[attribution.Send]] = defaultdict(list)
    texts: defaultdict[str, list[datetime]] = defaultdict(list)
    last_message: dict[str, tuple[int, str, KeywordKind | None]] = {}
    """phone -> minute, type and (for a text) the provider's keyword kind."""
    sids: set[str] = set()
    minutes: defaultdict[str, set[int]] = defaultdict(set)
    previous = None
    order_ids: set[str] = set()
    uuids: set[str] = set()

    def wake(phone: str, m: int) -> None:
        c = conv.get(phone)
        if c and c.status == Status.SNOOZED.value and c.until is not None and c.until >= m:
            c.status, c.until = Status.OPEN.value, None

    for e in timeline:
        m = e["minutes_ago"]
        assert isinstance(m, int) and 0 <= m <= SPAN + 1440, e
        assert previous is None or m <= previous, "timeline not sorted"
        previous = m
        kind = e["type"]
        phone = e.get("to") or e.get("from") or e.get("phone")
        assert phone in people, ("unknown profile", e)
        if kind in MESSAGE_TYPES:
            assert m not in minutes[phone], ("two messages/actions in one minute", e)
            minutes[phone].add(m)
        wake(phone, m)
        if kind in ("send", "inbound"):
            assert SID.fullmatch(e["sid"]), e["sid"]
            assert e["sid"] not in sids, "duplicate sid"
            sids.add(e["sid"])
            assert e["sid"].startswith("MM") == bool(e["media"]), e
        for item in e.get("media", []):
            assert set(item) == {"url", "content_type"} and item["url"].startswith("https://")
            assert item["content_type"].startswith("image/")
        if kind == "inbound":
            _inbound(state, e, source_ids, sends[phone], texts[phone])
            last_message[phone] = (m, "inbound", keywords.provider_keyword(e["body"]))
        elif kind == "send":
            assert e["status"] in ("delivered", "sent", "undelivered", "failed")
            assert (e["error_code"] is not None) == (e["status"] in ("undelivered", "failed"))
            assert e["error_code"] in (None, 30003, 30004, 30006, 30007)
            assert e["error_code"] is None or e["error_code"] in DELIVERY_ERRORS
            if e["source"] == KEYWORD_REPLY:
                prev = last_message.get(phone)
                assert prev and prev[1] == "inbound" and prev[2], ("keyword reply w/o keyword", e)
                assert prev[0] - m <= 3
                assert e["body"] == KEYWORD_REPLIES[prev[2]]
            else:
                assert e["source"] in rank, e
                assert state.consent[phone] == Consent.SUBSCRIBED.value, ("send without consent", e)
                assert phone not in blocked
                sends[phone].append(attribution.Send(_at(m), len(sids), rank[e["source"]]))
            last_message[phone] = (m, "send", None)
        elif kind == "reply":
            assert e["agent"] in acting, e
            refused = state.refusal(phone)
            assert refused is None, (refused, e)
            assert conv[phone].status == Status.OPEN.value, ("reply to a closed conversation", e)
            assert e["status"] in ("delivered", "sent", "failed")
            assert (e["error_code"] is not None) == (e["status"] == "failed")
            assert e["body"].strip() and "{" not in e["body"]
            conv[phone].unread = False
            last_message[phone] = (m, "reply", None)
        elif kind == "action":
            _action(state, e, acting)
        elif kind == "event":
            assert e["uuid"] not in uuids
            uuids.add(e["uuid"])
            assert e["metric"] in METRICS
            if e["metric"] in ("Placed Order", "Fulfilled Order"):
                assert people[phone]["email"], e
                assert e["properties"]["OrderId"], e
        elif kind == "order":
            assert e["order_id"] not in order_ids and re.fullmatch(r"#\d+", e["order_id"])
            order_ids.add(e["order_id"])
            assert e["status"] in ("placed", "fulfilled", "cancelled", "refunded")
            assert e["lines"] and all(x["quantity"] > 0 for x in e["lines"])
        else:
            raise AssertionError(f"unknown entry type {kind}")
        if kind in ("send", "inbound", "reply"):
            assert not re.search(r"\{[a-z_]+\}", e["body"]), e
    for phone in conv:
        wake(phone, 0)
    return state


def _inbound(
    state: State,
    e: Mapping[str, Any],
    source_ids: Sequence[str],
    sends: list[attribution.Send],
    texts: list[datetime],
) -> None:
    """core.intake's rules for a customer's text, on the replay's state. `sends` hold
    source ids as their rank in `source_ids` (core counts sources by number)."""
    phone, m, body = e["from"], e["minutes_ago"], e["body"]
    word = keywords.classify(body)
    c = state.conv.get(phone)
    if word is not None:
        if word in CONSENT_AFTER:
            state.consent[phone] = CONSENT_AFTER[word].value
        if word is KeywordKind.OPT_OUT and c is not None:
            c.possible_opt_out_at = None  # the question is answered
        return
    at = _at(m)
    rank = attribution.choose(sends, texts, at, state.settings.attribution_window_hours)
    texts.append(at)
    source = None if rank is None else source_ids[rank]
    state.attributed[e["sid"]] = source
    if phone in state.blocked:
        return
    if c is None:
        c = state.conv[phone] = Conversation()
    c.status, c.until, c.unread = Status.OPEN.value, None, True
    if source is not None:
        c.source = source
    if (
        state.consent[phone] != Consent.UNSUBSCRIBED
        and opt_out_intent.probable_opt_out(body)
        and c.possible_opt_out_at is None
    ):
        c.possible_opt_out_at = m


def _action(state: State, e: Mapping[str, Any], acting: set[str]) -> None:
    phone, m = e["phone"], e["minutes_ago"]
    assert e["agent"] in acting, e
    what = e["action"]
    assert ("snooze_minutes" in e) == (what == "snooze"), e
    if what == "block":
        state.blocked.add(phone)
    assert phone in state.conv, ("action without a conversation", e)
    c = state.conv[phone]
    if what == "snooze":
        assert isinstance(e["snooze_minutes"], int) and e["snooze_minutes"] > 0
        c.status, c.until = Status.SNOOZED.value, m - e["snooze_minutes"]
    elif what in ("close", "block"):
        c.status, c.until = Status.CLOSED.value, None
        if what == "block":
            c.unread = False
    elif what == "reopen":
        c.status, c.until = Status.OPEN.value, None
    elif what == "mark_read":
        c.unread = False
    elif what == "mark_unread":
        c.unread = True
    else:
        raise AssertionError(e)
