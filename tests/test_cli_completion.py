"""Shell completion as typer offers it: `convo --show-completion SHELL` prints the script,
and the script's callback completes commands."""

from __future__ import annotations

import shlex
import subprocess
import sys

from .cli_helpers import run_process


def test_show_completion_prints_a_bash_script() -> None:
    """Typed in bash, as a user does: typer finds the shell among the process's parents
    (under a test runner with no shell above it, it could not)."""
    command = f"{shlex.quote(sys.executable)} -m convo_tui --show-completion; exit $?"
    shown = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.returncode == 0, shown.stderr
    assert "_convo_completion()" in shown.stdout
    assert "complete -o default -F _convo_completion convo" in shown.stdout


def test_the_completion_callback_completes_commands() -> None:
    """What bash runs on tab after `convo in`."""
    env = {"_CONVO_COMPLETE": "complete_bash", "COMP_WORDS": "convo in", "COMP_CWORD": "1"}
    done = run_process(env=env)
    assert done.code == 0, done.err
    assert {"inbox", "init"} <= set(done.out.split())


def test_install_completion_is_offered() -> None:
    assert "--install-completion" in run_process("--help").out
