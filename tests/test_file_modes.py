"""Only the team reads the store: the modes convo gives its files, whatever the umask.

Real files made by the real CLI in child processes (run with umask 022 and 000),
checked with os.stat; and `convo doctor` on a store and a config left open.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from convo_tui.sandbox import Sandbox
from tests.cli_helpers import Result, run_process
from tests.sync_helpers import env_for

UMASKS = [0o022, 0o000]


def _convo(*args: str | Path, umask: int, env: dict[str, str] | None = None) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "convo_tui", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
        umask=umask,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    assert result.code == 0, result.out + result.err
    return result


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _wal_files(database: Path) -> list[Path]:
    """Open the store as any convo process does, with the umask wide open, and write:
    SQLite makes the -wal and -shm files then (they go when the last connection closes)."""
    old = os.umask(0)
    try:
        conn = sqlite3.connect(database)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS probe (x)")
        conn.commit()
        sides = [database.with_name(database.name + s) for s in ("-wal", "-shm")]
        found = {path: mode(path) for path in sides}
        conn.close()
    finally:
        os.umask(old)
    assert all(found.values())
    return [path for path, m in found.items() if m == mode(database)]


@pytest.mark.parametrize("umask", UMASKS, ids=["umask022", "umask000"])
def test_init_makes_a_private_data_folder_and_store(tmp_path: Path, umask: int) -> None:
    data = tmp_path / "xdg-data"
    _convo("init", umask=umask, env={"XDG_DATA_HOME": str(data)})
    folder, database = data / "convo", data / "convo" / "convo.sqlite3"
    assert (oct(mode(folder)), oct(mode(database))) == (oct(0o700), oct(0o600))
    assert len(_wal_files(database)) == 2  # -wal and -shm: 0600 as the store


@pytest.mark.parametrize("umask", UMASKS, ids=["umask022", "umask000"])
def test_demo_store_under_db_is_private(tmp_path: Path, umask: int) -> None:
    database = tmp_path / "new-folder" / "demo.sqlite3"
    _convo("demo", "--db", database, umask=umask)
    assert oct(mode(database.parent)) == oct(0o700)
    assert oct(mode(database)) == oct(0o600)
    assert len(_wal_files(database)) == 2


@pytest.mark.parametrize("umask", UMASKS, ids=["umask022", "umask000"])
def test_a_group_folder_keeps_its_group(tmp_path: Path, umask: int) -> None:
    """In a setgid folder a team shares the store: files 0660, a new folder 2770."""
    team = tmp_path / "team"
    team.mkdir()
    os.chmod(team, 0o2770)
    database = team / "inbox" / "convo.sqlite3"
    _convo("init", "--db", database, umask=umask)
    assert oct(mode(database.parent)) == oct(0o2770)
    assert oct(mode(database)) == oct(0o660)
    assert len(_wal_files(database)) == 2
    beside = team / "beside.sqlite3"  # straight in the group folder, which stays as it was
    _convo("init", "--db", beside, umask=umask)
    assert (oct(mode(team)), oct(mode(beside))) == (oct(0o2770), oct(0o660))


@pytest.mark.parametrize("umask", UMASKS, ids=["umask022", "umask000"])
def test_sync_lock_file_mode(tmp_path: Path, umask: int) -> None:
    team = tmp_path / "team"
    team.mkdir()
    os.chmod(team, 0o2770)
    alone = tmp_path / "alone" / "convo.sqlite3"
    shared = team / "convo.sqlite3"
    sb = Sandbox(port=0, seed=2026, simulate=False, history=False).start()  # a quick round
    try:
        for database, want in ((alone, 0o600), (shared, 0o660)):
            _convo("init", "--db", database, umask=umask)
            _convo("sync", "--once", "--db", database, umask=umask, env=env_for(sb))
            lock = database.with_name(database.name + ".sync-lock")
            assert oct(mode(lock)) == oct(want), lock
            assert oct(mode(database)) == oct(want)
    finally:
        sb.stop()


def _doctor(database: Path, config: Path | None = None) -> Result:
    env = {"CONVO_CONFIG_FILE": str(config)} if config else None
    result = run_process("doctor", "--db", database, "--only", "config", "--only", "store", env=env)
    assert result.code == 0, result.out + result.err  # warnings fail nothing
    return result


def _warnings(result: Result) -> list[str]:
    return [line for line in result.out.splitlines() if line.startswith("! ")]


def test_doctor_warns_about_a_store_others_can_read(tmp_path: Path) -> None:
    database = tmp_path / "store" / "convo.sqlite3"
    _convo("init", "--db", database, umask=0o022)
    assert _warnings(_doctor(database)) == []
    os.chmod(database, 0o644)
    (line,) = _warnings(_doctor(database))
    assert f"other users can read {database} (mode 644)" in line
    assert line.endswith(f"chmod 600 {database}")


def test_doctor_warns_about_convos_own_data_folder_left_open(tmp_path: Path) -> None:
    data = tmp_path / "xdg-data"
    _convo("init", umask=0o022, env={"XDG_DATA_HOME": str(data)})
    folder = data / "convo"
    os.chmod(folder, 0o755)
    result = run_process("doctor", "--only", "store", env={"XDG_DATA_HOME": str(data)})
    (line,) = _warnings(result)
    assert f"other users can open the folder {folder} (mode 755)" in line
    assert line.endswith(f"chmod 700 {folder}")


def test_doctor_warns_about_a_config_with_secrets_others_can_read(tmp_path: Path) -> None:
    database = tmp_path / "store" / "convo.sqlite3"
    _convo("init", "--db", database, umask=0o022)
    config = tmp_path / "config.toml"
    config.write_text('[twilio]\naccount_sid = "AC1"\nauth_token = "not-for-others"\n')
    os.chmod(config, 0o600)
    assert _warnings(_doctor(database, config)) == []
    os.chmod(config, 0o644)
    result = _doctor(database, config)
    (line,) = _warnings(result)
    assert f"config: {config} holds secrets and other users can read it (mode 644)" in line
    assert line.endswith(f"chmod 600 {config}")
    assert "not-for-others" not in result.out + result.err
    # A config without secrets (the keys table, the store's place) is nobody's secret.
    config.write_text('[keys]\nreply = "R"\n')
    assert _warnings(_doctor(database, config)) == []
