"""The product ships on its own: the wheel carries every file of the package and the demo
data set, and `convo demo --reset` loads the demo from a fresh virtualenv outside the
repository (dependencies from the package registry, as a user installs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARIA = "+14155550123"

# What the build reads. Built from a copy: setuptools' build/ folder in the tree keeps
# files the tree no longer has, and they would end up in the wheel.
BUILD_INPUTS = ("pyproject.toml", "README.md", "convo_tui", "data/demo")

# Runs the `convo` console script as its shebang would, recording every file the process
# opens (modules and data alike) into the file named by $OPENED.
AUDITED = """
import os, runpy, sys
opened = []
sys.addaudithook(lambda event, args: event == "open" and opened.append(args[0]))
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    names = [os.path.abspath(p) for p in opened if isinstance(p, str)]
    with open(os.environ["OPENED"], "w") as out:
        out.write("\\n".join(names))
"""

# The sandbox's own loader, on the installed package.
SANDBOX = """
from convo_tui import demo_files
from convo_tui.sandbox import Sandbox
print(demo_files.folder())
print(len(Sandbox(history=False).world.profiles))
"""


def pip(*args: str | Path, timeout: float = 300) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def package_files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in (root / "convo_tui").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=skip)
        else:
            shutil.copy(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    pip("wheel", "--no-deps", "--quiet", "--wheel-dir", out, source)
    (built,) = out.glob("convo_tui-*.whl")
    return built


def test_the_wheel_carries_the_package_and_the_demo_data(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.startswith("convo_tui/")}
        demo = {
            name.removeprefix("convo_tui/demo_data/"): archive.read(name)
            for name in shipped
            if name.startswith("convo_tui/demo_data/") and name.endswith(".json")
        }
    # Every file of the tree's package (pyproject lists the packages: a new one must be
    # added there), and the demo data set mapped in from data/demo/.
    data = {path.name: path.read_bytes() for path in (ROOT / "data" / "demo").glob("*.json")}
    expected = package_files(ROOT) | {"convo_tui/demo_data/__init__.py"}
    assert shipped == expected | {f"convo_tui/demo_data/{name}" for name in data}
    assert demo == data and "timeline.json" in demo


def test_convo_demo_reset_loads_the_demo_from_the_installed_wheel(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    # This pip installs into the new venv; no bytecode: the run below compiles what it uses.
    pip("--python", venv / "bin" / "python", "install", "--quiet", "--no-compile", wheel)
    site = next((venv / "lib").glob("python3.*/site-packages"))
    away = tmp_path / "elsewhere"  # the working directory: outside the repository
    away.mkdir()
    db = away / "demo.sqlite3"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CONVO_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["OPENED"] = str(tmp_path / "opened.txt")
    convo = venv / "bin" / "convo"

    def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*map(str, argv)],
            cwd=away,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,  # no terminal: the demo prints the inbox, no TUI
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done

    loaded = run(venv / "bin" / "python", "-c", AUDITED, convo, "demo", "--reset", "--db", db)
    assert "Loaded the demo: 230 profiles" in loaded.stdout

    opened = Path(env["OPENED"]).read_text().splitlines()
    assert str(site / "convo_tui" / "demo_data" / "timeline.json") in opened
    assert str(site / "convo_tui" / "demo.py") in opened
    ours = [name for name in opened if "/convo_tui/" in name]
    assert ours and all(name.startswith(str(site)) for name in ours)
    assert not [name for name in opened if name.startswith(str(ROOT) + os.sep)]

    listed = run(
        convo, "inbox", "--db", db, "--agent", "ana", "--json", "--status", "all", "--limit", "500"
    )
    rows = {row["phone"]: row for row in json.loads(listed.stdout)["conversations"]}
    assert len(rows) == 83  # data/demo/README.md: conversations at load
    assert (rows[MARIA]["status"], rows[MARIA]["unread"]) == ("open", True)

    # The sandbox (what `convo demo` serves on a terminal) finds the same packaged files.
    served = run(venv / "bin" / "python", "-c", SANDBOX)
    assert served.stdout.split() == [str(site / "convo_tui" / "demo_data"), "230"]
