"""Make untrusted text safe to show on a terminal.

Customer and provider text is shown literally: every display path (CLI and
TUI) goes through `visible`, which replaces control characters, bidi
overrides and zero-width characters with visible placeholders, so no escape
sequence ever reaches the terminal and nothing can hide or reorder text.

A zero-width joiner between two emoji is no such trick: it makes one emoji of
a sequence ("👩‍👩‍👧‍👦", "🏳️‍🌈"), and so is not flagged. But terminals do not agree on
how wide such a sequence is, nor on an emoji with a skin tone ("👍🏽") or the
emoji presentation selector ("❤️"): Rich counts each 2 cells, tmux 3.3a draws
"👍🏽" 4 cells wide and "🏳️‍🌈" and "❤️" 1, xterm adds up the code points, kitty
draws the sequence as one emoji. A line measured by Rich then ends past where
the terminal put it, and a row loses its column separator. So on a terminal a
sequence is drawn in the one form they all measure alike, one cell per
narrow and two per wide code point: its emoji side by side without the
joiner ("👩👩👧👦", "🏳🌈"), without the skin tone ("👍") and without the selector
("❤"). A skin tone that modifies no emoji (which Rich counts 0 cells, terminals
2) is shown as its code. Flags and tag sequences are left whole: every one of
those terminals draws them two cells wide, as Rich counts them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import regex

ZWJ = "\u200d"
PRESENTATION = "\ufe0f"
"""VARIATION SELECTOR-16: "draw the character before as an emoji"."""
TONES = range(0x1F3FB, 0x1F400)
"""The five skin-tone modifiers (Fitzpatrick types)."""

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
_EMOJI_PARTS = {ord(PRESENTATION), *TONES}
"""Parts of emoji sequences that terminals measure differently (see the module's doc)."""
_PATTERN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f"
    + "".join(re.escape(chr(code)) for code in sorted(_INVISIBLE | _EMOJI_PARTS))
    + "]"
)


class _Emoji(NamedTuple):
    joiner: regex.Pattern[str]
    """A joiner between two emoji."""
    tone: regex.Pattern[str]
    """A skin tone on an emoji."""


@cache
def _emoji() -> _Emoji:
    """Where a joiner or a skin tone is part of an emoji sequence, as Unicode defines emoji
    sequences (UTS #51), by the properties the `regex` module knows: an emoji is an
    Extended_Pictographic character, with the selector and a skin tone after it or not.
    Made on first need: most texts hold none of those parts, and every command
    imports this module (the `regex` import and these take some 13 ms)."""
    import regex

    before = r"(?<=\p{Extended_Pictographic}\uFE0F?\p{Emoji_Modifier}?\uFE0F?)"
    return _Emoji(
        joiner=regex.compile(before + r"\u200D(?=\p{Extended_Pictographic})"),
        tone=regex.compile(r"(?<=\p{Extended_Pictographic}\uFE0F?)\p{Emoji_Modifier}"),
    )


def _code(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def _for_terminal(match: re.Match[str]) -> str:
    char, text, at = match.group(), match.string, match.start()
    if char == PRESENTATION:
        return ""
    if ord(char) in TONES:
        return "" if _emoji().tone.match(text, at) else _code(char)
    if char == ZWJ and _emoji().joiner.match(text, at):
        return ""
    return _code(char)


def _whole(match: re.Match[str]) -> str:
    char = match.group()
    if ord(char) in _EMOJI_PARTS or (
        char == ZWJ and _emoji().joiner.match(match.string, match.start())
    ):
        return char
    return _code(char)


def visible(text: str, *, terminal: bool = True) -> str:
    """`text` with every control or invisible character made visible.

    For a terminal (the default) emoji sequences are drawn in the form every
    terminal measures as Rich does (see the module's doc); elsewhere (an email)
    they are kept whole, their joiners unflagged.
    """
    return _PATTERN.sub(_for_terminal if terminal else _whole, text)


def one_line(text: str, width: int | None = None, *, terminal: bool = True) -> str:
    """A single-line preview: newlines folded to spaces, safe, optionally cut to `width`."""
    flat = visible(" ".join(text.split()), terminal=terminal)
    if width is not None and len(flat) > width:
        return flat[: max(width - 1, 0)] + "…"
    return flat
