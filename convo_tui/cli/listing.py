"""Read commands: inbox, thread, profile, sources."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.text import Text

from convo_tui import phones
from convo_tui.cli import render
from convo_tui.cli.app import AgentOption, DbOption, JsonOption, app, runtime
from convo_tui.cli.runtime import Runtime
from convo_tui.core import (
    assignment,
    conversation_read,
    profiles,
    queries,
    recipient_time,
    reply_guard,
    tags,
    timezones,
)
from convo_tui.core import sources as sources_mod
from convo_tui.core.replies import why_not
from convo_tui.core.rows import THREAD_PAGE, InboxFilter
from convo_tui.display import ago, money, safe
from convo_tui.store.kinds import Status

EMPTY_STORE = (
    "No conversations yet. Try convo on demo data with `convo demo`, "
    "or configure a provider (see the README) and run `convo sync --once`."
)


class StatusChoice(StrEnum):
    OPEN = "open"
    SNOOZED = "snoozed"
    CLOSED = "closed"
    ALL = "all"


def show_inbox(
    rt: Runtime,
    *,
    status: StatusChoice = StatusChoice.OPEN,
    unread: bool | None = None,
    attributed_to: str | None = None,
    limit: int = 50,
    assignee: str | None = None,
    tag: str | None = None,
    as_json: bool = False,
) -> None:
    with rt.reading() as (session, me):
        source_id = None
        if attributed_to:
            source_id = sources_mod.find_campaign_or_flow(session, attributed_to).id
        flt = InboxFilter(
            status=None if status is StatusChoice.ALL else Status(status.value),
            unread=unread,
            attributed_source_id=source_id,
            assignee=None if assignee is None else assignment.filter_key(session, me, assignee),
            tag=None if tag is None else tags.tag_id(session, tag),
        )
        rows = queries.inbox_page(session, flt, limit=limit)
        total = queries.inbox_count(session, flt)
        unread_total = queries.unread_count(session)
        show_unread = rt.settings(session).notifications_unread_indicator
        any_conversation = bool(rows) or queries.inbox_count(session, InboxFilter(status=None)) > 0
    if as_json:
        rt.print_json(
            {
                "filter": {
                    "status": status.value,
                    "unread": unread,
                    "attributed_to": attributed_to,
                    "assignee": assignee,
                    "tag": tag,
                },
                "matching": total,
                "unread_conversations": unread_total,
                "conversations": [render.inbox_json(row) for row in rows],
            }
        )
        return
    parts = [f"{status.value}"]
    if unread is not None:
        parts.append("unread" if unread else "read")
    if attributed_to:
        parts.append(f"attributed to {attributed_to}")
    if assignee is not None:
        parts.append({"me": "mine", "none": "unassigned"}.get(assignee, f"{assignee}'s"))
    if tag is not None:
        parts.append(f"tagged {tags.normalize(tag)}")
    title = f"Inbox: {', '.join(parts)} — {total} conversation{'s' if total != 1 else ''}"
    if show_unread:
        title += f" · {unread_total} unread"
    if len(rows) < total:
        title += f" (showing {len(rows)}; use --limit)"
    if not rows:
        rt.out.print(Text(title))
        if total == 0 and not any_conversation:
            rt.out.print(Text(EMPTY_STORE))
        else:
            rt.out.print(Text("No conversations match."))
        return
    rt.out.print(render.inbox_table(rows, rt.now, title=title, width=rt.out.width))


@app.command()
def inbox(
    ctx: typer.Context,
    status: Annotated[
        StatusChoice, typer.Option("--status", help="open, snoozed, closed or all.")
    ] = StatusChoice.OPEN,
    unread: Annotated[
        bool | None, typer.Option("--unread/--read", help="Only unread, or only read.")
    ] = None,
    attributed_to: Annotated[
        str | None,
        typer.Option("--attributed-to", help="Campaign or flow name (or id) replies answer."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
    assignee: Annotated[
        str | None,
        typer.Option("--assignee", help="me, none (unassigned) or an agent's login."),
    ] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", help="Only conversations with this tag.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """List conversations, newest activity first."""
    show_inbox(
        runtime(ctx, db, agent),
        status=status,
        unread=unread,
        attributed_to=attributed_to,
        limit=limit,
        assignee=assignee,
        tag=tag,
        as_json=as_json,
    )


@app.command()
def thread(
    ctx: typer.Context,
    phone: Annotated[str, typer.Argument(help="The customer's phone number.")],
    show_all: Annotated[
        bool, typer.Option("--all", help="Every message, not the last 50.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Show the messages with one customer (the last 50)."""
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, me):
        profile = profiles.find(session, phone, rt.settings(session).phone_default_region)
        messages = conversation_read.thread(
            session, profile.id or 0, limit=None if show_all else THREAD_PAGE
        )
        total = conversation_read.message_count(session, profile.id or 0)
        newest = reply_guard.newest_id(session, profile.id or 0)
        name = profiles.display_name(profile)
    if as_json:
        rt.print_json(
            {
                "phone": profile.phone,
                "name": name,
                "total_messages": total,
                "newest_message_id": newest or None,
                "messages": [render.message_json(m) for m in messages],
            }
        )
        return
    header = safe(name)
    if name != phones.pretty(profile.phone):  # an unknown number's name is the number
        header.append(f"  {phones.pretty(profile.phone)}", style="dim")
    if len(messages) < total:
        header.append(f"  (last {len(messages)} of {total}; --all for every one)", style="dim")
    rt.out.print(header)
    for line in render.thread_lines(messages, rt.now, timezones.agent_zone(me)):
        rt.out.print(line)
    if newest:
        rt.out.print(
            Text(f"newest #{newest}: reply with  convo reply --after {newest} ...", style="dim")
        )


