"""One table of settings drives every front end (issue 13).

`settings.SPECS` is the table: the README's settings table is generated from it
(and compared here, so it cannot drift), and every key in it can be shown and set
from the CLI and from the settings modal. Rules over two settings (quiet hours
that would be empty) are refused the same way in both.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from convo_tui.core import settings as settings_mod
from convo_tui.screens.settings import field_id
from convo_tui.store.engine import Store

from .cli_helpers import run, run_process
from .tui_helpers import make_app, settle, started

README = Path(__file__).resolve().parent.parent / "README.md"
HEADING = "### Settings (shared by the team, kept in the store)"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, path)
    return path


def _readme_table() -> list[str]:
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADING) + 1
    while not lines[start].startswith("|"):
        start += 1
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[start:end]


def _another_value(key: str, current: Any) -> str:
    """A value as a person types it that differs from `current` (the table's example,
    or for on/off and choices another option)."""
    spec = settings_mod.SPECS[key]
    candidates = [spec.example, "on", "off", *spec.choices]
    for text in candidates:
        try:
            value = settings_mod.parse_value(key, text)
        except settings_mod.BadSetting:
            continue
        if value != current:
            return text
    raise AssertionError(f"the example of {key} is its current value {current!r}")


def test_the_readme_table_is_the_code_table() -> None:
    expected = settings_mod.markdown_table().splitlines()
    assert _readme_table() == expected, (
        "README.md's settings table differs from convo_tui.core.settings.SPECS; replace it with:\n"
        + "\n".join(expected)
    )


def test_the_table_names_type_default_and_description_of_every_key() -> None:
    rows = _readme_table()[2:]
    assert [row.split("|")[1].strip().strip("`") for row in rows] == list(settings_mod.SPECS)
    assert "coupons.codes" in settings_mod.SPECS
    for spec in settings_mod.SPECS.values():
        assert spec.kind and spec.help, spec.key
        # The example is valid and is not the default: the tests below set it.
        assert settings_mod.parse_value(spec.key, spec.example) != spec.default, spec.key


def test_every_key_is_shown_and_set_from_the_cli(capsys, demo_db) -> None:
    def cli(*args: str):
        return run(capsys, *args, "--db", demo_db, "--agent", "ana")

    shown = cli("settings", "show", "--json").json()
    assert list(shown) == list(settings_mod.SPECS)
    text = cli("settings", "show").out
    for key in settings_mod.SPECS:
        assert key in text, key
    for key in settings_mod.SPECS:
        typed = _another_value(key, shown[key])
        done = cli("settings", "set", key, typed)
        assert done.code == 0, (key, typed, done.err)
        after = cli("settings", "show", "--json").json()
        assert after[key] == settings_mod.parse_value(key, typed) != shown[key], key


def test_coupon_codes_are_an_ordinary_setting(capsys, demo_db) -> None:
    def cli(*args: str):
        return run(capsys, *args, "--db", demo_db, "--agent", "ana")

    assert cli("settings", "set", "coupons.codes", "WELCOME10, BOOTS-15").code == 0
    assert cli("settings", "show", "--json").json()["coupons.codes"] == ["WELCOME10", "BOOTS-15"]
    assert "WELCOME10, BOOTS-15" in cli("settings", "show").out
    cli("settings", "set", "coupons.codes", "50% OFF").assert_one_line_error(
        "coupons.codes", "not a coupon code"
    )


def test_quiet_hours_start_equal_to_end_is_refused_in_the_cli(demo_db) -> None:
    def cli(*args: str):
        return run_process(*args, "--db", demo_db, "--agent", "ana")

    cli("settings", "set", "quiet_hours.start", "20:00").assert_one_line_error(
        "quiet_hours.start", "quiet_hours.end", "20:00"
    )
    cli("settings", "set", "quiet_hours.end", "8:00").assert_one_line_error(
        "quiet_hours.start", "quiet_hours.end", "08:00"
    )
    shown = cli("settings", "show", "--json").json()
    assert (shown["quiet_hours.start"], shown["quiet_hours.end"]) == ("08:00", "20:00")


async def _set_in_modal(pilot: Any, modal: Any, key: str, typed: str) -> None:
    control = modal.query_one(f"#{field_id(key)}")
    kind = type(control).__name__
    if kind == "Switch":
        control.value = settings_mod.parse_value(key, typed)
    elif kind == "Select":
        control.value = typed
    else:
        assert kind == "Input", (key, kind)
        control.value = typed
        control.focus()
        await pilot.press("enter")
    await settle(pilot)


@pytest.mark.anyio
async def test_every_key_is_shown_and_set_from_the_modal(demo_store: Store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("comma")
        await settle(pilot)
        modal = app.screen
        before = app.desk.settings().values
        assert list(before) == list(settings_mod.SPECS)
        for key in settings_mod.SPECS:
            typed = _another_value(key, before[key])
            await _set_in_modal(pilot, modal, key, typed)
            error = str(modal.query_one(f"#error-{field_id(key)}").render())
            assert error == "saved", (key, typed, error)
            value = app.desk.settings().values[key]
            assert value == settings_mod.parse_value(key, typed) != before[key], key


@pytest.mark.anyio
async def test_quiet_hours_start_equal_to_end_is_refused_in_the_modal(demo_store: Store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("comma")
        await settle(pilot)
        modal = app.screen
        await _set_in_modal(pilot, modal, "quiet_hours.start", "20:00")
        error = str(modal.query_one(f"#error-{field_id('quiet_hours.start')}").render())
        assert "quiet_hours.end" in error and "20:00" in error, error
        assert app.desk.settings().values["quiet_hours.start"] == "08:00"
