"""Make untrusted text safe to show on a terminal.

Customer and provider text is shown literally: every display path (CLI and
TUI) goes through `visible`, which replaces control characters, bidi
overrides and zero-width characters with visible placeholders, so no escape
sequence ever reaches the terminal and nothing can hide or reorder text.
"""

from __future__ import annotations

import re

# C0 controls but newline, DEL, and C1 controls: shown as Unicode "control pictures"
# where one exists (U+2400 block), otherwise as <U+XXXX>.
_INVISIBLE = {
    # bidi embeddings, overrides and isolates
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x200E,
    0x200F,
    0x061C,
    # zero-width and invisible formatting characters
    0x200B,
    0x200C,
    0x200D,
    0x2060,
    0xFEFF,
    0x00AD,
}
_PATTERN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f"
    + "".join(re.escape(chr(code)) for code in sorted(_INVISIBLE))
    + "]"
)


def _placeholder(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """`text` with every control or invisible character made visible."""
    return _PATTERN.sub(_placeholder, text)


def one_line(text: str, width: int | None = None) -> str:
    """A single-line preview: newlines folded to spaces, safe, optionally cut to `width`."""
    flat = visible(" ".join(text.split()))
    if width is not None and len(flat) > width:
        return flat[: max(width - 1, 0)] + "…"
    return flat
