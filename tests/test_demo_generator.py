"""data/make_demo.py writes the committed demo data set again, byte for byte.

The generator is seeded and keeps no module-level state, so two runs in one process
write the same bytes as the run that made data/demo/. A change to the generator (or
to a core rule it checks the timeline with) that moves any byte fails here until the
data set is regenerated: `.venv/bin/python data/make_demo.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import make_demo
from demo_gen.writer import DEFAULT_OUTPUT, FILES, generate


def _first_difference(name: str, got: bytes, want: bytes) -> str:
    """Where a regenerated file first differs from the committed one (not 600 kB of diff)."""
    got_lines, want_lines = got.decode().splitlines(), want.decode().splitlines()
    for n, (a, b) in enumerate(zip(got_lines, want_lines, strict=False), 1):
        if a != b:
            return f"{name} line {n}: regenerated {a!r}, committed {b!r}"
    return f"{name}: {len(got_lines)} lines regenerated, {len(want_lines)} committed"


def _assert_same_as_committed(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    for name in FILES:
        got, want = (out / name).read_bytes(), (DEFAULT_OUTPUT / name).read_bytes()
        assert got == want, _first_difference(name, got, want) + ": run data/make_demo.py"


def test_the_generator_writes_the_committed_demo_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Beside the generated files only the package marker that ships them (pyproject.toml's
    # convo_tui.demo_data) and its bytecode.
    committed = {p.name for p in DEFAULT_OUTPUT.iterdir()} - {"__init__.py", "__pycache__"}
    assert sorted(committed) == sorted(FILES)
    make_demo.main(["make_demo.py", str(tmp_path / "first")])
    printed = json.loads(capsys.readouterr().out)
    assert printed["profiles"] == len(json.loads((DEFAULT_OUTPUT / "profiles.json").read_text()))
    _assert_same_as_committed(tmp_path / "first")
    # Again in the same process: nothing left over from the first run changes a byte.
    stats = generate(tmp_path / "second")
    assert stats == printed
    _assert_same_as_committed(tmp_path / "second")
