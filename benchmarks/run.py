"""`make bench`: every figure of issue 6 beside its floor (see convo_bench/runner.py), and
the synthetic store generator behind it (see convo_bench/cli.py for both command lines).

    .venv/bin/python benchmarks/run.py [--only startup,keys] [--sizes 1000,1000000] [--repeat 5]
    .venv/bin/python benchmarks/run.py generate --conversations N --out FILE [--messages M]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder is sys.path[0]: convo_bench imports from it. The project
# root too: the team figure starts the test suite's throwaway PostgreSQL server.
sys.path.append(str(Path(__file__).resolve().parent.parent))

from convo_bench.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
