"""Settings, agents and the demo."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from convo_tui.cli.app import AgentOption, DbOption, JsonOption, app, runtime
from convo_tui.cli.runtime import Runtime
from convo_tui.core import agents as agents_mod
from convo_tui.core import roles
from convo_tui.core import settings as settings_mod
from convo_tui.display import safe

settings_app = typer.Typer(help="Show or change the inbox settings.", no_args_is_help=True)
agents_app = typer.Typer(help="Manage who may use the inbox.", no_args_is_help=True)
app.add_typer(settings_app, name="settings")
app.add_typer(agents_app, name="agents")


@settings_app.command("show")
def settings_show(
    ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None, agent: AgentOption = None
) -> None:
    """Show every setting with its value."""
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, _me):
        values = settings_mod.as_dict(settings_mod.load(session))
    if as_json:
        rt.print_json(values)
        return
    table = Table(box=None, pad_edge=False)
    table.add_column("setting", no_wrap=True)
    table.add_column("value")
    table.add_column("meaning", style="dim")
    for key, value in values.items():
        table.add_row(key, safe(settings_mod.value_text(value)), settings_mod.SPECS[key].help)
    rt.out.print(table)


@settings_app.command("set")
def settings_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The setting, e.g. auto_reply.enabled.")],
    value: Annotated[str, typer.Argument(help="Its new value (on/off, a number, text...).")],
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Change a setting; it takes effect at once for every agent."""
    rt = runtime(ctx, db, agent)
    parsed = settings_mod.parse_value(key, value)
    with rt.acting() as (session, me):
        stored = settings_mod.set_value(session, me, key, parsed, now=rt.now)
    rt.out.print(Text(f"{key} = ") + safe(settings_mod.value_text(stored)))  # as `show` says it


@agents_app.command("list")
def agents_list(
    ctx: typer.Context,
    include_removed: Annotated[bool, typer.Option("--all", help="Include removed agents.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """List the agents of this store and their roles."""
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, _me):
        found = agents_mod.list_agents(session, include_removed=include_removed)
    if as_json:
        rt.print_json(
            [
                {
                    "login": a.login,
                    "name": a.name,
                    "role": a.role,
                    "active": a.active,
                    "may_use_inbox": a.role in roles.INBOX_ROLES,
                    "timezone": a.timezone,
                    "email": a.email,
                }
                for a in found
            ]
        )
        return
    table = Table(box=None, pad_edge=False)
    for column in ("login", "name", "role", "inbox", "time zone"):
        table.add_column(column)
    for a in found:
        inbox = "yes" if a.role in roles.INBOX_ROLES and a.active else "no"
        table.add_row(
            safe(a.login),
            safe(a.name),
            a.role + ("" if a.active else " (removed)"),
            inbox,
            a.timezone or "host",
        )
    rt.out.print(table)


@agents_app.command("add")
def agents_add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Their OS login on the support host.")],
    role: Annotated[
        str, typer.Option("--role", help=f"One of: {', '.join(roles.KNOWN_ROLES)}.")
    ] = "support",
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    timezone: Annotated[str, typer.Option("--timezone", help="IANA zone for snooze presets.")] = "",
    email: Annotated[
        str,
        typer.Option("--email", help="Where their mentions and assignments are emailed."),
    ] = "",
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Add an agent, or change the role of an existing one (owners and admins only)."""
    from convo_tui.core import timezones
    from convo_tui.errors import ConvoError

    if timezone and not timezones.is_zone(timezone):
        raise ConvoError(
            f"unknown time zone {timezone!r}", "use an IANA name such as Europe/Lisbon"
        )
    if email:
        agents_mod.check_email(email)
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        added = agents_mod.add_agent(session, me, login, role, name=name, now=rt.now)
        if timezone:
            added.timezone = timezone
        if email:
            added.email = email.strip()
        made, statements = agents_mod.database_role(session, login, role)
    rt.out.print(Text(f"{login} is now {role}."))
    _say_role(rt, login, made, statements)


@agents_app.command("remove")
def agents_remove(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="The agent to remove.")],
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Remove an agent's access; what they did stays recorded under their name."""
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        removed = agents_mod.remove_agent(session, me, login, now=rt.now)
        made, statements = agents_mod.database_role(session, login, removed.role, active=False)
    rt.out.print(Text(f"{login} removed."))
    _say_role(rt, login, made, statements)


@agents_app.command("roles")
def agents_roles(
    ctx: typer.Context,
    apply: Annotated[
        bool, typer.Option("--apply", help="Create them now (needs CREATEROLE).")
    ] = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """PostgreSQL: the group roles and grants that let the database refuse what each
    inbox role may not do (printed as SQL for the administrator, or --apply)."""
    from convo_tui.errors import ConvoError
    from convo_tui.store import dialect

    rt = runtime(ctx, db, agent)
    if rt.store.server is None:
        raise ConvoError(
            "database roles are for a PostgreSQL store; a SQLite file has none",
            "see 'Running convo for a team' in the README for a shared SQLite host",
        )
    with rt.store.engine.begin() as conn:
        if apply:
            if not dialect.apply_team_roles(conn):
                raise ConvoError(
                    "this database role may not create roles",
                    "run `convo agents roles` and hand its SQL to the database administrator",
                )
            rt.out.print(Text("Group roles and grants applied."))
            return
        rt.out.print(Text(";\n".join(dialect.team_roles_sql(conn)) + ";"))


def _say_role(rt: Runtime, login: str, made: bool, statements: list[str]) -> None:
    """On PostgreSQL: the database role, done, or the SQL its administrator runs."""
    if made:
        rt.out.print(Text(f"Database role {login}: set (it logs in by peer, password or cert)."))
    elif statements:
        rt.err.print(
            Text(
                "convo: this database role may not create roles; ask the database "
                "administrator to run:\n" + ";\n".join(statements) + ";"
            )
        )


@app.command()
def demo(
    ctx: typer.Context,
    reset: Annotated[
        bool, typer.Option("--reset", help="Empty the demo store and load the data again.")
    ] = False,
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Load the demo data set (once, or again with --reset) and open the inbox on the
    embedded sandbox, synced live (without a terminal: print the inbox)."""
    from convo_tui.cli.inbox_launch import ProgressLine, interactive, open_inbox
    from convo_tui.cli.listing import show_inbox
    from convo_tui.core import demo as demo_mod

    rt = runtime(ctx, db, agent)
    rt.creates = True  # the demo makes its own store (directories included) when missing
    progress = ProgressLine()  # the load takes seconds: say what is loading meanwhile
    try:
        report = demo_mod.load(rt.store, now=rt.now, wipe=reset, progress=progress)
    finally:
        progress.done()
    if report.profiles:
        rt.out.print(
            Text(
                f"Loaded the demo: {report.profiles} profiles, {report.inbound} customer texts, "
                f"{report.outbound} business texts, {report.replies} agent replies, "
                f"{report.events} events, {report.orders} orders into {rt.store.label}."
            )
        )
    if interactive():
        progress("Opening the inbox…")  # the sandbox starts, then the inbox paints
        try:
            code = open_inbox(rt, demo=True)
        finally:
            progress.done()
        raise typer.Exit(code)
    show_inbox(rt)
