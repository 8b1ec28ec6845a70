"""Every command, run as a user runs it (a child process of its own, forked from a process
that has imported the command line once: see tests/zygote.py), meets the faults a user can
cause:
a read-only store, a store path in a missing directory, an unreachable database, and a bad
`[keys]` table. Each answers with one `convo: error: …` line and a non-zero exit.

The commands are read from the typer app, so a new command is walked automatically; the
few that legitimately succeed in a scenario are listed below with the reason.
"""

from __future__ import annotations

import os
import pty
import queue
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer

from convo_tui.cli import app
from convo_tui.core import agents

from .cli_helpers import Result
from .conftest import CUSTOMER, NOW, open_test_store
from .zygote import Zygote

ROOT = Path(__file__).resolve().parent.parent


def commands() -> list[tuple[str, ...]]:
    """Every runnable command path of the typer app; () is plain `convo`."""
    found: list[tuple[str, ...]] = [()]

    def walk(group: Any, prefix: tuple[str, ...]) -> None:
        for name, command in group.commands.items():
            if hasattr(command, "commands"):  # a group (typer's own click)
                walk(command, (*prefix, name))
            else:
                found.append((*prefix, name))

    walk(typer.main.get_command(app), ())
    return found


SAMPLE_ARGUMENTS = {
    "phone": CUSTOMER,
    "sender": CUSTOMER,
    "body": "hello",
    "login": "zed",
    "item_id": "1",
    "number": "1",
}
"""A valid-looking value for the parameters named so; others get "1" (…_id) or "x"."""
OVERRIDES: dict[tuple[str, ...], list[str]] = {
    ("settings", "set"): ["quiet_hours.start", "21:00"],
    ("sync",): ["--once"],
    ("opt-outs", "resolve"): [CUSTOMER, "--opt-out"],
}


def arguments(path: tuple[str, ...]) -> list[str]:
    """Arguments that get the command past its own checks to the store."""
    if path in OVERRIDES:
        return OVERRIDES[path]
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        value = SAMPLE_ARGUMENTS.get(param.name or "")
        if value is None:
            value = "1" if (param.name or "").endswith("_id") else "x"
        if param.opts[0].startswith("-"):
            args.append(param.opts[0])
        args.append(value)
    return args


# Commands that never open the store nor read the config file: they succeed in every scenario.
NO_STORE_NO_CONFIG: dict[tuple[str, ...], str] = {
    ("sandbox", "serve"): "serves the embedded sandbox until Ctrl-C; no store, no config",
}
EXEMPT: dict[str, dict[tuple[str, ...], str]] = {
    "read-only store": {
        **NO_STORE_NO_CONFIG,
        ("sandbox", "text"): "talks to the sandbox only; it never opens the store",
    },
    "missing directory": {
        **NO_STORE_NO_CONFIG,
        ("sandbox", "text"): "talks to the sandbox only; it never opens the store",
        # Creating the store is what these two are for (checked in test_init_creates_...).
        ("init",): "creates the store, directories included, and says so",
        ("demo",): "creates the demo store, directories included",
    },
    "unreachable database": {
        **NO_STORE_NO_CONFIG,
        ("sandbox", "text"): "talks to the sandbox only; it never opens the store",
    },
    "bad [keys] table": dict(NO_STORE_NO_CONFIG),
}
FRAGMENT = {
    "read-only store": "read-only",
    "missing directory": "convo init",
    "unreachable database": "is unreachable",  # "the database at HOST is unreachable"
    "bad [keys] table": "[keys]",
}


@dataclass
class Scenario:
    name: str
    env: dict[str, str]
    front: list[str] = field(default_factory=list)
    """Options before the command (--db, --agent)."""


def seeded(path: Path, login: str) -> Path:
    store = open_test_store(path)
    with store.write() as session:
        agents.identify(session, login, now=NOW)
    store.close()
    return path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for path in IMMUTABLE:
        subprocess.run(["chattr", "-i", str(path)], check=False)
    IMMUTABLE.clear()


IMMUTABLE: list[Path] = []


def immutable(path: Path) -> None:
    """Make `path` unwritable even for root (chattr +i), or skip where that is not possible."""
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: no way to make a file read-only")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0 or os.access(path, os.W_OK):
        pytest.skip(f"running as root and chattr +i failed: {done.stderr!r}")
    IMMUTABLE.append(path)


def scenario(name: str, place: Path) -> Scenario:
    home = place / "home"
    (home / "config").mkdir(parents=True)
    (home / "data").mkdir()
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    login = "olivia"
    if name == "read-only store":
        db = seeded(place / "convo.sqlite3", login)
        db.chmod(0o444)
        if os.access(db, os.W_OK):  # root writes whatever the mode says: make it immutable
            immutable(db)
        return Scenario(name, env, ["--db", str(db), "--agent", login])
    if name == "missing directory":
        return Scenario(name, env, ["--db", str(place / "no" / "such" / "convo.sqlite3")])
    if name == "unreachable database":
        url = f"postgresql+psycopg://convo:hunter2@127.0.0.1:{closed_port()}/convo"
        return Scenario(name, {**env, "CONVO_DATABASE_URL": url}, ["--agent", login])
    assert name == "bad [keys] table"
    db = seeded(place / "convo.sqlite3", login)
    config = place / "config.toml"
    config.write_text('[keys]\n"inbox.dwon" = "n"\n')
    return Scenario(
        name, {**env, "CONVO_CONFIG_FILE": str(config)}, ["--db", str(db), "--agent", login]
    )


