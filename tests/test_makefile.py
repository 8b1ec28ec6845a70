"""The two-command quick start: `make run` installs only what running needs (no test extras,
no setuptools banner), `make test` adds the test tools, even after `make run`."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
    for name in ("Makefile", "pyproject.toml", "requirements/run.txt", "requirements/test.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_make_run_installs_no_test_extras(project: Path) -> None:
    locked, own = installs(dry_run(project, "run"))
    assert "-r requirements/run.txt" in locked
    assert "--no-deps -e ." in own and "[test]" not in own and "[postgres]" not in own
    assert "PYTHONWARNINGS=ignore::UserWarning" in own  # setuptools' editable-install banner


def test_make_test_after_make_run_adds_the_test_extras(project: Path) -> None:
    venv = project / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    later = time.time() + 5
    stamp = venv / ".installed-run"
    stamp.touch()
    os.utime(stamp, (later, later))  # `make run` happened after the last pyproject change
    assert installs(dry_run(project, "run")) == []
    locked, own = installs(dry_run(project, "test"))
    assert "-r requirements/test.txt" in locked
    assert "--no-deps" in own and "'.[test]'" in own


def _pins(lock: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            assert "==" in line, f"{lock.name}: {line!r} is not pinned"
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_the_locks_pin_what_pyproject_asks_for() -> None:
    """`make lock` was run after the last change of pyproject.toml's dependencies: every
    dependency is pinned at a version its specifier admits, the run lock holds no test
    tool, and neither names convo itself or a local path."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    run_pins = _pins(ROOT / "requirements/run.txt")
    test_pins = _pins(ROOT / "requirements/test.txt")
    extras = project["optional-dependencies"]
    wanted = [
        (run_pins, project["dependencies"]),
        (test_pins, project["dependencies"] + extras["test"] + extras["postgres"]),
    ]
    for pins, requirements in wanted:
        for text in requirements:
            requirement = Requirement(text)
            name = canonicalize_name(requirement.name)
            if name == "convo-tui":
                continue
            assert name in pins, f"{name} is not in the lock: run make lock"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{name}=={pins[name]} does not meet {requirement.specifier}: run make lock"
            )
    assert "pytest" not in run_pins and "convo-tui" not in test_pins
    for lock in ("run.txt", "test.txt"):
        assert "file://" not in (ROOT / "requirements" / lock).read_text()
