"""`convo init`: the explicit first run that creates a store (nothing else does, but the demo)."""

from __future__ import annotations

import typer
from rich.text import Text

from convo_tui.cli.app import AgentOption, DbOption, app, runtime
from convo_tui.core import queries
from convo_tui.core.rows import InboxFilter
from convo_tui.store.engine import MissingStore

NEXT_STEPS = (
    "Next: configure a provider (see the README) and run `convo sync --once`; "
    "to try convo on demo data first, use a store of its own: `convo demo --db demo.sqlite3`."
)


@app.command()
def init(ctx: typer.Context, db: DbOption = None, agent: AgentOption = None) -> None:
    """Create the store (default: the per-user data folder; --db: that file and its folder)."""
    rt = runtime(ctx, db, agent)
    try:
        store = rt.store  # an existing store opens (and is upgraded) as usual
    except MissingStore:
        rt.creates = True
        store = rt.store
        with rt.reading() as (_session, me):  # the first agent becomes the owner
            rt.out.print(Text(f"Created the store {store.label}; {me.login} is its owner."))
        rt.out.print(Text(NEXT_STEPS))
        return
    with rt.reading() as (session, me):
        count = queries.inbox_count(session, InboxFilter(status=None))
    noun = "conversation" if count == 1 else "conversations"
    rt.out.print(Text(f"The store {store.label} already exists ({count} {noun}); nothing to do."))
