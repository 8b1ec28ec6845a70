"""Letters typed while a conversation opens: kept for its reply box, never run as keys.

`enter` on a row opens the conversation; the reply box takes the focus only once the
conversation is loaded, a few frames later. Letters typed meanwhile (a fast typist, a
paste, keys batched by a slow SSH link) would otherwise reach whatever has the focus
then, the list or the thread, where `s` snoozes and `b` blocks a customer. The list
and the thread each hold them from the moment of `enter` until the screen releases
them into the box.
"""

from __future__ import annotations


class TypingHold:
    """A buffer that is either off (None) or collecting what is typed."""

    def __init__(self) -> None:
        self._held: list[str] | None = None

    @property
    def holding(self) -> bool:
        return self._held is not None

    def start(self) -> None:
        if self._held is None:
            self._held = []

    def release(self) -> str:
        """What was typed while holding; holding ends."""
        held, self._held = self._held, None
        return "".join(held or ())

    def take(self, key: str, character: str | None, printable: bool) -> bool:
        """Whether this key was kept (the caller stops it). Escape ends the hold and goes
        on to its binding; keys that type nothing (arrows, ctrl+...) go on too."""
        if self._held is None:
            return False
        if key == "escape":
            self._held = None
            return False
        if key == "backspace":
            if self._held:
                self._held.pop()
            return True
        if printable and character:
            self._held.append(character)
            return True
        return False
