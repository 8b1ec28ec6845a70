"""`make bench`: every figure of issue 6 beside its floor, in one run, judged against its goal.

Generated stores are cached under `benchmarks/.stores/` (named by size, seed
and generator version) and reused. Processes that measure start-up, memory,
keys and quiet hours are fresh ones, so one figure never warms another.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import convo_bench
from convo_bench import figures
from convo_bench.generate import BENCH_AGENT, GENERATOR_VERSION, generate
from convo_bench.ptyrun import PAGE_DOWN, PtyProgram, rss_kib, visible
from convo_tui.app import POLL_SECONDS
from convo_tui.cli.inbox_launch import LIVE_INTERVAL
from convo_tui.core.rows import InboxFilter
from convo_tui.store.engine import sqlite_url

SIZES = (1_000, 100_000, 1_000_000)
SEARCH_SIZE = 1_000_000
"""The 1M-conversation store holds 5,000,000 messages: it is the search store too."""
SEED = 2026
FIGURES = (
    "generate",
    "startup",
    "keys",
    "queries",
    "search",
    "ingest",
    "quiet",
    "inbound",
    "team",
)
SYNC_INTERVAL = LIVE_INTERVAL
"""Seconds between sync rounds of the TUI against a provider."""
KEY_RUNS = 3
"""Processes the keys figure is measured in (its presses are pooled)."""
BENCHMARKS = str(Path(convo_bench.__file__).resolve().parent.parent)
"""The folder convo_bench is imported from."""
TEAM_PARTNER = "bench2"
TEAM_NAME = "Zed Quux"
TEAM_INITIALS = "ZQ"
"""Agent A's name on the team figure's store: its initials show on B's row once A takes it."""
TEAM_ACTIONS = ("note", "reply", "assignment", "close")
STARTED_AFTER = 1.5
"""Seconds after the first paint at which start-up RSS is read (loading takes about 0.5 s)."""


