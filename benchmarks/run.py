"""`make bench`: every figure of issue 6 beside its floor (see convo_tui/bench/runner.py).

.venv/bin/python benchmarks/run.py [--only startup,keys] [--sizes 1000,1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from convo_tui.bench.runner import FIGURES, SIZES, run_bench

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(FIGURES), help="comma-separated figures")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rows, _path = run_bench(
        HERE,
        sizes=[int(s) for s in args.sizes.split(",")],
        only=[f.strip() for f in args.only.split(",")],
        repeat=args.repeat,
    )
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
