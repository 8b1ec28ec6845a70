"""Running the real `convo` command line in-process and as a subprocess."""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from convo_tui.cli import main

if TYPE_CHECKING:  # zygote.py imports Result from here
    from .zygote import Zygote


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def assert_one_line_error(self, *fragments: str) -> None:
        """A user's mistake: non-zero exit, one line on stderr, no traceback."""
        assert self.code != 0, (self.out, self.err)
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("convo: error: "), self.err
        assert "Traceback" not in self.err + self.out
        for fragment in fragments:
            assert fragment in lines[0], lines[0]


def ctrl_c_stops_it() -> None:
    """For `Popen(preexec_fn=...)` of a child a test stops with SIGINT: a suite started in
    the background of a non-interactive shell ignores SIGINT, and its children would too."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Result:
    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


_ZYGOTE: Zygote | None = None


def run_process(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 60
) -> Result:
    """The entry point in a child process of its own, as a user runs it: forked from a
    process that imported the command line once (tests/zygote.py), with this argv, the
    environment, the working directory, stdin closed, and its exit code and stderr."""
    global _ZYGOTE
    from .zygote import Zygote

    if _ZYGOTE is None:
        _ZYGOTE = Zygote()
        atexit.register(_ZYGOTE.close)
    full_env = {**os.environ, **(env or {})}
    return _ZYGOTE.run([str(a) for a in args], env=full_env, cwd=os.getcwd(), timeout=timeout)


def run_spawned(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 60
) -> Result:
    """`python -m convo_tui ARGS` started from nothing (imports and all)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "convo_tui", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
