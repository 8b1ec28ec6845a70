"""Commands that act on one conversation: reply, snooze, close, reopen, read state, block."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text
from sqlmodel import Session

from convo_tui import phones
from convo_tui.cli.app import AgentOption, DbOption, app, runtime
from convo_tui.core import (
    assignment,
    compose,
    conversations,
    notes,
    profiles,
    recipient_time,
    replies,
    reply_guard,
    snooze,
    timezones,
)
from convo_tui.display import safe
from convo_tui.errors import ConvoError, Refused
from convo_tui.store.models import Agent, Conversation, Profile

PhoneArg = Annotated[str, typer.Argument(help="The customer's phone number.")]


@app.command()
def reply(
    ctx: typer.Context,
    phone: PhoneArg,
    text: Annotated[str, typer.Argument(help="The reply.")],
    media: Annotated[
        list[str] | None,
        typer.Option("--media", help="Attach media by URL (MMS); repeat for several."),
    ] = None,
    anyway: Annotated[
        bool, typer.Option("--anyway", help="Send now even in the recipient's quiet hours.")
    ] = False,
    at_next_window: Annotated[
        bool,
        typer.Option(
            "--at-next-window",
            help="In quiet hours, send when the window opens (08:00 recipient time).",
        ),
    ] = False,
    after: Annotated[
        int | None,
        typer.Option(
            "--after",
            help="The newest message you read (convo thread shows it): refused when "
            "something newer came in.",
            min=0,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Send even though another agent just replied."),
    ] = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Queue a reply: shows its cost, and warns in the recipient's quiet hours."""
    if anyway and at_next_window:
        raise ConvoError("--anyway and --at-next-window contradict each other", "pick one")
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        settings = rt.settings(session)
        found = profiles.find(session, phone, settings.phone_default_region)
        replies.check_allowed(session, found, settings, sender=rt.config.twilio.from_number)
        replies.check_content(text, media or [])
        reply_guard.check(session, found.id or 0, me, seen_id=after, now=rt.now, force=force)
        draft = compose.draft(found, text, settings, now=rt.now)
        if draft.removed:
            rt.err.print(Text(draft.removed))
        rt.out.print(Text(draft.cost_line()))
        send_at = None
        warning = draft.quiet.warning()
        if warning and not anyway:
            # Suggest only what will work: with their zone unknown there is no "their time".
            if draft.next_window is None:
                raise Refused(
                    f"not queued: {warning}", "add --anyway to send now, or snooze and retry"
                )
            if not at_next_window:
                raise Refused(
                    f"not queued: {warning}",
                    "add --anyway to send now, or --at-next-window to send at "
                    f"{draft.window_words()}",
                )
            send_at = draft.next_window
        elif warning:
            rt.err.print(Text(f"warning: {warning}; sending anyway"))
        message = replies.queue_reply(
            session,
            me,
            found,
            text,
            settings=settings,
            media=media or [],
            sender=rt.config.twilio.from_number,
            send_at=send_at,
            seen_id=after,
            force=force,
            now=rt.now,
        )
        name = profiles.display_name(found)
        recipient = draft.quiet.zone
        my_zone = timezones.agent_zone(me)
    pretty = phones.pretty(found.phone)
    # An unknown number's name is the number: said once.
    who = safe(name) + (Text(f" ({pretty})") if name not in (pretty, found.phone) else Text())
    if send_at is None:
        held = settings.replies_send_delay
        later = (
            f"; it goes out in {held} s (until then: convo outbox recall {message.id})."
            if held
            else "; sent by the next sync."
        )
        rt.out.print(Text(f"Queued reply #{message.id} to ") + who + Text(later))
        return
    theirs = recipient_time.their_time(recipient, send_at, full=True)
    mine = send_at.astimezone(my_zone)
    rt.out.print(
        Text(f"Scheduled reply #{message.id} to ")
        + who
        + Text(f" for {theirs}, {mine:%a %Y-%m-%d %H:%M} yours ({mine.tzname()}).")
    )


def _conversation_command(
    ctx: typer.Context,
    phone: str,
    db: Path | None,
    agent: str | None,
    act: Callable[[Session, Profile, Conversation, Agent], str],
) -> None:
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        found = profiles.find(session, phone, rt.settings(session).phone_default_region)
        conversation = profiles.require_conversation(session, found)
        done = act(session, found, conversation, me)
        name = profiles.display_name(found)
    rt.out.print(safe(name) + Text(f": {done}."))


