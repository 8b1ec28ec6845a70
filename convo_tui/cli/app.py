"""The typer application and the options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from convo_tui.cli.runtime import Runtime
from convo_tui.errors import BadInput

app = typer.Typer(
    name="convo",
    help="A keyboard-driven inbox for two-way SMS customer support.",
    no_args_is_help=False,
    add_completion=True,  # --install-completion, --show-completion (bash, zsh, fish, pwsh)
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="SQLite store file (overrides CONVO_DATABASE_URL and the config file).",
        dir_okay=False,
    ),
]
AgentOption = Annotated[
    str | None,
    typer.Option(
        "--agent",
        help="The agent to play on a demo, bench or test store (elsewhere: your OS login).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def runtime(ctx: typer.Context, db: Path | None = None, agent: str | None = None) -> Runtime:
    """The invocation's Runtime; options given on the command win over global ones."""
    rt: Runtime = ctx.ensure_object(Runtime)
    for login in (agent, rt.agent_login):
        if login is not None and not login.strip():
            raise BadInput(
                "--agent is empty",
                "give an agent login, or leave --agent out to act as your OS login",
            )
    if db is not None:
        rt.db = db
    if agent is not None:
        rt.agent_login = agent
    ctx.call_on_close(rt.close)
    return rt
