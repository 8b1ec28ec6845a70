"""A throwaway PostgreSQL server for the team-mode tests: Debian's programs (`make test`
installs them), a cluster in a temporary folder, on a free loopback port, stopped
at the end of the test session. Each test gets a database of its own."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "convo"


def programs() -> Path | None:
    """The folder of initdb and pg_ctl: on the path, or Debian's newest version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: p.split("/")[4])
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(argv: list[str], owner: str | None) -> None:
    # The server refuses to run as root: as root, it runs as the `postgres` account.
    command = ["runuser", "-u", owner, "--", *argv] if owner else argv
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@contextmanager
def server() -> Iterator[str]:
    """Start a server; yields the URL of its maintenance database (`postgres`)."""
    bin_dir = programs()
    if bin_dir is None:
        raise RuntimeError(
            "no PostgreSQL server programs: `make test` installs Debian's postgresql"
        )
    owner = None
    folder = Path(tempfile.mkdtemp(prefix="convo-pg-"))
    if os.geteuid() == 0:
        owner = "postgres"
        uid = pwd.getpwnam(owner).pw_uid
        os.chown(folder, uid, -1)
    data, port = folder / "data", _free_port()
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER], owner)
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "start",
                "-l",
                str(folder / "log"),
            ],
            owner,
        )
        try:
            yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], owner)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server_url: str) -> str:
    """A fresh, empty database on the server; its URL."""
    import psycopg

    name = f"convo_{uuid.uuid4().hex[:12]}"
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
