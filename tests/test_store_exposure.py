"""A SQLite store that other users of the host can read is said at start: one warning
line on stderr for a command (with the chmod that closes it), a toast in the terminal UI,
and doctor's store check (not twice there)."""

from __future__ import annotations

import os

import pytest

from convo_tui.core import agents

from .cli_helpers import run
from .conftest import NOW
from .tui_helpers import make_app, notifications, started


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _open_to_others(store, db_path) -> None:
    with store.write() as session:
        agents.identify(session, "ana", now=NOW)
    os.chmod(db_path, 0o644)


def test_a_command_warns_once_when_others_can_read_the_store(capsys, store, db_path) -> None:
    _open_to_others(store, db_path)
    listed = run(capsys, "inbox", "--json", "--db", db_path, "--agent", "ana")
    assert listed.code == 0 and listed.json()["matching"] == 0  # stdout stays JSON
    warning = f"convo: warning: other users can read {db_path} (mode 644) — chmod 600 {db_path}"
    assert listed.err.strip().splitlines() == [warning]
    doctor = run(capsys, "doctor", "--only", "store", "--db", db_path, "--agent", "ana")
    assert "convo: warning" not in doctor.err
    assert f"other users can read {db_path} (mode 644)" in doctor.out
    os.chmod(db_path, 0o600)
    assert run(capsys, "inbox", "--db", db_path, "--agent", "ana").err == ""


@pytest.mark.anyio
async def test_the_terminal_ui_says_so_in_a_toast(store, db_path) -> None:
    _open_to_others(store, db_path)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        for _ in range(20):
            await pilot.pause(0.05)
            if any("other users can read" in t for t in notifications(app)):
                break
        assert any(f"other users can read {db_path} (mode 644)" in t for t in notifications(app))
