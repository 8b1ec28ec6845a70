"""Human-readable output. Customer text goes through `visible` and into `Text`, never markup."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.table import Table
from rich.text import Text

from convo_tui import phones
from convo_tui.core.rows import EventRow, InboxRow, OrderRow, ThreadMessage
from convo_tui.display import (
    ago,  # shared with the terminal UI
    money,
    safe,
)
from convo_tui.text import one_line, visible

WAIT_ALERT = timedelta(hours=1)


def inbox_table(rows: list[InboxRow], now: datetime, *, title: str, width: int) -> Table:
    """The inbox as a table that fits `width`: the message column takes what is left."""
    wide = width >= 120
    table = Table(title=title, title_justify="left", expand=True, pad_edge=False, box=None)
    table.add_column("", width=1, no_wrap=True)
    table.add_column("who", min_width=8, max_width=24, no_wrap=True, overflow="ellipsis")
    if wide:
        table.add_column("phone", no_wrap=True)
    table.add_column("agent", min_width=2, no_wrap=True)
    table.add_column("last message", ratio=1, min_width=10, no_wrap=True, overflow="ellipsis")
    table.add_column("when", justify="right", min_width=4, no_wrap=True)
    table.add_column("status", min_width=6, no_wrap=True)
    table.add_column("wait", justify="right", min_width=4, no_wrap=True)
    table.add_column(
        "attributed to",
        min_width=6,
        max_width=24 if wide else 14,
        no_wrap=True,
        overflow="ellipsis",
    )
    for row in rows:
        dot = Text("●", style="bold blue") if row.unread else Text(" ")
        arrow = "→ " if row.last_direction == "outbound" else ""
        waiting = Text(ago(row.waiting_since, now))
        if row.waiting_since is not None and now - row.waiting_since > WAIT_ALERT:
            waiting.stylize("bold red")
        status = row.status
        if row.status == "snoozed" and row.snooze_until is not None:
            status = f"snoozed {ago(now, row.snooze_until)}"
        phone = [Text(phones.pretty(row.phone))] if wide else []
        table.add_row(
            dot,
            safe(row.name),
            *phone,
            Text(row.assignee_initials),
            Text(" ".join(f"#{t}" for t in row.tag_list) + " " if row.tags else "", style="magenta")
            + Text(arrow)
            + Text(one_line(row.preview)),
            Text(ago(row.last_message_at, now)),
            Text(status + (" blocked" if row.blocked else "")),
            waiting,
            safe(row.attributed_to),
        )
    return table


def inbox_json(row: InboxRow) -> dict[str, Any]:
    return {
        "conversation_id": row.conversation_id,
        "profile_id": row.profile_id,
        "phone": row.phone,
        "name": row.name,
        "status": row.status,
        "unread": row.unread,
        "last_message_at": row.last_message_at.isoformat(),
        "last_message_preview": row.preview,
        "last_message_direction": row.last_direction,
        "waiting_since": row.waiting_since.isoformat() if row.waiting_since else None,
        "snooze_until": row.snooze_until.isoformat() if row.snooze_until else None,
        "attributed_to": row.attributed_to,
        "blocked": row.blocked,
        "assignee": row.assignee_login,
        "tags": row.tag_list,
    }


def message_json(msg: ThreadMessage) -> dict[str, Any]:
    return {
        "id": msg.id,
        "direction": msg.direction,
        "label": msg.label,
        "source": msg.source_kind,
        "source_name": msg.source_name,
        "agent": msg.agent_login,
        "body": msg.body,
        "sent_at": msg.sent_at.isoformat(),
        "status": msg.status,
        "error_code": msg.error_code,
        "error_message": msg.error_message,
        "keyword": msg.keyword,
        "attributed_to": msg.attributed_to,
        "provider_sid": msg.provider_sid,
        "media": [{"url": m.url, "content_type": m.content_type} for m in msg.media],
    }


def thread_lines(messages: list[ThreadMessage], now: datetime, zone: Any) -> list[Text]:
    lines: list[Text] = []
    for msg in messages:
        when = msg.sent_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        head = Text(f"{when}  ", style="dim")
        if msg.is_note:  # never sent: said so, in its own colour
            head.append(f"NOTE (internal, not sent) {visible(msg.label)}", style="bold yellow")
        else:
            style = "bold cyan" if msg.direction == "inbound" else "bold"
            head.append(visible(msg.label), style=style)
        head.append(f"  #{msg.id}", style="dim")
        if msg.direction == "outbound":
            status = msg.status
            if msg.error_code:
                status += f" ({msg.error_code}: {msg.error_message or 'error'})"
            head.append(f"  [{status}]", style="red" if msg.error_code else "dim")
        if msg.attributed_to:
            head.append(f"  ← {visible(msg.attributed_to)}", style="magenta")
        lines.append(head)
        indent = "  ┃ " if msg.is_note else "    "
        for body_line in (msg.body or "").split("\n"):
            lines.append(Text(indent, style="yellow" if msg.is_note else "") + safe(body_line))
        for media in msg.media:
            lines.append(
                Text("    📎 ")
                + safe(media.content_type or "attachment")
                + Text(" ")
                + safe(media.url)
            )
    return lines


def event_json(event: EventRow) -> dict[str, Any]:
    return {
        "metric": event.metric,
        "at": event.occurred_at.isoformat(),
        "properties": event.properties,
    }


def order_json(order: OrderRow) -> dict[str, Any]:
    return {
        "order_id": order.external_id,
        "placed_at": order.placed_at.isoformat(),
        "status": order.status,
        "currency": order.currency,
        "total": money(order.total_cents, order.currency),
        "lines": [
            {
                "product": line.product_name,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price_cents, order.currency),
            }
            for line in order.lines
        ],
    }
