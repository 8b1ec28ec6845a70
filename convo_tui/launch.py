"""The `convo` command's entry: the inbox on a terminal opens without loading the CLI.

`convo`, `convo --db PATH` and `convo --agent NAME` on a terminal paint the
inbox from a quick read of the store (convo_tui.opening) before Typer,
SQLAlchemy and the commands are imported. Anything else, or anything the quick
path cannot decide (no store yet, a first run, an upgrade, a refused agent),
goes to the full command line, which reports it as it always has.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def inbox_options(argv: Sequence[str]) -> tuple[Path | None, str | None] | None:
    """(--db, --agent) when `argv` asks for nothing but the inbox, else None."""
    db: str | None = None
    agent: str | None = None
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=")
        if name not in ("--db", "--agent"):
            return None
        if not eq:
            if not rest or rest[0].startswith("-"):
                return None  # let the CLI say what is missing
            value = rest.pop(0)
        if not value:
            return None
        if name == "--db":
            db = value
        else:
            agent = value
    return (Path(db) if db is not None else None, agent)


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    options = inbox_options(args)
    if options is not None and sys.stdin.isatty() and sys.stdout.isatty():
        from convo_tui.opening import open_fast

        code = open_fast(*options)
        if code is not None:
            sys.exit(code)
    from convo_tui.cli import main as cli_main

    cli_main(args)
