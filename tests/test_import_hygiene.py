"""The headless core never loads Textual, and importing convo does nothing on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEADLESS = [
    "convo_tui.cli",
    "convo_tui.core.inbound",
    "convo_tui.core.replies",
    "convo_tui.core.queries",
    "convo_tui.demo",
    "convo_tui.store.engine",
    "convo_tui.store.schema",
]


def test_headless_modules_do_not_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in HEADLESS)
        + "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        + "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_importing_creates_no_files_or_engines(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    code = "".join(f"import {name}\n" for name in HEADLESS)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert list(home.iterdir()) == []


def test_the_opening_inbox_loads_no_database_library_or_cli() -> None:
    """`convo` on a terminal paints its first page before SQLAlchemy, SQLModel and Typer
    are imported (they load on a thread behind it: convo_tui.opening)."""
    code = (
        "import sys\n"
        "import convo_tui.launch, convo_tui.opening, convo_tui.app, convo_tui.core.first_page\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'pydantic', 'typer', 'httpx', 'alembic')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
