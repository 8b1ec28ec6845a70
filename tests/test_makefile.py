"""The two-command quick start: `make run` installs only what running needs (no test extras,
no setuptools banner), `make test` adds the test tools, even after `make run`."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def dry_run(folder: Path, target: str) -> list[str]:
    """What `make -n TARGET` would run in a copy of the project at `folder`."""
    done = subprocess.run(
        ["make", "-n", target, "VENV=venv"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def installs(lines: list[str]) -> list[str]:
    return [line for line in lines if "-m pip install" in line and "--upgrade pip" not in line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_make_run_installs_no_test_extras(project: Path) -> None:
    (line,) = installs(dry_run(project, "run"))
    assert "-e ." in line and "[test]" not in line and "[postgres]" not in line
    assert "PYTHONWARNINGS=ignore::UserWarning" in line  # setuptools' editable-install banner


def test_make_test_after_make_run_adds_the_test_extras(project: Path) -> None:
    venv = project / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    later = time.time() + 5
    stamp = venv / ".installed-run"
    stamp.touch()
    os.utime(stamp, (later, later))  # `make run` happened after the last pyproject change
    assert installs(dry_run(project, "run")) == []
    (line,) = installs(dry_run(project, "test"))
    assert "'.[test]'" in line
