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


class Cluster:
    """A server that a test may stop and start again (a database outage), on the same port.
    With `password`, it authenticates every connection (scram-sha-256) and `url` carries
    the superuser's password; else it trusts every connection from the loopback."""

    def __init__(
        self, bin_dir: Path, folder: Path, owner: str | None, password: str | None = None
    ) -> None:
        self.bin_dir, self.folder, self.owner = bin_dir, folder, owner
        self.data, self.port = folder / "data", _free_port()
        self.password = password
        login = f"{USER}:{password}" if password else USER
        self.url = f"postgresql+psycopg://{login}@127.0.0.1:{self.port}/postgres"

    def url_for(self, login: str, password: str, database: str = "postgres") -> str:
        """The URL of `database` for role `login` (with its password)."""
        return f"postgresql+psycopg://{login}:{password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "log")
        ctl = str(self.bin_dir / "pg_ctl")
        _run([ctl, "-D", str(self.data), "-o", options, "-w", "start", "-l", log], self.owner)

    def stop(self, mode: str = "immediate") -> None:
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "stop"], self.owner)


def require_programs() -> None:
    """For a fixture: skip without the server programs, or fail under CI (where `make
    test` installs them, so their absence is a broken set-up, not a reason to skip)."""
    import pytest

    if programs() is None:
        message = "no PostgreSQL server programs (`make test` installs Debian's postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def cluster(*, authenticate: bool = False) -> Iterator[Cluster]:
    """Start a server; yields it (its `url` is the maintenance database, `postgres`).
    `authenticate`: every login needs its password (scram-sha-256), as a team's server
    does; else the loopback is trusted (which proves nothing about roles)."""
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
    try:
        password = uuid.uuid4().hex if authenticate else None
        found = Cluster(bin_dir, folder, owner, password)
        init = [str(bin_dir / "initdb"), "-D", str(found.data), "-U", USER]
        if password is None:
            init += ["-A", "trust"]
        else:
            pwfile = folder / "superuser-password"
            pwfile.write_text(password + "\n")
            if owner is not None:
                os.chown(pwfile, pwd.getpwnam(owner).pw_uid, -1)
            init += ["-A", "scram-sha-256", "--pwfile", str(pwfile)]
        _run(init, owner)
        found.start()
        try:
            yield found
        finally:
            if (found.data / "postmaster.pid").exists():  # a test may have left it stopped
                found.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def server() -> Iterator[str]:
    """Start a server; yields the URL of its maintenance database (`postgres`)."""
    with cluster() as found:
        yield found.url


def new_database(server_url: str, name: str | None = None) -> str:
    """A fresh, empty database on the server; its URL."""
    import psycopg

    name = name or f"convo_{uuid.uuid4().hex[:12]}"
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
