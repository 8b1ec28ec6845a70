"""`convo` with no command: the inbox, in the terminal UI or as a listing.

Apart from `app` (the typer object and the shared options, which every command
module imports) because it calls into the commands' own modules.
"""

from __future__ import annotations

import typer

from convo_tui.cli.app import AgentOption, DbOption, app
from convo_tui.cli.inbox_launch import interactive, open_inbox
from convo_tui.cli.listing import show_inbox
from convo_tui.cli.runtime import Runtime


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context, db: DbOption = None, agent: AgentOption = None) -> None:
    """Without a command: show the inbox."""
    rt = Runtime(db=db, agent_login=agent)
    ctx.obj = rt
    if ctx.invoked_subcommand is None:
        if interactive():
            raise typer.Exit(open_inbox(rt, demo=False))
        show_inbox(rt)
