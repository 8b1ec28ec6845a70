"""Run `convo` as a child process without paying its imports each time.

A zygote is one Python process that imports the command line once and then forks a
child for each command: the child is a fresh process with its own argv, environment,
working directory, stdin (/dev/null), stdout and stderr, and exit code, exactly as
`python -m convo_tui ARGS` would give, less the second of imports (sqlmodel, typer,
rich) a walk of every command otherwise spends 240 times. Nothing of convo reads the
environment at import time (checked by the walk itself: its scenarios live in the
environment each child gets).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .cli_helpers import Result

_SERVER = r"""
import contextlib, json, os, signal, sys, tempfile, time
import convo_tui.cli, convo_tui.launch  # the imports every child shares

# First line: commands to run here before serving ("{tmp}" is a folder of this process),
# so that what they import lazily is imported once for every child (a child running as
# another user could not read the interpreter's own modules under a private home).
with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet:
    for args in json.loads(sys.stdin.readline()):
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            try:
                convo_tui.launch.main([a.replace("{tmp}", tmp) for a in args])
            except SystemExit:
                pass

for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 70  # EX_SOFTWARE: the child could not even start the command
        try:
            os.chdir(job["cwd"])
            os.environ.clear()
            os.environ.update(job["env"])
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            out = os.open(job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            err = os.open(job["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, 1)
            os.dup2(err, 2)
            if job.get("user"):  # [uid, gid]: the command runs as that OS user
                uid, gid = job["user"]
                os.setgroups([gid])
                os.setresgid(gid, gid, gid)
                os.setresuid(uid, uid, uid)
                os.chdir(job["cwd"])
            sys.stdin = open(0, closefd=False)
            sys.stdout = open(1, "w", closefd=False)
            sys.stderr = open(2, "w", closefd=False)
            sys.argv = ["convo", *job["args"]]
            code = 0
            try:
                convo_tui.launch.main(job["args"])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                import traceback
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    deadline = time.monotonic() + job["timeout"]
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.005)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print(json.dumps({"code": None}), flush=True)
        continue
    print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class Zygote:
    """One forking server; `run` may be called from several threads (one at a time)."""

    def __init__(self, warm_up: list[list[str]] | None = None) -> None:
        """`warm_up`: commands run in the server before any child (their output is
        dropped; "{tmp}" in an argument is a folder of the server's own)."""
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(warm_up or []) + "\n")
        self._proc.stdin.flush()
        self._lock = threading.Lock()
        self._dir = tempfile.TemporaryDirectory(prefix="convo-zygote-")

    def run(
        self,
        args: list[str],
        *,
        env: dict[str, str],
        cwd: str,
        timeout: float,
        user: tuple[int, int] | None = None,
    ) -> Result:
        """`user`: (uid, gid) the child drops to before running the command."""
        with self._lock:
            out, err = Path(self._dir.name) / "out", Path(self._dir.name) / "err"
            job = {
                "args": args,
                "env": env,
                "cwd": cwd,
                "timeout": timeout,
                "out": str(out),
                "err": str(err),
                "user": list(user) if user is not None else None,
            }
            assert self._proc.stdin is not None and self._proc.stdout is not None
            self._proc.stdin.write(json.dumps(job) + "\n")
            self._proc.stdin.flush()
            answer = json.loads(self._proc.stdout.readline())
            stdout = out.read_text(errors="replace")
            stderr = err.read_text(errors="replace")
        if answer["code"] is None:
            return Result(-1, stdout, f"still running after {timeout:g} s")
        return Result(answer["code"], stdout, stderr)

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)
        self._dir.cleanup()
