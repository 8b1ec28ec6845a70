"""Every configuration field says what it is, in a docstring beside it (as posting's
config has them), and every per-host field can also be set by its CONVO_* variable."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from convo_tui import config

SOURCE = Path(config.__file__).read_text(encoding="utf-8")
SECTIONS = {
    "Config": "",
    "TwilioConfig": "twilio",
    "KlaviyoConfig": "klaviyo",
    "SmtpConfig": "smtp",
}


def _documented(cls: ast.ClassDef) -> dict[str, bool]:
    found: dict[str, bool] = {}
    body = cls.body
    for index, node in enumerate(body):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            after = body[index + 1] if index + 1 < len(body) else None
            found[node.target.id] = (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
                and bool(after.value.value.strip())
            )
    return found


def test_every_config_field_has_a_docstring() -> None:
    classes = {
        node.name: node
        for node in ast.walk(ast.parse(SOURCE))
        if isinstance(node, ast.ClassDef) and node.name in SECTIONS
    }
    assert set(classes) == set(SECTIONS)
    for name, node in classes.items():
        documented = _documented(node)
        fields = {f.name for f in dataclasses.fields(getattr(config, name))}
        assert set(documented) == fields, name
        missing = sorted(field for field, ok in documented.items() if not ok)
        assert not missing, f"{name}: no docstring for {missing}"
        assert ast.get_docstring(node), f"{name} has no docstring"


def test_every_per_host_field_has_its_environment_variable() -> None:
    by_field = set(config.ENV_VARS.values())
    for name, section in SECTIONS.items():
        for field in dataclasses.fields(getattr(config, name)):
            if field.name in {"twilio", "klaviyo", "smtp", "keys", "source"}:
                continue  # the sections, the [keys] table, and where the file was
            assert (section, field.name) in by_field, f"no CONVO_* variable for {section}.{field}"
