"""The bench's command line, behind `benchmarks/run.py` (and so `make bench`):

    python benchmarks/run.py [--only startup,keys] [--sizes 1000,1000000] [--repeat 5] [--root DIR]
    python benchmarks/run.py generate --conversations N --out FILE [--messages M] [--seed S]
                                      [--force] [--json]

The first runs every figure beside its floor; the second writes one synthetic store.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from convo_bench.runner import FIGURES, SIZES

BENCHMARKS = Path(__file__).resolve().parent.parent
"""The repository's benchmarks/ folder: .stores/ and results/ go under it by default."""


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is below 1")
    return value


def _sizes(text: str) -> list[int]:
    try:
        return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad --sizes {text!r}; use numbers such as 1000,100000"
        ) from None


def bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Every figure beside its floor: one table, and JSON under ROOT/results/.",
        epilog="benchmarks/run.py generate --help: write one synthetic store.",
    )
    parser.add_argument(
        "--only",
        default=",".join(FIGURES),
        help=f"comma-separated figures: {', '.join(FIGURES)} (default: all)",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(SIZES),
        help="comma-separated store sizes in conversations (default: 1000,100000,1000000)",
    )
    parser.add_argument(
        "--repeat", type=_at_least_one, default=5, help="repetitions per figure (default: 5)"
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=BENCHMARKS,
        help="folder for .stores/ and results/ (default: benchmarks/)",
    )
    return parser


def generate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py generate",
        description="Write a realistic synthetic store through bulk inserts, "
        "and say how fast it went.",
    )
    parser.add_argument(
        "--conversations",
        type=_at_least_one,
        required=True,
        help="conversations (one per profile)",
    )
    parser.add_argument("--out", type=Path, required=True, help="the SQLite file to write")
    parser.add_argument(
        "--messages",
        type=_at_least_one,
        default=None,
        help="messages in all (default: 5 per conversation)",
    )
    parser.add_argument(
        "--seed", type=int, default=2026, help="random seed (same seed, same store)"
    )
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def bench(argv: Sequence[str]) -> int:
    from convo_bench.runner import run_bench

    parser = bench_parser()
    args = parser.parse_args(argv)
    figures = [f.strip() for f in args.only.split(",") if f.strip()]
    try:
        rows, _path = run_bench(args.root, sizes=args.sizes, only=figures, repeat=args.repeat)
    except ValueError as exc:  # an unknown figure
        parser.error(str(exc))
    return 0 if rows else 1


def generate(argv: Sequence[str]) -> int:
    from convo_bench.generate import generate as run

    parser = generate_parser()
    args = parser.parse_args(argv)
    out: Path = args.out
    if out.is_dir():
        parser.error(f"--out {out} is a folder; give the SQLite file to write")
    if out.exists() and not args.force:
        parser.error(f"{out} exists; add --force to replace it, or choose another --out")
    try:
        report = run(
            out,
            conversations=args.conversations,
            messages=args.messages,
            seed=args.seed,
            overwrite=args.force,
            progress=None if args.json else print,
        )
    except ValueError as exc:
        parser.error(f"{exc}; give at least one message per conversation")
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0
    print(
        f"{report.path}: {report.conversations:,} conversations, {report.messages:,} messages, "
        f"{report.rows:,} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s; "
        f"inserts alone {report.meta['insert_rows_per_second']:,.0f} rows/s, "
        f"indexes {report.index_seconds:.1f} s, search index {report.search_seconds:.1f} s)"
    )
    return 0


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["generate"]:
        return generate(argv[1:])
    return bench(argv)
