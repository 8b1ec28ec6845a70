"""Real OS users for the team stories: a group, users in it, and a setgid folder the
group shares (what `Running convo for a team` in the README sets up). Needs root."""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Host:
    folder: Path
    group: str
    gid: int
    users: dict[str, int]


def can_make_users() -> bool:
    return os.geteuid() == 0 and shutil.which("useradd") is not None


@contextmanager
def team_host(count: int = 2) -> Iterator[Host]:
    """A group of `count` new users (logins sort in the order made) and their folder."""
    tag = secrets.token_hex(3)
    group = f"cvt{tag}"
    users = [f"cv{chr(ord('a') + n)}{tag}" for n in range(count)]
    folder = Path(f"/tmp/convo-team-{tag}")
    subprocess.run(["groupadd", group], check=True)
    try:
        for name in users:
            subprocess.run(
                ["useradd", "-M", "-N", "-g", group, "-s", "/usr/sbin/nologin", name], check=True
            )
        folder.mkdir()
        gid = grp.getgrnam(group).gr_gid
        os.chown(folder, 0, gid)
        os.chmod(folder, 0o2770)  # a group folder: what is made in it takes its group
        yield Host(folder, group, gid, {name: pwd.getpwnam(name).pw_uid for name in users})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for name in users:
            subprocess.run(["userdel", name], check=False, capture_output=True)
        subprocess.run(["groupdel", group], check=False, capture_output=True)
