"""Key remapping for the terminal UI: the `[keys]` table of the config file, by binding id.

```toml
[keys]
reply = "R"
"inbox.down" = "n,down"
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


def build_keymap(keys: Mapping[str, str], known_ids: Iterable[str]) -> dict[str, str]:
    """The keymap to hand to `App.set_keymap`; an unknown binding id is a config error."""
    known = set(known_ids)
    keymap: dict[str, str] = {}
    for binding_id, text in keys.items():
        if binding_id not in known:
            raise ConfigError(
                f"[keys] names an unknown binding id {binding_id!r}",
                f"use one of: {', '.join(sorted(known))}",
            )
        normalized = normalize_keys(text)
        if not normalized:
            raise ConfigError(f"[keys] {binding_id} has no key", 'e.g. reply = "R"')
        keymap[binding_id] = normalized
    return keymap
