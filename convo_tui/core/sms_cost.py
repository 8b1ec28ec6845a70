"""What a text costs as SMS: encoding (GSM-7 or UCS-2), length as SMS counts it, segments.

GSM-7 (GSM 03.38 default alphabet): 160 septets in one segment, 153 per
segment when split; extension characters take two septets and never split
across segments. Any character outside it makes the whole text UCS-2: 70
UTF-16 code units in one segment, 67 per segment, and a character outside the
BMP (most emoji) takes two units that are never split.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class Cost:
    encoding: str
    """"GSM-7" or "UCS-2"."""
    length: int
    """Septets for GSM-7, UTF-16 code units for UCS-2."""
    segments: int
    unicode_chars: tuple[str, ...]
    """The characters that forced UCS-2, each once, in order of appearance."""


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _units(text: str, encoding: str) -> list[int]:
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _segments(units: list[int], single: int, multi: int) -> int:
    total = sum(units)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in units:  # a character is never split across two segments
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return segments


def cost(text: str) -> Cost:
    """The encoding, length and segment count of `text` as one SMS body."""
    unicode_chars = tuple(
        dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION)
    )
    encoding = "UCS-2" if unicode_chars else "GSM-7"
    units = _units(text, encoding)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_MULTI)
    return Cost(encoding, sum(units), _segments(units, single, multi), unicode_chars)
