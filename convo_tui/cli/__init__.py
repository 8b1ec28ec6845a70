"""The `convo` command line (typer). Headless: it never imports Textual."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from typer.exceptions import Abort, TyperException

from convo_tui.cli import (
    admin,
    argv_checks,
    audit_cmd,
    conversation,
    doctor,
    first_run,
    listing,
    opt_outs_cmds,
    outbox_cmds,
    root,
    speed_cmds,
    sync_cmds,
)
from convo_tui.cli.app import app
from convo_tui.errors import ConvoError

__all__ = [
    "admin",
    "app",
    "audit_cmd",
    "conversation",
    "doctor",
    "first_run",
    "listing",
    "main",
    "opt_outs_cmds",
    "outbox_cmds",
    "root",
    "speed_cmds",
    "sync_cmds",
]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; a user's mistake is one line on stderr and a non-zero exit."""
    command = typer.main.get_command(app)
    try:
        argv_checks.check(command, list(argv) if argv is not None else sys.argv[1:])
        result = command.main(
            args=list(argv) if argv is not None else None,
            prog_name="convo",
            standalone_mode=False,
        )
    except TyperException as exc:  # usage errors: bad option, missing argument, bad value
        ctx = getattr(exc, "ctx", None)
        hint = f"; see: {ctx.command_path} --help" if ctx is not None else ""
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            # A group given no command: click's text is the whole help page.
            names = ", ".join(ctx.command.list_commands(ctx))
            _fail(f"{ctx.command_path} needs a command ({names}){hint}", 2)
        _fail(f"{exc.format_message().rstrip('.')}{hint}", exc.exit_code)
    except Abort:
        _fail("aborted", 130)
    except ConvoError as exc:
        _fail(exc.line(), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    sys.exit(result if isinstance(result, int) else 0)


def _fail(line: str, code: int) -> None:
    sys.stderr.write(f"convo: error: {line}\n")
    sys.exit(code)
