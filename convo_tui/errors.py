"""The one error type a user sees: what went wrong, and what to do about it."""

from __future__ import annotations


class ConvoError(Exception):
    """A user-facing failure, printed as one line, never as a traceback."""

    exit_code = 1

    def __init__(self, what: str, fix: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix

    def line(self) -> str:
        """The single line shown to the user."""
        return f"{self.what}; {self.fix}" if self.fix else self.what


class NotFound(ConvoError):
    """A profile, conversation, agent or setting that does not exist."""


class AccessDenied(ConvoError):
    """The agent may not do this."""

    exit_code = 3


class Refused(ConvoError):
    """A rule of the product forbids the action (consent, blocking, ...)."""

    def __init__(self, what: str, fix: str = "", *, reason: str = "") -> None:
        super().__init__(what, fix)
        self.reason = reason


class BadInput(ConvoError):
    """A value on the command line that cannot mean anything (a usage error)."""

    exit_code = 2


class StoreError(ConvoError):
    """The store cannot be opened or used (locked, corrupt, too new)."""

    exit_code = 4


class StoreUnreachable(StoreError):
    """The database server cannot be reached (down, restarting, the network): it may come
    back by itself, so what runs on (the inbox, `sync --follow`) retries."""


class StoreFull(StoreError):
    """The store's disk (or database quota) is full: the write was refused and rolled
    back, nothing stored was lost."""
