"""Twilio's smart encoding: look-alike Unicode punctuation rewritten to GSM-7 characters.

A Messaging Service with smart encoding on (or a send with `SmartEncoded=true`) stores
and lists the rewritten body, so a reply looked up in the provider's list after a lost
answer must be compared in this form too. The table holds the common characters of
Twilio's published list (quotes, apostrophes, dashes, spaces, ellipsis and the like).
"""

from __future__ import annotations

import re

_QUOTES = "«»“”„‟″‶ʺˮ❝❞〝〞＂"
_APOSTROPHES = "‘’‚‛′‵ʹʻʼʽˈˊˋ´＇"
_DASHES = "‐‑‒–—―⁃−﹘﹣－"
_SPACES = "\u00a0\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))
_GONE = "\u200b\u200c\u200d\u2060\ufeff"

TABLE: dict[int, str] = {
    **{ord(c): '"' for c in _QUOTES},
    **{ord(c): "'" for c in _APOSTROPHES},
    **{ord(c): "-" for c in _DASHES},
    **{ord(c): " " for c in _SPACES},
    **{ord(c): "" for c in _GONE},
    ord("…"): "...",
    ord("‼"): "!!",
    ord("⁇"): "??",
    ord("⁈"): "?!",
    ord("⁉"): "!?",
    ord("‹"): "<",
    ord("›"): ">",
    ord("ˆ"): "^",
    ord("˜"): "~",
    ord("¸"): ",",
    ord("⁄"): "/",
    ord("∕"): "/",
    ord("﹐"): ",",
    ord("﹒"): ".",
}


def encode(body: str) -> str:
    """The body as smart encoding sends it."""
    return body.translate(TABLE)


_NOT_WORD = re.compile(r"[\W_]+")


def skeleton(body: str) -> str:
    """Letters and digits only, folded: the same text under any rewrite of punctuation
    and spacing (a provider's own table may hold characters this one does not)."""
    return _NOT_WORD.sub("", encode(body)).casefold()


def same_text(ours: str, theirs: str) -> bool:
    """Whether `theirs` (the provider's copy) is `ours` as sent, rewritten or not."""
    if ours == theirs or encode(ours) == encode(theirs):
        return True
    mine = skeleton(ours)
    return bool(mine) and mine == skeleton(theirs)