@app.command()
def profile(
    ctx: typer.Context,
    phone: Annotated[str, typer.Argument(help="The customer's phone number.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Show a customer's profile, recent activity and orders."""
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, _me):
        settings = rt.settings(session)
        found = profiles.find(session, phone, settings.phone_default_region)
        conversation = profiles.conversation_of(session, found)
        block = why_not(found, conversation, settings, sender=rt.config.twilio.from_number)
        recipient = recipient_time.check(
            recipient_time.resolve(found, rt.now),
            rt.now,
            start=settings.quiet_hours_start,
            end=settings.quiet_hours_end,
        )
        events = queries.events(session, found.id or 0, limit=20)
        orders = queries.orders(session, found.id or 0, limit=10)
    data = {
        "phone": found.phone,
        "name": profiles.display_name(found),
        "first_name": found.first_name,
        "last_name": found.last_name,
        "email": found.email,
        "sms_consent": found.sms_consent,
        "blocked": found.blocked,
        "location": {
            key: getattr(found, key)
            for key in (
                "address1",
                "address2",
                "city",
                "region",
                "country",
                "zip",
                "timezone",
                "latitude",
                "longitude",
            )
        },
        "local_time": recipient.local.isoformat() if recipient.local else None,
        # When the zone is not certain: the local time now in each candidate zone.
        "local_times": [t.isoformat() for t in recipient.spread],
        "time_zone": recipient.zone.name,
        "time_zone_candidates": list(recipient.zone.candidates),
        "time_zone_source": recipient.zone.source,
        "quiet_hours_now": recipient.quiet,
        "conversation": None
        if conversation is None
        else {
            "status": conversation.status,
            "unread": conversation.unread,
            "snooze_until": conversation.snooze_until.isoformat()
            if conversation.snooze_until
            else None,
        },
        "can_reply": block is None,
        "reply_refused": None if block is None else {"reason": block.reason, "why": block.message},
        "activity": [render.event_json(e) for e in events],
        "orders": [render.order_json(o) for o in orders],
    }
    if as_json:
        rt.print_json(data)
        return
    out = rt.out
    title = safe(str(data["name"]))
    if data["name"] != phones.pretty(found.phone):  # an unknown number's name is the number
        title.append(f"  {phones.pretty(found.phone)}")
    out.print(title)
    out.print(Text("email: ") + safe(found.email or "-"))
    consent = found.sms_consent.lower().replace("_", " ")
    out.print(Text(f"SMS consent: {consent}" + ("   BLOCKED" if found.blocked else "")))
    place = ", ".join(p for p in (found.city, found.region, found.country) if p)
    out.print(Text("location: ") + safe(place or "unknown"))
    if recipient.local is not None:
        note = "  (quiet hours: replies wait)" if recipient.quiet else ""
        out.print(Text(f"local time: {recipient.local:%H:%M} ({recipient.zone.describe()}){note}"))
    elif not recipient.unknown:
        note = "  (quiet hours in at least one: replies wait)" if recipient.quiet else ""
        out.print(Text(f"local time: {recipient.local_words()}{note}"))
        out.print(Text(f"time zone: {recipient.zone.describe(every=True)}"))
    else:
        out.print(Text("local time: unknown (no time zone, location or telling phone number)"))
    if conversation is not None:
        out.print(
            Text(
                f"conversation: {conversation.status}" + (", unread" if conversation.unread else "")
            )
        )
    out.print(
        Text("reply: allowed") if block is None else Text("reply: refused — ") + safe(block.message)
    )
    if events:
        out.print(Text("\nactivity", style="bold"))
        for event in events:
            out.print(Text(f"  {ago(event.occurred_at, rt.now):>4}  ") + safe(event.metric))
    if orders:
        out.print(Text("\norders", style="bold"))
        for order in orders:
            out.print(
                Text(f"  {order.placed_at:%Y-%m-%d}  ")
                + safe(order.external_id)
                + Text(f"  {order.status}  {money(order.total_cents, order.currency)}")
            )
            for line in order.lines:
                out.print(
                    Text(f"      {line.quantity} × ")
                    + safe(line.product_name)
                    + Text(f"  {money(line.unit_price_cents, order.currency)}")
                )


@app.command()
def sources(
    ctx: typer.Context,
    as_json: JsonOption = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """List the campaigns and flows (what `inbox --attributed-to` takes: name or id)."""
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, _me):
        found = sources_mod.campaigns_and_flows(session)
    if as_json:
        rt.print_json([{"name": s.name, "kind": s.kind, "id": s.external_id} for s in found])
        return
    if not found:
        rt.out.print(Text("No campaigns or flows yet (they arrive with `convo sync`)."))
        return
    for source in found:
        rt.out.print(safe(source.name) + Text(f"  {source.kind}  {source.external_id or '-'}"))
