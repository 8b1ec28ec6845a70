"""Running a terminal program on a real pty: time to a first frame showing some text, RSS, keys."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS, SOS, PM, APC
    r"|\x1b[()][0-9A-Za-z]"  # charset
    r"|\x1b[=>NOM78c]"
)
PAGE_DOWN = b"\x1b[6~"
LOOK_BACK = 4096
"""Bytes before a new chunk searched with it: a needle or escape split between reads is
still found, and a big first frame costs the watcher no more than a small one."""


def visible(raw: str) -> str:
    """Terminal output without escape sequences."""
    return ANSI.sub("", raw)


def rss_kib(pid: int) -> int | None:
    """Resident set size of a live process, KiB (Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class PtyProgram:
    """A program started on a pty of `rows` x `cols`; read() collects its output."""

    argv: Sequence[str]
    env: Mapping[str, str]
    rows: int = 40
    cols: int = 120
    started: float = 0.0
    process: subprocess.Popen[bytes] | None = None
    master: int = -1
    output: list[str] = field(default_factory=list)
    _tail: str = ""

    def start(self) -> PtyProgram:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(self.argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(self.env),
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def read(self, timeout: float) -> str:
        """Whatever arrives within `timeout` seconds (at least one read attempt)."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0.0))
        if not ready:
            return ""
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return ""
        text = data.decode("utf-8", "replace")
        self.output.append(text)
        return text

    def wait_for(self, needle: str, timeout: float) -> float | None:
        """Seconds from start until `needle` shows in the visible output, or None."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            chunk = self.read(deadline - time.perf_counter())
            if not chunk:
                if self.process is not None and self.process.poll() is not None:
                    return None
                continue
            self._tail = (self._tail + chunk)[-65536:]
            if needle in visible(self._tail[-(len(chunk) + LOOK_BACK) :]):
                return time.perf_counter() - self.started
        return None

    def wait_for_after(self, needle: str, since: float, timeout: float) -> float | None:
        """Seconds from `since` (a perf_counter) until `needle` shows in new output."""
        self._tail = ""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            chunk = self.read(deadline - time.perf_counter())
            if not chunk:
                continue
            self._tail = (self._tail + chunk)[-65536:]
            if needle in visible(self._tail[-(len(chunk) + LOOK_BACK) :]):
                return time.perf_counter() - since
        return None

    def drain(self, quiet: float = 0.05, limit: float = 5.0) -> None:
        """Read until the program has been silent for `quiet` seconds."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline and self.read(quiet):
            pass

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            # The measurement is over: no graceful exit to wait for (nor to block on the pty).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1
