"""Compliance keywords.

Two rules, kept apart on purpose:

- `provider_keyword`: Twilio's own filter, the whole trimmed message in its list, any
  case. What Twilio itself acts on (it confirms and blocks): the sandbox plays it, and
  convo knows the provider already answered such a text.
- `classify`: what convo treats as a keyword, wider for opt-outs as the law reads them.
  47 CFR 64.1200(a)(10) makes a reply using "stop", "quit", "end", "revoke", "opt out",
  "cancel" or "unsubscribe" a valid revocation per se, and CTIA says case and
  punctuation must not decide validity. So after folding case and removing everything
  but letters and digits (whitespace, punctuation, emoji), a text that is one of those
  words (or Twilio's) with only "please", "me", "all" or "now" around it is an opt-out:
  "STOP.", "stop!!", "Stop 🛑", "STOP PLEASE", "OPT-OUT", "unsubscribe me". Opt-in and
  help stay the provider's strict rule: a stray "yes!" must never re-subscribe anyone.
"""

from __future__ import annotations

import re
import unicodedata

from convo_tui.store.kinds import KeywordKind

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP", "JOIN"})
HELP = frozenset({"HELP", "INFO"})

PER_SE = OPT_OUT
"""The FCC's words (64.1200(a)(10): "opt out" reads OPTOUT with spaces removed) and
Twilio's are the same list."""
FILLERS = ("PLEASE", "ME", "ALL", "NOW")

_PER_SE = re.compile(
    "(?:{f})*(?P<word>{w})(?:{f})*".format(
        f="|".join(FILLERS),
        w="|".join(sorted(PER_SE, key=len, reverse=True)),
    )
)


def folded(body: str) -> str:
    """The letters and digits of `body`, upper case: compatibility forms folded (a
    full-width ＳＴＯＰ is STOP), whitespace, punctuation, symbols and emoji gone."""
    text = unicodedata.normalize("NFKC", body).upper()
    return "".join(ch for ch in text if ch.isalnum())


def provider_keyword(body: str) -> KeywordKind | None:
    """Twilio's filter: the whole trimmed message is in its list, any case."""
    word = body.strip().upper()
    if word in OPT_OUT:
        return KeywordKind.OPT_OUT
    if word in OPT_IN:
        return KeywordKind.OPT_IN
    if word in HELP:
        return KeywordKind.HELP
    return None


def opt_out_word(body: str) -> str | None:
    """The per se opt-out word `body` amounts to ("STOP" for "Stop please 🛑"), or None."""
    found = _PER_SE.fullmatch(folded(body))
    return found.group("word") if found else None


def classify(body: str) -> KeywordKind | None:
    """The keyword kind convo acts on, else None ("stop it" is a text)."""
    if opt_out_word(body) is not None:
        return KeywordKind.OPT_OUT
    return provider_keyword(body)