@app.command(name="snooze")
def snooze_cmd(
    ctx: typer.Context,
    phone: PhoneArg,
    until: Annotated[
        str,
        typer.Argument(
            help="later-today, tomorrow, next-week, a duration (2h, 3d), HH:MM "
            "or 'YYYY-MM-DD HH:MM', in your time zone."
        ),
    ] = "later-today",
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Hide a conversation until a reminder time; then it is open again."""

    def act(session: Session, _p: Profile, conversation: Conversation, me: Agent) -> str:
        zone = timezones.agent_zone(me)
        rt = ctx.obj
        when = snooze.parse(until, rt.now, zone)
        conversations.snooze(session, conversation, me, when, now=rt.now)
        local = when.astimezone(zone)
        return f"snoozed until {local:%a %Y-%m-%d %H:%M} ({local.tzname()})"

    _conversation_command(ctx, phone, db, agent, act)


@app.command()
def close(
    ctx: typer.Context, phone: PhoneArg, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Close (archive) a conversation; a new text from the customer reopens it."""

    def act(session: Session, _p: Profile, conversation: Conversation, me: Agent) -> str:
        conversations.close(session, conversation, me, now=ctx.obj.now)
        return "closed"

    _conversation_command(ctx, phone, db, agent, act)


@app.command()
def reopen(
    ctx: typer.Context, phone: PhoneArg, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Reopen a closed or snoozed conversation."""

    def act(session: Session, _p: Profile, conversation: Conversation, me: Agent) -> str:
        conversations.reopen(session, conversation, me, now=ctx.obj.now)
        return "open"

    _conversation_command(ctx, phone, db, agent, act)


@app.command(name="mark-read")
def mark_read(
    ctx: typer.Context, phone: PhoneArg, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Mark a conversation read."""

    def act(session: Session, _p: Profile, conversation: Conversation, me: Agent) -> str:
        conversations.set_unread(session, conversation, me, False, now=ctx.obj.now)
        return "marked read"

    _conversation_command(ctx, phone, db, agent, act)


@app.command(name="mark-unread")
def mark_unread(
    ctx: typer.Context, phone: PhoneArg, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Mark a conversation unread again."""

    def act(session: Session, _p: Profile, conversation: Conversation, me: Agent) -> str:
        conversations.set_unread(session, conversation, me, True, now=ctx.obj.now)
        return "marked unread"

    _conversation_command(ctx, phone, db, agent, act)


@app.command()
def block(
    ctx: typer.Context, phone: PhoneArg, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Block a customer: the conversation closes, their texts are kept without notifications."""
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        found = profiles.find(session, phone, rt.settings(session).phone_default_region)
        conversations.block(
            session, found, profiles.conversation_of(session, found), me, now=rt.now
        )
        name = profiles.display_name(found)
    rt.out.print(safe(name) + Text(": blocked; their texts are still stored, silently."))


@app.command()
def unblock(
    ctx: typer.Context, phone: PhoneArg, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Undo a block."""
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        found = profiles.find(session, phone, rt.settings(session).phone_default_region)
        conversations.unblock(session, found, me, now=rt.now)
        name = profiles.display_name(found)
    rt.out.print(safe(name) + Text(": unblocked."))


@app.command()
def assign(
    ctx: typer.Context,
    phone: PhoneArg,
    who: Annotated[str, typer.Argument(help="me, none (unassign) or an agent's login.")],
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Give a conversation to an agent (they are told), to yourself, or to nobody."""

    def act(session: Session, _p: Profile, conversation: Conversation, me: Agent) -> str:
        done = assignment.assign(
            session, conversation, me, assignment.resolve(me, who), now=ctx.obj.now
        )
        if not done.changed:
            return f"already {_whose(done.after, me)}"
        return f"{_whose(done.after, me)} (was {_whose(done.before, me)})"

    _conversation_command(ctx, phone, db, agent, act)


def _whose(login: str | None, me: Agent) -> str:
    if login is None:
        return "unassigned"
    return "assigned to you" if login == me.login else f"assigned to {login}"


@app.command()
def note(
    ctx: typer.Context,
    phone: PhoneArg,
    text: Annotated[str, typer.Argument(help="The note; @login tells that agent.")],
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Add an internal note to a conversation: for the team, never sent to the customer."""
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        found = profiles.find(session, phone, rt.settings(session).phone_default_region)
        added = notes.add_note(session, me, found, text, now=rt.now)
        name = profiles.display_name(found)
    line = safe(name) + Text(f": note #{added.message_id} added (not sent to the customer)")
    if added.mentioned:
        line.append(f"; told {', '.join(added.mentioned)}")
    rt.out.print(line + Text("."))
    if added.unknown:
        rt.err.print(
            Text(f"warning: no agent {', '.join('@' + u for u in added.unknown)} in this store")
        )
