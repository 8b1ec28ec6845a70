"""Loading the demo data set (data/demo/) through the same rules sync uses.

The timeline is replayed in time order with a simulated clock: customer
texts go through `process_inbound`, business texts through
`record_outbound`, agent replies through `queue_reply` (so the data set
itself must obey the SMS rules), and agent actions through the same
functions the CLI calls. Replies queued while replaying are settled at once
as if a provider had accepted them, since the demo has no provider; with a
real or sandbox provider the sync engine does that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, SQLModel, select

from convo_tui import demo_files
from convo_tui.core import agents, conversations, orders, outbox, profiles, replies, roles
from convo_tui.core import settings as settings_mod
from convo_tui.core.inbound import process_inbound
from convo_tui.core.outbound import record_outbound
from convo_tui.core.texts import InboundText, Media, OutboundText
from convo_tui.errors import ConvoError
from convo_tui.store import dialect
from convo_tui.store.engine import Store
from convo_tui.store.kinds import Consent, SourceKind
from convo_tui.store.models import ActivityEvent, Agent, Profile, StoreMeta, pk

DEMO_MARK = "demo"


@dataclass(frozen=True)
class LoadReport:
    profiles: int
    inbound: int
    outbound: int
    replies: int
    actions: int
    events: int
    orders: int


def _read(folder: Path, name: str) -> Any:
    path = folder / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConvoError(
            f"the demo data file {path} is missing", "set CONVO_DEMO_DATA to the data/demo folder"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConvoError(f"the demo data file {path} is not valid JSON ({exc})", "") from None


def is_demo(session: Session) -> bool:
    return agents.store_kind(session) == DEMO_MARK


def has_data(session: Session) -> bool:
    return session.exec(select(Profile.id).limit(1)).first() is not None


def reset(session: Session) -> None:
    """Empty every table (children first). Only ever called on a demo store."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.exec(delete(table))
    session.info.pop("convo_fixed_sources", None)


