"""Key remapping for the terminal UI: the `[keys]` table of the config file, by binding id.

```toml
[keys]
reply = "R"
"inbox.down" = "n,down"
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from convo_tui.config import ConfigError

_NAMES = {
    "?": "question_mark",
    ",": "comma",
    "/": "slash",
    ".": "full_stop",
    " ": "space",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "<": "less_than_sign",
    ">": "greater_than_sign",
}


def normalize_keys(text: str) -> str:
    """A key list as Textual names keys ("?" → "question_mark"), comma-separated."""
    if text.strip() == ",":
        return "comma"
    keys = [part.strip() if part.strip() else part for part in text.split(",")]
    return ",".join(_NAMES.get(key, key) for key in keys if key)


@dataclass(frozen=True)
class Bound:
    """A binding a `[keys]` table may remap: its id, default keys, and where it is active.

    `chain` is the path of its owner in the focus chain, e.g. ("app",) for the app,
    ("app", "inbox") for the inbox screen, ("app", "inbox", "list") for the list pane:
    two bindings compete for a key only when one chain starts the other (a pane's
    keys and the screen's or app's around it), never across panes that are not both
    focused at once."""

    id: str
    keys: tuple[str, ...]
    chain: tuple[str, ...]


def overlaps(a: Bound, b: Bound) -> bool:
    """Whether `a` and `b` can be active at the same time."""
    shorter, longer = sorted((a.chain, b.chain), key=len)
    return longer[: len(shorter)] == shorter


def shown(key: str) -> str:
    """A key as a person writes it ("question_mark" → "?")."""
    return _SHOWN.get(key, key)


_SHOWN = {name: char for char, name in _NAMES.items()}


def build_keymap(keys: Mapping[str, str], bindings: Iterable[Bound]) -> dict[str, str]:
    """The keymap to hand to `App.set_keymap`. An unknown binding id, an empty key, or a
    key that another action active at the same time keeps is a config error."""
    owners: dict[str, list[Bound]] = {}
    for bound in bindings:
        owners.setdefault(bound.id, []).append(bound)
    keymap: dict[str, str] = {}
    for binding_id, text in keys.items():
        if binding_id not in owners:
            raise ConfigError(
                f"[keys] names an unknown binding id {binding_id!r}",
                f"use one of: {', '.join(sorted(owners))}",
            )
        normalized = normalize_keys(text)
        if not normalized:
            raise ConfigError(f"[keys] {binding_id} has no key", 'e.g. reply = "R"')
        keymap[binding_id] = normalized

    def effective(bound: Bound) -> set[str]:
        mapped = keymap.get(bound.id)
        return set(mapped.split(",")) if mapped is not None else set(bound.keys)

    everyone = [bound for group in owners.values() for bound in group]
    for binding_id in keymap:
        for mine in owners[binding_id]:
            for key in sorted(effective(mine) - set(mine.keys)):  # the keys it newly takes
                for other in everyone:
                    if other.id != binding_id and overlaps(mine, other) and key in effective(other):
                        raise ConfigError(
                            f'[keys] {binding_id} = "{keys[binding_id]}" takes the key of '
                            f"{other.id} ({shown(key)})",
                            f"choose another key or remap {other.id} too",
                        )
    return keymap
