"""Compliance keywords: whole message, trimmed, any case (Twilio's defaults, plus JOIN)."""

from __future__ import annotations

from convo_tui.store.models import KeywordKind

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP", "JOIN"})
HELP = frozenset({"HELP", "INFO"})


def classify(body: str) -> KeywordKind | None:
    """The keyword kind when the whole text is a keyword, else None ("stop it" is a text)."""
    word = body.strip().upper()
    if word in OPT_OUT:
        return KeywordKind.OPT_OUT
    if word in OPT_IN:
        return KeywordKind.OPT_IN
    if word in HELP:
        return KeywordKind.HELP
    return None
