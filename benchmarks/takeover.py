"""How long a store goes without a sync when the one holding the lock is SIGKILLed.

    .venv/bin/python benchmarks/takeover.py [--runs 5] [--postgres URL]

A child process takes the sync lock and is killed; the terminal inbox's
BackgroundSync (live interval, 5 s) in this process takes over. Printed per store:
the gap from the kill to the lock taken and to the end of the first round, beside
the floor (the same BackgroundSync starting on a free lock).
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from convo_tui import clock
from convo_tui.config import Config, KlaviyoConfig, TwilioConfig
from convo_tui.sandbox import Sandbox
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.open import open_store
from convo_tui.sync.runner import BackgroundSync

HOLDER = (
    "import sys, time; from convo_tui.store.open import open_store;"
    "from convo_tui.sync.lock import Holder, SyncLock;"
    "l = SyncLock(open_store(sys.argv[1], migrate=False), Holder.me('service')).__enter__();"
    "print('locked', flush=True); time.sleep(600)"
)


def config_for(sb: Sandbox) -> Config:
    c = sb.credentials
    return Config(
        twilio=TwilioConfig(sb.base_url, c.account_sid, c.auth_token, from_number=c.from_number),
        klaviyo=KlaviyoConfig(base_url=sb.base_url, api_key=c.klaviyo_api_key),
    )


def until(what: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not what():
        if time.monotonic() > deadline:
            raise SystemExit("no take-over within a minute")
        time.sleep(0.01)


def one(store: Store, url: str, sb: Sandbox, *, held: bool) -> tuple[float, float]:
    """(seconds to the lock, seconds to the first round's end) from the kill (or start)."""
    holder = None
    if held:
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE)
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    sync = BackgroundSync(store, config_for(sb), interval=5.0).start()
    try:
        if holder is not None:
            until(lambda: sync.status().state == "elsewhere")
            holder.send_signal(signal.SIGKILL)
            holder.wait()
        began = clock.utcnow()
        until(lambda: any(r.finished for r in sync.health().rounds))
        first = sync.health().rounds[-1]  # newest first
        assert first.finished is not None
        return (first.started - began).total_seconds(), (first.finished - began).total_seconds()
    finally:
        sync.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL database URL to measure as well")
    args = parser.parse_args()
    sb = Sandbox(port=0, seed=2026, simulate=False, history=False).start()
    urls = [sqlite_url(Path(tempfile.mkdtemp()) / "takeover.sqlite3")]
    if args.postgres:
        urls.append(args.postgres)
    print(f"| store | to the lock (median of {args.runs}) | to a round's end | floor: free lock |")
    print("|---|---|---|---|")
    try:
        for url in urls:
            store = open_store(url)
            floor = statistics.median(one(store, url, sb, held=False)[1] for _ in range(args.runs))
            runs = [one(store, url, sb, held=True) for _ in range(args.runs)]
            store.close()
            kind = url.split(":", 1)[0]
            lock = statistics.median(r[0] for r in runs)
            done = statistics.median(r[1] for r in runs)
            print(f"| {kind} | {lock:.2f} s | {done:.2f} s | {floor:.2f} s |")
    finally:
        sb.stop()


if __name__ == "__main__":
    main()
