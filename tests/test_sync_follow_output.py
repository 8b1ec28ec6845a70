"""`convo sync --follow` in an 80-column pipe: one line per round, no table borders."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from convo_tui.sandbox import Sandbox
from convo_tui.store.engine import Store

from .cli_helpers import ctrl_c_stops_it
from .sync_helpers import env_for

ROUND = re.compile(r"\d\d:\d\d:\d\d #\d+: ")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False).start()
    yield sb
    sb.stop()


def test_follow_in_an_80_column_pipe_is_one_line_per_round(
    db_path: Path, store: Store, sandbox: Sandbox
) -> None:
    command = [sys.executable, "-m", "convo_tui", "sync", "--follow", "--interval", "1"]
    proc = subprocess.Popen(
        [*command, "--db", str(db_path)],
        env={**os.environ, **env_for(sandbox), "COLUMNS": "80"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_stops_it,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len([x for x in lines if ROUND.match(x)]) < 2:
        lines.append(proc.stdout.readline())  # a line arrives as each round ends (a pipe)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    lines += out.splitlines()
    assert proc.returncode == 0, err
    lines = [line.rstrip("\n") for line in lines if line.strip()]
    rounds = [line for line in lines if ROUND.match(line)]
    assert " #1: " in rounds[0] and "messages" in rounds[0], lines
    assert " #2: " in rounds[1], lines
    assert lines[0].startswith("convo sync --follow:") and lines[-1].startswith("Stopped after 2")
    assert all(len(line) <= 80 for line in lines), lines
    assert not any(set(line) & set("│┃━─┏┓┗┛╭╮╰╯") for line in lines), lines