def load(
    store: Store,
    *,
    now: datetime,
    folder: Path | None = None,
    wipe: bool = False,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load the demo into `store` in one transaction; refuses a store with real data.

    `progress` hears what is being loaded as it goes (the load takes seconds): a few
    words, the replay's share done ending in "100%"; nothing when nothing is loaded."""
    say = progress or (lambda _words: None)
    folder = folder or demo_files.folder()
    agents_data = _read(folder, "agents.json")
    settings_data = _read(folder, "settings.json")
    sources_data = {s["id"]: s for s in _read(folder, "sources.json")}
    profiles_data = _read(folder, "profiles.json")
    timeline = _read(folder, "timeline.json")
    start = now - timedelta(minutes=max((e["minutes_ago"] for e in timeline), default=0) + 60)
    with store.write() as session:
        if has_data(session) and not is_demo(session):
            raise ConvoError(
                "this store holds real conversations, not demo data",
                "use another store for the demo: convo demo --db demo.sqlite3",
            )
        if wipe:
            say("Loading the demo: emptying the store…")
            reset(session)
        elif has_data(session):
            return LoadReport(0, 0, 0, 0, 0, 0, 0)
        say(f"Loading the demo: agents, settings and {len(profiles_data)} profiles…")
        session.merge(StoreMeta(key="kind", value=DEMO_MARK))  # an empty store may have a kind
        owner = _load_agents(session, agents_data, start)
        for key, value in settings_data.items():
            settings_mod.set_value(session, owner, key, value, now=start)
        for item in profiles_data:
            _load_profile(session, item, start)
        counts = _replay(session, timeline, sources_data, now, say)
    return LoadReport(len(profiles_data), *counts)


def _load_agents(session: Session, data: list[dict[str, Any]], at: datetime) -> Agent:
    owner_data = next(a for a in data if a["role"] == "owner")
    owner = agents.identify(session, owner_data["login"], now=at)  # first agent: owner
    owner.name = owner_data["name"]
    owner.timezone = owner_data.get("timezone")
    for item in data:
        if item["login"] == owner.login:
            continue
        agent = agents.add_agent(
            session, owner, item["login"], item["role"], name=item["name"], now=at
        )
        agent.timezone = item.get("timezone")
    # Whoever loads the demo owns it too, so plain `convo inbox` works right after: the
    # OS login, or on a database server the role it knows them as.
    me = dialect.session_login(session.connection()) or roles.os_login()
    if me not in {item["login"] for item in data}:
        agents.add_agent(session, owner, me, "owner", name=f"{me} (you)", now=at)
    return owner


def _load_profile(session: Session, item: dict[str, Any], at: datetime) -> None:
    profile, _ = profiles.get_or_create(session, item["phone"], now=at)
    profile.external_id = item.get("id")
    profile.email = item.get("email")
    profile.first_name = item.get("first_name")
    profile.last_name = item.get("last_name")
    profile.sms_consent = Consent(item.get("consent", "NEVER_SUBSCRIBED")).value
    profile.consent_updated_at = at
    location = item.get("location") or {}
    for key in ("address1", "address2", "city", "region", "country", "zip", "timezone"):
        setattr(profile, key, location.get(key))
    for key in ("latitude", "longitude"):
        value = location.get(key)
        setattr(profile, key, float(value) if value is not None else None)


def _media(items: list[dict[str, Any]]) -> list[Media]:
    return [Media(url=m["url"], content_type=m.get("content_type", "")) for m in items]


def _replay(
    session: Session,
    timeline: list[dict[str, Any]],
    sources_data: dict[str, dict[str, Any]],
    now: datetime,
    say: Callable[[str], None],
) -> tuple[int, int, int, int, int, int]:
    business = settings_mod.load(session).business_number
    agents_by_login = {a.login: a for a in session.exec(select(Agent))}
    counts = dict.fromkeys(("inbound", "send", "reply", "action", "event", "order"), 0)
    what = f"Loading the demo: {len(timeline):,} texts, replies, actions, events and orders…"
    said = -1
    for done, entry in enumerate(timeline):
        share = done * 100 // max(len(timeline), 1) // 5 * 5  # in steps of 5%
        if share != said:
            said = share
            say(f"{what} {share}%")
        at = now - timedelta(minutes=entry["minutes_ago"])
        kind = entry["type"]
        counts[kind] += 1
        try:
            if kind == "inbound":
                process_inbound(
                    session,
                    InboundText(
                        provider_sid=entry["sid"],
                        from_number=entry["from"],
                        to_number=business,
                        body=entry["body"],
                        sent_at=at,
                        media=_media(entry.get("media", [])),
                    ),
                    now=at,
                )
            elif kind == "send":
                _send(session, entry, sources_data, business, at)
            elif kind == "reply":
                _reply(session, entry, agents_by_login[entry["agent"]], at)
            elif kind == "action":
                _action(session, entry, agents_by_login[entry["agent"]], at)
            elif kind == "event":
                profile = profiles.find(session, entry["phone"], "US")
                session.add(
                    ActivityEvent(
                        profile_id=pk(profile),
                        metric=entry["metric"],
                        occurred_at=at,
                        properties=entry.get("properties", {}),
                        external_id=entry.get("uuid"),
                    )
                )
            elif kind == "order":
                _order(session, entry, at)
            else:
                raise ConvoError(f"unknown timeline entry type {kind!r}", "")
        except ConvoError as exc:
            raise ConvoError(f"demo timeline entry {entry!r} failed: {exc.line()}", "") from None
        _settle_outbox(session, at)
    say(f"{what} 100%")
    return (
        counts["inbound"],
        counts["send"],
        counts["reply"],
        counts["action"],
        counts["event"],
        counts["order"],
    )


def _send(
    session: Session,
    entry: dict[str, Any],
    sources_data: dict[str, dict[str, Any]],
    business: str,
    at: datetime,
) -> None:
    source_id = entry["source"]
    if source_id == "keyword_reply":
        kind, name, external = SourceKind.KEYWORD_REPLY, "", None
    else:
        source = sources_data[source_id]
        kind, name, external = SourceKind(source["kind"]), source["name"], source_id
    record_outbound(
        session,
        OutboundText(
            provider_sid=entry["sid"],
            to_number=entry["to"],
            from_number=business,
            body=entry["body"],
            sent_at=at,
            source_kind=kind,
            source_name=name,
            source_external_id=external,
            status=entry.get("status", "delivered"),
            error_code=entry.get("error_code"),
            media=_media(entry.get("media", [])),
        ),
        now=at,
    )


def _reply(session: Session, entry: dict[str, Any], agent: Agent, at: datetime) -> None:
    profile = profiles.find(session, entry["to"], "US")
    message = replies.queue_reply(
        session,
        agent,
        profile,
        entry["body"],
        settings=settings_mod.load(session),
        media=[m["url"] for m in entry.get("media", [])],
        force=True,  # history replayed, in the order it happened: nothing to hold
        now=at,
    )
    item = outbox.item_for(session, message)
    outbox.mark_sent(session, item, provider_sid=_sid(entry["body"], at), status="sent", now=at)
    from convo_tui.core.texts import update_status

    update_status(message, entry.get("status", "delivered"), entry.get("error_code"), now=at)


def _action(session: Session, entry: dict[str, Any], agent: Agent, at: datetime) -> None:
    profile = profiles.find(session, entry["phone"], "US")
    action = entry["action"]
    if action == "block":
        conversations.block(
            session, profile, profiles.conversation_of(session, profile), agent, now=at
        )
        return
    conversation = profiles.require_conversation(session, profile)
    if action == "snooze":
        until = at + timedelta(minutes=entry["snooze_minutes"])
        conversations.snooze(session, conversation, agent, until, now=at)
    elif action == "close":
        conversations.close(session, conversation, agent, now=at)
    elif action == "reopen":
        conversations.reopen(session, conversation, agent, now=at)
    elif action in ("mark_read", "mark_unread"):
        conversations.set_unread(session, conversation, agent, action == "mark_unread", now=at)
    else:
        raise ConvoError(f"unknown action {action!r}", "")


def _order(session: Session, entry: dict[str, Any], at: datetime) -> None:
    orders.record_order(
        session,
        orders.OrderIn(
            external_id=entry["order_id"],
            phone=entry["phone"],
            placed_at=at,
            status=entry.get("status", "placed"),
            currency=entry.get("currency", "USD"),
            number=entry.get("number"),
            tracking_number=entry.get("tracking_number"),
            tracking_url=entry.get("tracking_url"),
            lines=[
                orders.Line(
                    product_name=line["product"],
                    quantity=line["quantity"],
                    unit_price_cents=line["unit_price_cents"],
                    sku=line.get("sku"),
                )
                for line in entry["lines"]
            ],
        ),
        window_hours=settings_mod.load(session).attribution_window_hours,
        now=at,
    )


def _settle_outbox(session: Session, at: datetime) -> None:
    """Stand in for the provider: accept what is due (auto-replies, replies) at once."""
    for item in outbox.pending(session):
        if item.send_at <= at:
            outbox.mark_sent(
                session,
                item,
                provider_sid=_sid(str(item.message_id), at),
                status="delivered",
                now=at,
            )


def _sid(seed: str, at: datetime) -> str:
    digest = hashlib.sha256(f"{seed}|{at.isoformat()}".encode()).hexdigest()
    return "SM" + digest[:32]