def run_child(s: Scenario, args: list[str], timeout: float = 30) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVO_")}
    env.update(s.env)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "convo_tui", *s.front, *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
            cwd=s.env["HOME"],
        )
    except subprocess.TimeoutExpired as exc:  # e.g. a server that started after all
        return Result(-1, str(exc.stdout or ""), f"still running after {timeout:g} s")
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def zygotes() -> Iterator[list[Zygote]]:
    """Two forking servers: each command of the walk is still a child process of its own
    (argv, environment, cwd, exit code, stderr), without a second of imports each."""
    made = [Zygote(), Zygote()]
    yield made
    for zygote in made:
        zygote.close()


def run_forked(zygote: Zygote, s: Scenario, args: list[str], timeout: float = 30) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVO_")}
    env.update(s.env)
    return zygote.run([*s.front, *args], env=env, cwd=s.env["HOME"], timeout=timeout)


def problems(result: Result, fragment: str) -> str | None:
    """What is wrong with the answer, or None when it is one error line naming `fragment`."""
    lines = result.err.strip().splitlines()
    if result.code == 0:
        return f"exit 0; stdout {result.out[-200:]!r}"
    if "Traceback" in result.err + result.out:
        return f"a traceback: {result.err.strip().splitlines()[-1]!r}"
    if len(lines) != 1 or not lines[0].startswith("convo: error: "):
        return f"not one error line: {result.err[-400:]!r}"
    if fragment not in lines[0]:
        return f"no {fragment!r} in {lines[0]!r}"
    if "hunter2" in result.err:
        return "the password is shown"
    return None


@pytest.mark.parametrize("name", list(FRAGMENT))
def test_every_command_gives_one_error_line(name: str, place: Path, zygotes: list[Zygote]) -> None:
    s = scenario(name, place)
    exempt = EXEMPT[name]
    walked = [path for path in commands() if path not in exempt]
    assert ("inbox",) in walked and () in walked and ("settings", "set") in walked

    free: queue.Queue[Zygote] = queue.Queue()
    for zygote in zygotes:
        free.put(zygote)

    def attempt(path: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
        zygote = free.get()
        try:
            result = run_forked(zygote, s, [*path, *arguments(path)])
        finally:
            free.put(zygote)
        return path, problems(result, FRAGMENT[name])

    with ThreadPoolExecutor(max_workers=len(zygotes)) as pool:
        failures = {" ".join(p) or "(no command)": why for p, why in pool.map(attempt, walked)}
    wrong = {command: why for command, why in failures.items() if why is not None}
    assert not wrong, "\n".join(f"convo {command}: {why}" for command, why in wrong.items())
    assert set(exempt) <= set(commands()), "an exemption names a command that is gone"


def test_plain_convo_on_a_terminal_with_a_bad_keys_table(place: Path) -> None:
    """The terminal path (the quick first page) reports the table as the CLI does."""
    s = scenario("bad [keys] table", place)
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVO_")}
    env.update(s.env, TERM="xterm-256color")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "convo_tui", *s.front],
            stdin=secondary,
            stdout=secondary,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    err = proc.stderr.decode()
    assert problems(Result(proc.returncode, "", err), "inbox.dwon") is None, err


def keys_config(place: Path, table: str) -> dict[str, str]:
    config = place / "keys.toml"
    config.write_text("[keys]\n" + table)
    return {"CONVO_CONFIG_FILE": str(config)}


def test_a_remap_that_takes_another_actions_key_is_refused(place: Path) -> None:
    s = scenario("bad [keys] table", place)
    s.env.update(keys_config(place, 'reply = "s"\n'))
    line = run_child(s, ["inbox"])
    line.assert_one_line_error(
        '[keys] reply = "s" takes the key of snooze (s)', "choose another key or remap snooze too"
    )
    s.env.update(keys_config(place, 'reply = "s"\nsnooze = "S"\n'))
    moved = run_child(s, ["inbox"])
    assert moved.code == 0, moved.err


@pytest.mark.parametrize(
    ("table", "refused"),
    [
        ({"reply": "s"}, "takes the key of snooze (s)"),  # two screen keys
        ({"inbox.down": "s"}, "takes the key of snooze (s)"),  # the list pane under the screen
        ({"composer.coupon": "q"}, "takes the key of quit (q)"),  # a pane under the app
        ({"reply": "?"}, "takes the key of help (?)"),
        ({"reply": "x", "close": "x"}, "takes the key of close (x)"),  # two remaps at once
        ({"thread.older": "j"}, "takes the key of thread.down (j)"),  # within one pane
        ({"reply": ""}, "reply has no key"),
        ({"nope": "x"}, "unknown binding id 'nope'"),
    ],
)
def test_which_remaps_are_refused(table: dict[str, str], refused: str) -> None:
    from convo_tui.app import keymap_of
    from convo_tui.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        keymap_of(table)
    assert refused in caught.value.line()


@pytest.mark.parametrize(
    "table",
    [
        # Panes never focused together may share a key.
        {"inbox.down": "e", "thread.down": "e"},
        {"side.next_tab": "j"},  # j moves in the list and scrolls the thread: other panes
        {"reply": "R", "close": "x"},
        {"thread.older": "h"},  # its own default again
        {"reply": "s", "snooze": "S"},  # snooze moved away first
    ],
)
def test_remaps_that_share_no_focus_are_allowed(table: dict[str, str]) -> None:
    from convo_tui.app import keymap_of

    assert set(keymap_of(table)) == set(table)
