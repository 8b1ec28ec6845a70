"""Saved replies (`convo replies ...`) and tags (`convo tag`, `convo tags ...`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from convo_tui.cli.app import AgentOption, DbOption, JsonOption, app, runtime
from convo_tui.cli.conversation import PhoneArg
from convo_tui.core import profiles, saved_replies, tags
from convo_tui.display import safe

replies_app = typer.Typer(help="The team's saved replies.", no_args_is_help=True)
tags_app = typer.Typer(help="Tags on conversations.", invoke_without_command=True)
app.add_typer(replies_app, name="replies")
app.add_typer(tags_app, name="tags")

NameArg = Annotated[str, typer.Argument(help="The saved reply's name.")]
LanguageOption = Annotated[
    str | None,
    typer.Option("--language", help="A language code (en, pt...); none: for any customer."),
]
CategoryOption = Annotated[str | None, typer.Option("--category", help="e.g. Orders, Returns.")]
CloseOption = Annotated[bool, typer.Option("--close", help="Sending it closes the conversation.")]
SnoozeOption = Annotated[
    str | None, typer.Option("--snooze", help="Sending it snoozes: later-today, tomorrow...")
]
TagOption = Annotated[str | None, typer.Option("--tag", help="Sending it tags the conversation.")]
AssignOption = Annotated[
    str | None, typer.Option("--assign", help="Sending it assigns: me or a login.")
]


@replies_app.command("list")
def replies_list(
    ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Every saved reply with its category, language, text and actions."""
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, _me):
        found = saved_replies.listing(session)
    if as_json:
        rt.print_json({"replies": [asdict(r) for r in found]})
        return
    if not found:
        rt.out.print("No saved replies yet; add one with: convo replies add NAME TEXT")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("name", "category", "lang", "text", "on send"):
        table.add_column(column, no_wrap=column != "text")
    for r in found:
        table.add_row(
            safe(r.name), safe(r.category), r.language or "any", safe(r.body), r.action_words()
        )
    rt.out.print(table)


@replies_app.command("add")
def replies_add(
    ctx: typer.Context,
    name: NameArg,
    text: Annotated[str, typer.Argument(help="The text; {{ person.first_name }} and the like.")],
    category: CategoryOption = None,
    language: LanguageOption = None,
    close: CloseOption = False,
    snooze: SnoozeOption = None,
    tag: TagOption = None,
    assign: AssignOption = None,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Add a saved reply (owners, admins and managers)."""
    actions = saved_replies.check_actions(close=close, snooze_preset=snooze, tag=tag, assign=assign)
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        added = saved_replies.add(
            session,
            me,
            name=name,
            body=text,
            category=category or "",
            language=language,
            actions=actions,
            now=rt.now,
        )
    rt.out.print(Text("saved reply ") + safe(repr(added.name)) + Text(" added."))


@replies_app.command("edit")
def replies_edit(
    ctx: typer.Context,
    name: NameArg,
    text: Annotated[str | None, typer.Option("--text", help="A new text.")] = None,
    rename: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    category: CategoryOption = None,
    language: LanguageOption = None,
    close: CloseOption = False,
    snooze: SnoozeOption = None,
    tag: TagOption = None,
    assign: AssignOption = None,
    no_actions: Annotated[
        bool, typer.Option("--no-actions", help="Sending it does nothing more.")
    ] = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Change a saved reply's text, name, category or actions."""
    given = close or snooze or tag or assign
    actions = None
    if no_actions:
        actions = {}
    elif given:
        actions = saved_replies.check_actions(
            close=close, snooze_preset=snooze, tag=tag, assign=assign
        )
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        changed = saved_replies.edit(
            session,
            me,
            name,
            language=language,
            new_name=rename,
            body=text,
            category=category,
            actions=actions,
            now=rt.now,
        )
    rt.out.print(Text("saved reply ") + safe(repr(changed.name)) + Text(" changed."))


@replies_app.command("remove")
def replies_remove(
    ctx: typer.Context,
    name: NameArg,
    language: LanguageOption = None,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Remove a saved reply."""
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        gone = saved_replies.remove(session, me, name, language=language, now=rt.now)
    rt.out.print(Text("saved reply ") + safe(repr(gone.name)) + Text(" removed."))


@app.command()
def tag(
    ctx: typer.Context,
    phone: PhoneArg,
    name: Annotated[str, typer.Argument(help="The tag (one word: wismo, vip, returns...).")],
    remove: Annotated[bool, typer.Option("--remove", help="Take the tag off.")] = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Put a tag on a conversation (or take it off with --remove)."""
    tags.normalize(name)  # a bad tag is told before anything is looked up
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        found = profiles.find(session, phone, rt.settings(session).phone_default_region)
        conversation = profiles.require_conversation(session, found)
        cid = int(conversation.id or 0)
        act = tags.remove if remove else tags.add
        done = act(session, me, [cid], name, now=rt.now)
        name_shown = profiles.display_name(found)
    if remove:
        words = f"tag {done.tag} removed" if done.changed else f"had no tag {done.tag}"
    else:
        words = f"tagged {done.tag}" if done.changed else f"already tagged {done.tag}"
    rt.out.print(safe(name_shown) + Text(f": {words}."))


@tags_app.callback()
def tags_list(
    ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Every tag and how many conversations have it (`convo tags rename` renames one)."""
    if ctx.invoked_subcommand is not None:
        return
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, _me):
        found = tags.counts(session)
    if as_json:
        rt.print_json({"tags": [{"tag": n, "conversations": c} for n, c in found]})
        return
    if not found:
        rt.out.print("No tags yet; tag a conversation with: convo tag PHONE TAG")
        return
    table = Table(box=None, pad_edge=False)
    table.add_column("tag")
    table.add_column("conversations", justify="right")
    for name, count in found:
        table.add_row(name, f"{count:,}")
    rt.out.print(table)


@tags_app.command("rename")
def tags_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The tag as it is.")],
    new: Annotated[str, typer.Argument(help="Its new name (an existing tag: the two merge).")],
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Rename a tag on every conversation that has it."""
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        done = tags.rename(session, me, old, new, now=rt.now)
    plural = "" if done.changed == 1 else "s"
    rt.out.print(Text(f"renamed to {done.tag} on {done.changed:,} conversation{plural}."))
