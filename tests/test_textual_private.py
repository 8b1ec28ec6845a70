"""The private Textual names convo uses are the ones listed in one place
(convo_tui/widgets/textual_private.py), and each still exists in the Textual installed,
which is the one pinned: an upgrade that renames one fails here, by name.

The code is read for private names of Textual two ways: names a convo class that
derives from a Textual class defines or reaches on `self` (overrides, and attributes
its Textual bases set), and `obj._name` on any other object where `_name` is a name
Textual defines and convo does not.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import inspect
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

from convo_tui.widgets.textual_private import PRIVATE_NAMES, TEXTUAL_VERSION

from .tui_helpers import missing_private_names

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("convo_tui", "tests", "benchmarks", "data")

Use = tuple[str, str]
"""A private name and the file (from the root) that uses it."""


def test_every_listed_name_is_in_the_installed_textual() -> None:
    assert missing_private_names(PRIVATE_NAMES) == []


def test_a_name_textual_lacks_or_changed_is_reported() -> None:
    by_kind = {entry.kind: entry for entry in PRIVATE_NAMES}
    gone = replace(by_kind["attribute"], name="_no_such_attribute")
    renamed = replace(by_kind["override"], name="_no_such_method")
    reshaped = replace(by_kind["method"], parameters=("self", "size"))
    assert missing_private_names([gone, renamed, reshaped, by_kind["method"]]) == [
        f"{gone.owner.__qualname__}._no_such_attribute",
        f"{renamed.owner.__qualname__}._no_such_method",
        f"{reshaped.owner.__qualname__}.{reshaped.name}",
    ]


def test_the_names_were_checked_against_the_pinned_and_installed_textual() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [d for d in project["dependencies"] if re.match(r"textual\b", d)]
    assert pins == [f"textual=={TEXTUAL_VERSION}"]
    assert importlib.metadata.version("textual") == TEXTUAL_VERSION


def test_the_code_uses_no_private_textual_name_that_is_not_listed() -> None:
    found = set(_uses_in_textual_classes()) | set(_uses_on_other_objects(_files()))
    listed = {(entry.name, path) for entry in PRIVATE_NAMES for path in entry.used_in}
    assert sorted(found - listed) == [], "list them in convo_tui/widgets/textual_private.py"
    assert sorted(listed - found) == [], "no longer used: take them off the list"


def test_a_private_name_reached_on_another_object_is_found(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f(app, widget):\n"
        "    app.screen._compositor.render_strips()\n"  # Textual's
        "    return widget._strips\n"  # convo's own (the side tabs')
    )
    assert set(_uses_on_other_objects([planted])) == {("_compositor", str(planted))}


# -- reading the code ----------------------------------------------------------------


def _files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined(tree: ast.AST) -> Iterator[str]:
    """Private names a module defines: functions, classes, class and instance
    attributes it assigns."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            yield node.attr
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id


@cache
def _textual_names() -> frozenset[str]:
    """Every private name Textual's own source defines."""
    spec = importlib.util.find_spec("textual")
    assert spec is not None and spec.submodule_search_locations
    names: set[str] = set()
    for folder in spec.submodule_search_locations:
        for path in Path(folder).rglob("*.py"):
            names.update(n for n in _defined(ast.parse(path.read_text())) if _private(n))
    return frozenset(names)


def _is_self(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "self"
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (node.func.id == "super")
    )


def _uses_on_other_objects(files: Iterable[Path]) -> Iterator[Use]:
    """`obj._name` where `obj` is not `self` and `_name` is Textual's, not convo's; and
    imports of Textual's private modules or names."""
    trees = {path: _tree(path) for path in files}
    own = _repo_defined() | {name for tree in trees.values() for name in _defined(tree)}
    textual = _textual_names()
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr) and not _is_self(node.value):
                if node.attr in textual and node.attr not in own:
                    yield node.attr, _relative(path)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual"):
                parts = (node.module or "").split(".")
                for alias in node.names:
                    if any(_private(p) for p in parts) or _private(alias.name):
                        yield alias.name, _relative(path)


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


@cache
def _repo_defined() -> frozenset[str]:
    """Every private name convo's own code defines (tests and tools included)."""
    return frozenset(n for path in _files() for n in _defined(_tree(path)) if _private(n))


def _uses_in_textual_classes() -> Iterator[Use]:
    """Names each convo class with a Textual base defines or reaches on `self` (or
    `super()`) that one of its Textual bases defines too: an override or a use. (Classes
    made inside a function are not read.)"""
    for path in sorted((ROOT / "convo_tui").rglob("*.py")):
        if "textual" not in path.read_text():
            continue
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for node, cls in _class_defs(module, _tree(path).body):
            bases = [b for b in cls.__mro__[1:] if b.__module__.split(".")[0] == "textual"]
            theirs = set().union(*(_base_names(b) for b in bases))
            for name in _class_names(node) & theirs:
                yield name, _relative(path)


def _class_defs(owner: object, body: list[ast.stmt]) -> Iterator[tuple[ast.ClassDef, type]]:
    """The classes a module's or a class's body defines, each with its class object."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            cls = vars(owner).get(node.name)
            assert inspect.isclass(cls), f"{node.name} is not {owner!r}'s class"
            yield node, cls
            yield from _class_defs(cls, node.body)


@cache
def _base_names(base: type) -> frozenset[str]:
    """Private names a Textual class defines: in its namespace, or set on `self`."""
    names = {n for n in vars(base) if _private(n)}
    names.update(re.findall(r"self\.(_[A-Za-z]\w*)", inspect.getsource(base)))
    return frozenset(names)


def _class_names(node: ast.ClassDef) -> set[str]:
    """Private names a class body defines, and those its methods reach on `self`
    (nested classes apart: they are read on their own)."""
    names: set[str] = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(item.name)
            stack: list[ast.AST] = [item]
            while stack:
                current = stack.pop()
                for child in ast.iter_child_nodes(current):
                    if isinstance(child, ast.ClassDef):
                        continue
                    if isinstance(child, ast.Attribute) and _is_self(child.value):
                        names.add(child.attr)
                    stack.append(child)
        elif isinstance(item, ast.Assign):
            names.update(t.id for t in item.targets if isinstance(t, ast.Name))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
    return {n for n in names if _private(n)}
