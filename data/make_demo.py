"""Generate the convo demo data set: data/demo/*.json and data/demo/README.md.

Usage: python data/make_demo.py [OUTPUT_DIR]

OUTPUT_DIR defaults to `demo_gen.writer.DEFAULT_OUTPUT` (data/demo, what is committed).
The generator is the `demo_gen` package beside this file (see its docstring); this
prints the counts it checked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from demo_gen.writer import DEFAULT_OUTPUT, generate


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    stats = generate(out)
    print(json.dumps(stats, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
