"""The outbox (queued and scheduled replies) and the short-link service."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text
from sqlmodel import col, select

from convo_tui.cli.app import AgentOption, DbOption, JsonOption, app, runtime
from convo_tui.cli.render import safe
from convo_tui.core import outbox, timezones
from convo_tui.errors import BadInput, NotFound
from convo_tui.store.models import Message, OutboxItem, Profile

outbox_app = typer.Typer(help="Replies waiting to be sent.", no_args_is_help=True)
links_app = typer.Typer(help="The short-link redirect service.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
app.add_typer(links_app, name="links")


@outbox_app.command("list")
def outbox_list(
    ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Replies not sent yet (pending, queued, scheduled), soonest first, by their number."""
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, me):
        rows = session.exec(
            select(OutboxItem, Message.body, Message.status, Profile.phone)
            .join(Message, col(Message.id) == col(OutboxItem.message_id))
            .join(Profile, col(Profile.id) == col(OutboxItem.profile_id))
            .where(col(OutboxItem.state).in_(outbox.WAITING))
            .order_by(col(OutboxItem.send_at), col(OutboxItem.id))
        ).all()
        zone = timezones.agent_zone(me)
    if as_json:
        rt.print_json(
            [
                {
                    "id": item.message_id,
                    "phone": phone,
                    "body": body,
                    "state": item.state,
                    "send_at": item.send_at.isoformat(),
                    "scheduled": item.send_at > rt.now,
                    "attempts": item.attempts,
                    "in_doubt": _in_doubt(item),
                    "last_error": item.last_error,
                }
                for item, body, _, phone in rows
            ]
        )
        return
    if not rows:
        rt.out.print(Text("The outbox is empty."))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "to", "send at (yours)", "state", "text"):
        table.add_column(column, no_wrap=column != "text", overflow="ellipsis")
    for item, body, status, phone in rows:
        when = item.send_at.astimezone(zone)
        state = "in doubt" if _in_doubt(item) else item.state
        if item.state == "held":
            state = "held (possible opt-out)"
        if item.send_at > rt.now:  # held for the send delay (recallable), or scheduled
            state = "pending" if status == "pending" else "scheduled"
        table.add_row(str(item.message_id), phone, f"{when:%Y-%m-%d %H:%M %Z}", state, safe(body))
    rt.out.print(table)


def _in_doubt(item: OutboxItem) -> bool:
    """Sent, maybe: its answer was lost or unreadable, and the sync is looking it up."""
    return item.state == "sending" and (item.accepted or item.last_error is not None)


ReplyNumber = Annotated[
    str,
    typer.Argument(
        metavar="NUMBER", help="The reply's number, as `convo reply` and `convo outbox list` show."
    ),
]
MAX_NUMBER = 2**63 - 1
"""The largest id a store holds (SQL's BIGINT)."""


def reply_number(text: str) -> int:
    """A reply number as typed, or one line saying it is none (not a traceback for a
    number past what a store can hold, nor a usage box for a word)."""
    value = text.strip()
    if not value.isdigit() or not 0 < int(value) <= MAX_NUMBER:
        raise BadInput(f"{text} is not a reply number", "see the numbers with: convo outbox list")
    return int(value)


@outbox_app.command("cancel")
def outbox_cancel(
    ctx: typer.Context, number: ReplyNumber, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Cancel a queued or scheduled reply before it is sent (it stays in the thread)."""
    reply_id = reply_number(number)
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        item = session.exec(select(OutboxItem).where(OutboxItem.message_id == reply_id)).first()
        if item is None:
            raise NotFound(f"no outbox item {reply_id}", "see: convo outbox list")
        outbox.cancel(session, item, me, now=rt.now)
    rt.out.print(Text(f"Cancelled reply #{reply_id}."))


@outbox_app.command("recall")
def outbox_recall(
    ctx: typer.Context, number: ReplyNumber, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Take back a reply the sync has not sent yet: it leaves the thread, its text is printed."""
    reply_id = reply_number(number)
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        recalled = outbox.recall(session, reply_id, me, now=rt.now)
    rt.out.print(Text(f"Recalled reply #{reply_id}; it was not sent. Its text:"))
    rt.out.print(safe(recalled.body))
    for url in recalled.media:
        rt.out.print(Text("media: ") + safe(url))


@links_app.command("serve")
def links_serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8787,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Run the redirect service for short links (302 to the URL; clicks become activity)."""
    from convo_tui.errors import ConvoError
    from convo_tui.serve.links import make_server

    rt = runtime(ctx, db, agent)
    with rt.reading():
        pass  # the agent must be allowed to use this store
    try:
        server = make_server(rt.store, host, port)
    except OSError as exc:
        raise ConvoError(
            f"cannot listen on {host}:{port} ({exc.strerror})", "pick another --port or --host"
        ) from None
    bound_host, bound_port = server.server_address[:2]
    rt.out.print(Text(f"Short links served on http://{bound_host!s}:{bound_port} (Ctrl-C stops)"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
