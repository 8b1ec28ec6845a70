"""`convo audit`: who did what, from the audit log (owners, admins and managers)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from convo_tui import phones
from convo_tui.cli.app import DbOption, JsonOption, app, runtime
from convo_tui.core import audit, roles, timezones
from convo_tui.display import safe
from convo_tui.errors import AccessDenied


@app.command("audit")
def audit_cmd(
    ctx: typer.Context,
    agent_login: Annotated[
        str | None,
        typer.Option("--agent", help="Only what this agent (login) did."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="From then on: 2h, 3d, 1w, 2026-12-01 (your time)..."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Who did what, newest first. You act as your OS login here: --agent filters."""
    rt = runtime(ctx, db)
    with rt.reading() as (session, me):
        if me.role not in roles.CHANGE_SETTINGS:
            raise AccessDenied(
                f"{me.login} is {me.role}: the audit log is for owners, admins and managers",
                "ask one of them",
            )
        zone = timezones.agent_zone(me)
        moment = audit.parse_since(since, rt.now, zone) if since is not None else None
        rows = audit.entries(session, agent_login=agent_login, since=moment, limit=limit)
    if as_json:
        rt.print_json(
            [
                {
                    "at": row.at.isoformat(),
                    "agent": row.agent_login,
                    "os_login": row.os_login,
                    "action": row.action,
                    "phone": row.phone,
                    "detail": row.detail,
                }
                for row in rows
            ]
        )
        return
    if not rows:
        rt.out.print(Text("Nothing in the audit log matches."))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("when", "agent", "action", "customer", "detail"):
        table.add_column(column, no_wrap=column != "detail", overflow="ellipsis")
    for row in rows:
        who = row.agent_login or "(system)"
        if row.os_login and row.os_login != row.agent_login:
            who += f" (as OS user {row.os_login})"
        table.add_row(
            f"{row.at.astimezone(zone):%Y-%m-%d %H:%M}",
            safe(who),
            safe(row.action),
            phones.pretty(row.phone) if row.phone else "",
            safe(row.detail),
        )
    rt.out.print(table)