@dataclass
class Row:
    figure: str
    size: str
    floor: str
    floor_value: float | None
    value: float
    unit: str
    goal: str
    status: str
    command: str
    ratio: float | None = None
    median: float | None = None
    p95: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Bench:
    root: Path
    sizes: Sequence[int] = SIZES
    repeat: int = 5
    only: Sequence[str] = FIGURES
    rows: list[Row] = field(default_factory=list)
    say: Callable[[str], None] = print
    python: str = sys.executable

    @property
    def stores(self) -> Path:
        return self.root / ".stores"

    def command(self, figure: str, size: int | None = None) -> str:
        parts = ["make", "bench", f"BENCH_ARGS='--only {figure}"]
        if size is not None:
            parts[-1] += f" --sizes {size}"
        parts[-1] += "'"
        return " ".join(parts)

    # Stores ------------------------------------------------------------------------

    def store(self, conversations: int) -> Path:
        messages = conversations * 5
        path = self.stores / f"c{conversations}_m{messages}_s{SEED}_v{GENERATOR_VERSION}.db"
        meta = path.with_suffix(".json")
        if path.exists() and meta.exists():
            return path
        self.stores.mkdir(parents=True, exist_ok=True)
        self.say(f"generating {conversations:,} conversations, {messages:,} messages -> {path}")
        report = generate(
            path,
            conversations=conversations,
            messages=messages,
            seed=SEED,
            overwrite=True,
            progress=lambda line: self.say("  " + line),
        )
        meta.write_text(json.dumps(report.as_json(), indent=2))
        return path

    def add(self, row: Row) -> None:
        self.rows.append(row)
        ratio = f" ({row.ratio:.2f}x floor)" if row.ratio is not None else ""
        self.say(f"  {row.status:4} {row.figure} @{row.size}: {row.value:,.2f} {row.unit}{ratio}")

    # Figures -----------------------------------------------------------------------

    def run(self) -> list[Row]:
        started = time.perf_counter()
        for name in FIGURES:
            if name in self.only:
                self.say(f"== {name}")
                getattr(self, f"fig_{name}")()
        self.say(f"bench finished in {time.perf_counter() - started:.0f} s")
        return self.rows

    def fig_generate(self) -> None:
        for size in self.sizes:
            path = self.store(size)
            meta = json.loads(path.with_suffix(".json").read_text())
            self.add(
                Row(
                    "generate: bulk insert rate",
                    f"{size:,} conv",
                    "—",
                    None,
                    meta["rows_per_second"],
                    "rows/s",
                    "reported",
                    "pass",
                    f".venv/bin/python benchmarks/run.py generate --conversations {size} "
                    f"--messages {size * 5} --out /tmp/bench.db",
                    detail=meta,
                )
            )

    def _env(self, home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONVO_")}
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_DATA_HOME=str(home / "data"),
            TERM="xterm-256color",
            COLORTERM="truecolor",
            LANG="C.UTF-8",
        )
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        env.pop("TEXTUAL", None)
        # The bench's own processes (`-m convo_bench.tui`, `-m convo_bench.figures`) import
        # it from benchmarks/; the app and the floor start with the same path alike.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (BENCHMARKS, os.environ.get("PYTHONPATH", "")) if p
        )
        env.update(extra or {})
        return env

    def _first_row_needle(self, db: Path) -> str:
        from convo_tui.core import queries
        from convo_tui.store.engine import sqlite_url
        from convo_tui.store.open import open_store
        from convo_tui.text import one_line

        store = open_store(sqlite_url(db), migrate=False)
        try:
            with store.read() as session:
                row = queries.inbox_page(session, InboxFilter(), limit=1)[0]
        finally:
            store.close()
        return one_line(row.name)[:6]

    def _paint(self, argv: list[str], needle: str, home: Path, scroll: int = 0) -> dict[str, Any]:
        program = PtyProgram(argv, self._env(home)).start()
        try:
            seconds = program.wait_for(needle, timeout=60)
            if seconds is None:
                tail = "".join(program.output)[-400:]
                raise RuntimeError(f"{argv[-1]}: {needle!r} never painted; last output {tail!r}")
            program.drain(quiet=0.3, limit=5)
            # The inbox paints before the store (SQLAlchemy) has loaded behind it:
            # memory is read once start-up is over, not in the middle of it.
            time.sleep(STARTED_AFTER)
            program.drain(quiet=0.1, limit=5)
            result: dict[str, Any] = {"ms": seconds * 1000, "rss_kib": rss_kib(program.pid)}
            if scroll:
                per_page = max((program.rows - 2) // 2 - 1, 1)
                for _ in range(scroll // per_page + 1):
                    program.send(PAGE_DOWN)
                    program.drain(quiet=0.002, limit=1)
                program.drain(quiet=0.5, limit=20)
                result["scrolled_rows"] = (scroll // per_page + 1) * per_page
                result["rss_scrolled_kib"] = rss_kib(program.pid)
            return result
        finally:
            program.stop()

    def fig_startup(self) -> None:
        floor_argv = [self.python, "-m", "convo_bench.tui", "floor"]
        from convo_bench.tui import FLOOR_TEXT

        per_size: dict[int, dict[str, list[float]]] = {}
        with tempfile.TemporaryDirectory(prefix="convo-bench-") as tmp:
            home = Path(tmp)
            for size in self.sizes:
                db = self.store(size)
                needle = self._first_row_needle(db)
                argv = [self.python, "-m", "convo_tui", "--db", str(db), "--agent", BENCH_AGENT]
                app_ms, floor_ms, app_rss, floor_rss = [], [], [], []
                self._paint(argv, needle, home)  # warm the page cache once, not measured
                for _ in range(self.repeat):
                    floor = self._paint(floor_argv, FLOOR_TEXT[:20], home)
                    app = self._paint(argv, needle, home)
                    floor_ms.append(floor["ms"])
                    app_ms.append(app["ms"])
                    floor_rss.append(floor["rss_kib"] / 1024)
                    app_rss.append(app["rss_kib"] / 1024)
                scrolled = (
                    self._paint(argv, needle, home, scroll=10_000) if size >= 10_000 else None
                )
                per_size[size] = {"app": app_ms, "floor": floor_ms, "rss": app_rss}
                med, p95 = statistics.median(app_ms), figures.quantile(app_ms, 0.95)
                fmed = statistics.median(floor_ms)
                ok = med <= 300 and med <= 1.3 * fmed
                self.add(
                    Row(
                        "start to first painted inbox (pty)",
                        f"{size:,} conv",
                        "minimal Textual app",
                        fmed,
                        med,
                        "ms",
                        "median ≤ 300 ms and ≤ 1.3× floor",
                        "pass" if ok else "miss",
                        self.command("startup", size),
                        ratio=med / fmed,
                        median=med,
                        p95=p95,
                        detail={"app_ms": app_ms, "floor_ms": floor_ms},
                    )
                )
                rss, frss = statistics.median(app_rss), statistics.median(floor_rss)
                self.add(
                    Row(
                        "RSS after start-up",
                        f"{size:,} conv",
                        "minimal Textual app",
                        frss,
                        rss,
                        "MiB",
                        "≤ 60 MiB",
                        "pass" if rss <= 60 else "miss",
                        self.command("startup", size),
                        ratio=rss / frss,
                        median=rss,
                        p95=figures.quantile(app_rss, 0.95),
                        detail={"app_mib": app_rss, "floor_mib": floor_rss},
                    )
                )
                if scrolled is not None:
                    per_size[size]["scrolled"] = [scrolled["rss_scrolled_kib"] / 1024]
        if 1_000 in per_size and 1_000_000 in per_size:
            small = statistics.median(per_size[1_000]["app"])
            big = statistics.median(per_size[1_000_000]["app"])
            self.add(
                Row(
                    "first painted inbox, 1M vs 1k",
                    "1M / 1k",
                    "the same at 1k",
                    small,
                    big,
                    "ms",
                    "1M within 10% of 1k",
                    "pass" if big <= small * 1.10 else "miss",
                    self.command("startup"),
                    ratio=big / small,
                    median=big,
                )
            )
        base = statistics.median(per_size[1_000]["rss"]) if 1_000 in per_size else None
        for size, data in per_size.items():
            if "scrolled" not in data:
                continue
            value = data["scrolled"][0]
            ok = base is not None and value <= 1.2 * base
            self.add(
                Row(
                    "RSS after scrolling 10,000 rows",
                    f"{size:,} conv",
                    "RSS after start-up at 1k",
                    base,
                    value,
                    "MiB",
                    "≤ 1.2× the 1k figure",
                    "pass" if ok else "miss",
                    self.command("startup", size),
                    ratio=value / base if base else None,
                    median=value,
                )
            )

    def _keys(self, size: int, repeat: int) -> dict[str, Any]:
        db = self.store(size)
        with tempfile.TemporaryDirectory(prefix="convo-bench-") as tmp:
            copy = figures.copy_store(db, Path(tmp) / "keys.sqlite3")  # opening marks rows read
            out = Path(tmp) / "keys.json"
            subprocess.run(
                [
                    self.python,
                    "-m",
                    "convo_bench.tui",
                    "keys",
                    str(copy),
                    str(out),
                    str(repeat),
                ],
                check=True,
                env=self._env(Path(tmp)),
            )
            result: dict[str, Any] = json.loads(out.read_text())
            return result

    def fig_keys(self) -> None:
        """Each key pressed `12 * repeat` times in each of KEY_RUNS processes: the
        median and p95 are of all the presses together (one run's p95 rests on its
        three slowest presses, and this machine's noise moves them)."""
        big = max(self.sizes)
        small = min(self.sizes)
        reference = self._keys(small, 20) if small != big else None
        runs = [self._keys(big, 12 * self.repeat) for _ in range(KEY_RUNS)]
        for name in runs[0]["keys"]:
            if name.startswith("idle"):
                continue
            pooled = [v for run in runs for v in run["keys"][name]["net_cpu_ms"]]
            p95 = figures.quantile(pooled, 0.95)
            ref = reference["keys"][name]["net_cpu_ms_p95"] if reference else None
            self.add(
                Row(
                    f"CPU per key: {name}",
                    f"{big:,} conv",
                    "same key at 1k (p95)",
                    ref,
                    p95,
                    "ms CPU",
                    "p95 ≤ 16 ms",
                    "pass" if p95 <= 16 else "miss",
                    self.command("keys", big),
                    ratio=p95 / ref if ref else None,
                    median=statistics.median(pooled),
                    p95=p95,
                    detail={
                        "presses": len(pooled),
                        "runs": KEY_RUNS,
                        "p95_by_run": [run["keys"][name]["net_cpu_ms_p95"] for run in runs],
                        "median_by_run": [run["keys"][name]["net_cpu_ms_median"] for run in runs],
                        "idle_cpu_ms_by_run": [run["idle_cpu_ms"] for run in runs],
                        "first_press_net_cpu_ms_by_run": [
                            run["first_press_net_cpu_ms"].get(name) for run in runs
                        ],
                    },
                )
            )

    def fig_queries(self) -> None:
        small, big = min(self.sizes), max(self.sizes)
        ref = figures.inbox_queries(self.store(small), repeat=100, count_repeat=20)
        result = figures.inbox_queries(self.store(big), repeat=300, count_repeat=30)
        page = result["page_p99_worst_ms"]
        ok = page <= 1.0 and result["index_used"] and result["no_offset"]
        self.add(
            Row(
                "inbox page query (9 filters; first, deep keyset, last)",
                f"{big:,} conv",
                "the same queries at 1k",
                ref["page_p99_worst_ms"],
                page,
                "ms p99 (worst filter)",
                "p99 ≤ 1 ms; index used; no OFFSET",
                "pass" if ok else "miss",
                self.command("queries", big),
                ratio=page / ref["page_p99_worst_ms"],
                p95=None,
                detail={"big": result, "small": ref},
            )
        )
        count = result["count_p99_worst_ms"]
        self.add(
            Row(
                "inbox count (9 filters)",
                f"{big:,} conv",
                "the same counts at 1k",
                ref["count_p99_worst_ms"],
                count,
                "ms p99 (worst filter)",
                "p99 ≤ 1 ms; index used",
                "pass" if count <= 1.0 and result["index_used"] else "miss",
                self.command("queries", big),
                ratio=count / ref["count_p99_worst_ms"],
                detail={
                    name: {
                        "rows": f["rows"],
                        "count_ms": f["count_ms"],
                        "plan": f["plans"]["count"],
                    }
                    for name, f in result["filters"].items()
                },
            )
        )

    def fig_search(self) -> None:
        size = SEARCH_SIZE if SEARCH_SIZE in self.sizes else max(self.sizes)
        result = figures.search_queries(self.store(size), repeat=10 * self.repeat)
        for kind, data in result["queries"].items():
            p95 = data["ms"]["p95"]
            self.add(
                Row(
                    f"search newest 50: {kind} ({data['query']!r})",
                    f"{result['messages']:,} msgs",
                    "—",
                    None,
                    p95,
                    "ms p95",
                    "p95 ≤ 5 ms",
                    "pass" if p95 <= 5 else "miss",
                    self.command("search", size),
                    median=data["ms"]["median"],
                    p95=p95,
                    detail=data,
                )
            )

        customers = figures.customer_search_queries(self.store(size), repeat=10 * self.repeat)
        for kind, data in customers["queries"].items():
            p95 = data["ms"]["p95"]
            self.add(
                Row(
                    f"search customers and messages: {kind} ({data['query']!r})",
                    f"{customers['profiles']:,} profiles",
                    "—",
                    None,
                    p95,
                    "ms p95",
                    "p95 ≤ 30 ms",
                    "pass" if p95 <= 30 else "miss",
                    self.command("search", size),
                    median=data["ms"]["median"],
                    p95=p95,
                    detail=data,
                )
            )

    def fig_ingest(self) -> None:
        size = 100_000 if 100_000 in self.sizes else min(self.sizes)
        base = self.store(size)
        with tempfile.TemporaryDirectory(prefix="convo-bench-", dir=self.stores) as tmp:
            result = figures.sync_ingest(base, Path(tmp), trials=3)
            ratio = result["ratio"]
            self.add(
                Row(
                    "sync ingest: rules + store, pages of 1,000 (half stored)",
                    f"{size:,} conv",
                    "sqlite3 executemany, same rows",
                    result["raw_median"],
                    result["ingest_median"],
                    "msgs/s",
                    "≥ 30% of raw",
                    "pass" if ratio >= 0.3 else "miss",
                    self.command("ingest", size),
                    ratio=ratio,
                    median=result["ingest_median"],
                    detail=result,
                )
            )
            http = figures.sync_http(base, Path(tmp))
            self.add(
                Row(
                    "sync end to end from the sandbox over HTTP",
                    f"{size:,} conv",
                    "sqlite3 executemany, same rows",
                    result["raw_median"],
                    http["messages_per_s"],
                    "msgs/s",
                    "reported",
                    "pass" if not http["errors"] else "miss",
                    self.command("ingest", size),
                    ratio=http["messages_per_s"] / result["raw_median"],
                    detail=http,
                )
            )

    def fig_quiet(self) -> None:
        db = self.store(min(self.sizes))
        with tempfile.TemporaryDirectory(prefix="convo-bench-") as tmp:
            copy = figures.copy_store(db, Path(tmp) / "quiet.sqlite3")
            done = subprocess.run(
                [self.python, "-m", "convo_bench.figures", "quiet", str(copy)],
                check=True,
                capture_output=True,
                text=True,
                env=self._env(Path(tmp)),
            )
        result = json.loads(done.stdout)
        p95 = result["p95_worst_ms"]
        lazy = not result["timezonefinder_before_first_check"]
        self.add(
            Row(
                "quiet-hours check for a reply, warm",
                f"{min(self.sizes):,} conv",
                "—",
                None,
                p95,
                "ms p95",
                "≤ 1 ms; timezonefinder not imported before",
                "pass" if p95 <= 1 and lazy else "miss",
                self.command("quiet"),
                median=max(s["median"] for s in result["sources"].values()),
                p95=p95,
                detail=result,
            )
        )

    def fig_inbound(self) -> None:
        from convo_tui.sandbox import Sandbox

        size = max(self.sizes)
        db = self.store(size)
        latencies: list[float] = []
        with tempfile.TemporaryDirectory(prefix="convo-bench-", dir=self.stores) as tmp:
            copy = figures.copy_store(db, Path(tmp) / "live.sqlite3")
            needle = self._first_row_needle(copy)
            sandbox = Sandbox(history=False).start()
            try:
                extra = dict(
                    line.removeprefix("export ").split("=", 1) for line in sandbox.exports()
                )
                extra = {k: v.strip("'") for k, v in extra.items()}
                argv = [self.python, "-m", "convo_tui", "--db", str(copy), "--agent", BENCH_AGENT]
                program = PtyProgram(argv, self._env(Path(tmp), extra)).start()
                try:
                    if program.wait_for(needle, timeout=60) is None:
                        raise RuntimeError("the inbox never painted")
                    program.drain(quiet=SYNC_INTERVAL + 1, limit=60)  # first sync round done
                    phone = "+12122000000"
                    rng = random.Random(5)
                    for trial in range(max(self.repeat * 3, 15)):
                        program.drain(quiet=0.2, limit=2)
                        time.sleep(rng.uniform(0, SYNC_INTERVAL))
                        token = f"ping{trial}x{rng.randint(100, 999)}"
                        injected = time.perf_counter()
                        sandbox.inject_inbound(phone, token)
                        seen = program.wait_for_after(token, injected, timeout=3 * SYNC_INTERVAL)
                        latencies.append(seen * 1000 if seen is not None else float("inf"))
                finally:
                    program.stop()
            finally:
                sandbox.stop()
        med, p95 = statistics.median(latencies), figures.quantile(latencies, 0.95)
        goal = SYNC_INTERVAL * 1000 + 200
        self.add(
            Row(
                "new inbound text: sandbox to the screen of a running TUI",
                f"{size:,} conv",
                "sync poll interval",
                SYNC_INTERVAL * 1000,
                p95,
                "ms p95",
                "≤ interval + 200 ms",
                "pass" if p95 <= goal else "miss",
                self.command("inbound"),
                ratio=p95 / (SYNC_INTERVAL * 1000),
                median=med,
                p95=p95,
                detail={"latencies_ms": latencies},
            )
        )

    def fig_team(self) -> None:
        """Agent A's note, reply, assignment and close, typed into A's terminal inbox, until
        agent B's terminal inbox (another process, on the same store) shows them: on a
        SQLite file (the bench store) and on PostgreSQL (the demo data set)."""
        size = max(self.sizes)
        db = self.store(size)
        with tempfile.TemporaryDirectory(prefix="convo-bench-", dir=self.stores) as tmp:
            copy = figures.copy_store(db, Path(tmp) / "team.sqlite3")
            top, total = figures.team_store(sqlite_url(copy), partner=TEAM_PARTNER, name=TEAM_NAME)
            argv = [self.python, "-m", "convo_tui", "--db", str(copy), "--agent"]
            found = self._team_round(argv, self._env(Path(tmp)), top, total, BENCH_AGENT)
        self._team_rows("SQLite", f"{size:,} conv", found, "")
        from tests import postgres_server

        if postgres_server.programs() is None:
            self.say("  (no PostgreSQL server programs: the PostgreSQL rows are left out)")
            return
        with (
            postgres_server.server() as server,
            tempfile.TemporaryDirectory(prefix="convo-bench-", dir=self.stores) as tmp,
        ):
            url = postgres_server.new_database(server)
            top, total = figures.team_store(url, partner=TEAM_PARTNER, name=TEAM_NAME, demo=True)
            env = self._env(Path(tmp), {"CONVO_DATABASE_URL": url})
            argv = [self.python, "-m", "convo_tui", "--agent"]
            found = self._team_round(argv, env, top, total, "ana")
        self._team_rows("PostgreSQL", "demo data", found, "  LISTEN/NOTIFY")

    def _team_round(
        self, argv: list[str], env: dict[str, str], top: str, total: int, login: str
    ) -> dict[str, list[float]]:
        # 160 columns: the status line has room for its words ("— 38 conversations").
        a = PtyProgram([*argv, login], env, cols=160).start()
        b = PtyProgram([*argv, TEAM_PARTNER], env, cols=160).start()
        latencies: dict[str, list[float]] = {k: [] for k in TEAM_ACTIONS}
        try:
            for program in (a, b):
                if program.wait_for(top[:6], timeout=60) is None:
                    raise RuntimeError("an inbox never painted")
            for program in (a, b):
                program.drain(quiet=1.0, limit=30)
            # The open count as B shows it (its start may have woken snoozes since `total`).
            counts = re.findall(r"— ([\d,]+) conversations", visible("".join(b.output)))
            total = int(counts[-1].replace(",", "")) if counts else total
            rng = random.Random(17)

            def measure(action: str, keys: list[bytes], seen: str, ready: str = "") -> None:
                """Type `keys` into A (the first alone, then the rest once A shows
                `ready`); the time from the first key until B shows `seen`."""
                b.drain(quiet=0.1, limit=2)
                a.drain(quiet=0.1, limit=2)
                time.sleep(rng.uniform(0, POLL_SECONDS))
                sent = time.perf_counter()
                a.send(keys[0])
                if ready and a.wait_for_after(ready, sent, timeout=10) is None:
                    raise RuntimeError(f"A never showed {ready!r}")
                for key in keys[1:]:
                    a.send(key)
                found = b.wait_for_after(seen, sent, timeout=10)
                latencies[action].append(found * 1000 if found is not None else float("inf"))
                a.drain(quiet=0.2, limit=5)

            def undo() -> None:
                """z, and wait until A says it is undone (a second action's undo would
                otherwise take the one before, a reply's recall)."""
                sent = time.perf_counter()
                a.send(b"z")
                if a.wait_for_after("Undone", sent, timeout=10) is None:
                    raise RuntimeError("A never undid its action")

            for trial in range(max(self.repeat * 2, 10)):
                note, reply = f"note {trial} {rng.randint(100, 999)}", f"reply {trial}"
                # ctrl+s adds the note, once its box is up (before, letters are keys).
                measure("note", [b"n", note.encode(), b"\x13"], note, "Internal note on")
                # enter opens the row; once the reply box has the keys, type and send.
                measure("reply", [b"\r", reply.encode(), b"\r"], reply, "Coupon")
                a.send(b"\x1b")  # back to the list
                measure("assignment", [b"a"], TEAM_INITIALS)
                undo()  # nobody's again
                plural = "s" if total - 1 != 1 else ""
                measure("close", [b"c"], f"— {total - 1:,} conversation{plural}")
                undo()  # reopened: back on top for the next round
                b.drain(quiet=0.3, limit=5)
                b.send(b"g")  # B's cursor left it when it closed: back on it
                b.drain(quiet=0.3, limit=5)
        finally:
            a.stop()
            b.stop()
        return latencies

    def _team_rows(
        self, backend: str, size: str, latencies: dict[str, list[float]], how: str
    ) -> None:
        for action, values in latencies.items():
            med, p95 = statistics.median(values), figures.quantile(values, 0.95)
            self.add(
                Row(
                    f"live update between two TUIs ({backend}): A's {action} on B's screen",
                    size,
                    "the change poll interval" + how,
                    POLL_SECONDS * 1000,
                    p95,
                    "ms p95",
                    "≤ 1,000 ms",
                    "pass" if p95 <= 1000 else "miss",
                    self.command("team"),
                    ratio=p95 / (POLL_SECONDS * 1000),
                    median=med,
                    p95=p95,
                    detail={"latencies_ms": values},
                )
            )


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def table(rows: Sequence[Row]) -> str:
    head = ("figure", "size", "floor", "floor value", "value", "unit", "ratio", "goal", "status")
    lines = [
        (
            r.figure,
            r.size,
            r.floor,
            _fmt(r.floor_value),
            _fmt(r.value),
            r.unit,
            f"{r.ratio:.2f}×" if r.ratio is not None else "—",
            r.goal,
            r.status.upper(),
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(head, *lines, strict=False)]
    out = [" | ".join(str(h).ljust(w) for h, w in zip(head, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [
        " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines
    ]
    return "\n".join(out)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def compile_bytecode() -> None:
    """Write convo_tui's bytecode, as `pip install` does for an installed package.

    An editable install under PYTHONDONTWRITEBYTECODE (set on these machines) would
    otherwise compile every module from source at each start: about 25 ms of the first
    paint that the floor, whose Textual was compiled by pip, never pays."""
    import compileall

    import convo_tui

    compileall.compile_dir(Path(convo_tui.__file__).parent, quiet=1)


def run_bench(
    root: Path,
    *,
    sizes: Sequence[int] = SIZES,
    only: Sequence[str] = FIGURES,
    repeat: int = 5,
    out: Path | None = None,
) -> tuple[list[Row], Path]:
    """Run the figures, print one table, write the JSON; returns the rows and the JSON path."""
    unknown = set(only) - set(FIGURES)
    if unknown:
        raise ValueError(f"unknown figure {', '.join(sorted(unknown))}; known: {FIGURES}")
    compile_bytecode()
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    bench = Bench(root, sizes=sorted(sizes), repeat=repeat, only=only)
    t0 = time.perf_counter()
    rows = bench.run()
    seconds = time.perf_counter() - t0
    print()
    print(table(rows))
    result = {
        "date": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "machine": machine(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "command": "make bench  # " + shlex.join(sys.argv),
        "sizes": list(sizes),
        "repeat": repeat,
        "figures": [asdict(r) for r in rows],
    }
    folder = out or root / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{started:%Y%m%d-%H%M%S}.json"
    text = json.dumps(result, indent=2, default=str)
    path.write_text(text)
    (folder / "latest.json").write_text(text)
    print(f"\nload average before {load_before}, after {result['load_after']}; wrote {path}")
    return rows, path
