"""Control characters out of what is sent: a reply reaches the customer as plain text.

An agent may paste terminal output or text from anywhere: an escape sequence
(ESC [31m), a C1 control (U+0080–U+009F), NUL or another C0 control means
nothing on a phone, and some carriers refuse or mangle it. Every reply passes
`clean` (the reply rules and the composer's preview call it): an escape sequence
goes whole (ESC and what it began), any other control alone. Newline stays; a
Windows line end (CR LF) becomes a newline. A tab becomes a space: GSM-7 has no
tab, so one tab alone would make the whole text UCS-2 (70 characters a segment
instead of 160), and phones draw it as they like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

C0_NAMES = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
    "ESC", "FS", "GS", "RS", "US",
]  # fmt: skip

# Escape sequences (ECMA-48), in their 7-bit (ESC ...) and 8-bit (C1) forms:
# control strings (OSC, DCS, SOS, PM, APC) up to their terminator, CSI with its
# parameters, and ESC with intermediates and a final byte.
_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]{0,4096}(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,8}[@-~]"
    r"|\x1b[ -/]{0,8}[0-~]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_name(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return C0_NAMES[code]
    if code == 0x7F:
        return "DEL"
    return f"U+{code:04X}"


@dataclass(frozen=True)
class Cleaned:
    text: str
    """The text as it is sent."""
    removed: tuple[str, ...] = ()
    """The control characters taken out, by name, in order (an escape sequence counts
    as its first character: ESC, or its C1 form)."""
    sequences: int = 0
    """How many of them began an escape sequence, taken out whole."""
    tabs: int = 0
    """Tabs made spaces."""

    def notice(self) -> str | None:
        """One line saying what was taken out, or None when nothing was."""
        if not self.removed and not self.tabs:
            return None
        parts = []
        if self.sequences:
            parts.append(_count(self.sequences, "escape sequence"))
        if len(self.removed) > self.sequences:
            parts.append(_count(len(self.removed) - self.sequences, "control character"))
        words = ""
        if parts:
            names = ", ".join(dict.fromkeys(self.removed))
            words = f"removed {' and '.join(parts)} ({names}) from the reply"
        if self.tabs:
            tabs = f"{_count(self.tabs, 'tab')} sent as space{'s' if self.tabs > 1 else ''}"
            words = f"{words}; {tabs}" if words else f"{tabs} (SMS has no tab)"
        return words


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def clean(text: str) -> Cleaned:
    """`text` without control characters and escape sequences (see the module's doc)."""
    text = text.replace("\r\n", "\n")
    tabs = text.count("\t")
    text = text.replace("\t", " ")
    if not _CONTROL.search(text):
        return Cleaned(text, tabs=tabs)
    removed: list[str] = []
    sequences = 0

    def sequence(match: re.Match[str]) -> str:
        nonlocal sequences
        sequences += 1
        removed.append(control_name(match.group()[0]))
        return ""

    def control(match: re.Match[str]) -> str:
        removed.append(control_name(match.group()))
        return ""

    text = _SEQUENCE.sub(sequence, text)
    text = _CONTROL.sub(control, text)
    return Cleaned(text, tuple(removed), sequences, tabs)
