"""Faults the sandbox can inject, switchable per run, each for a number of requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from convo_tui.errors import ConvoError

KINDS = {
    "429": "rate limited (Twilio code 20429; Retry-After only when retry_after is given)",
    "500": "internal server error",
    "503": "service unavailable",
    "slow": "answer after `delay` seconds (a POST is carried out first)",
    "drop": "close the connection in the middle of the body (a POST is carried out first)",
    "truncate": "send only the first half of the JSON body, with a matching length",
    "invalid_json": "answer 200 with a body that is not JSON",
    "duplicate": "start each page with the last item of the previous one",
    "shift": "new texts arrive while a list is paged, and pages move by offset",
    "foreign_link": "the next-page link points at another host (a client must not follow it)",
    "lag": "the message list leaves out texts sent in the last `delay` seconds (a list that "
    "lags its sends)",
    "odd_answer": "a POST is carried out and answered 201 with fields a client cannot read "
    "(ISO dates, counts in words)",
    "repeat_sid": "a POST is carried out and answered with the sid of the text sent before it "
    "(a provider bug)",
    "other_message": "a fetch of one message answers another message",
    "corrupt_record": "in a message list, the first message's date_sent is not a date and the "
    "second's sid is null (one bad record on a good page)",
}
# Paging faults need several pages: they cap the page size while they last.
PAGING = {"duplicate", "shift"}
CAPS_PAGES = PAGING | {"foreign_link"}


@dataclass
class Fault:
    kind: str
    count: int = 1
    path: str = ""
    """Applies to requests whose path contains this ("" is every path)."""
    method: str = ""
    query: str = ""
    """Applies to requests whose query (`k=v&k=v`, decoded) contains this."""
    retry_after: float | None = None
    delay: float = 3.0
    page_size: int = 100

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Fault:
        kind = str(data.get("kind", ""))
        if kind not in KINDS:
            raise ConvoError(f"unknown fault {kind!r}", "use one of: " + ", ".join(sorted(KINDS)))
        retry_after = data.get("retry_after")
        return cls(
            kind=kind,
            count=int(data.get("count", 1)),
            path=str(data.get("path", "")),
            method=str(data.get("method", "")).upper(),
            query=str(data.get("query", "")),
            retry_after=float(retry_after) if retry_after is not None else None,
            delay=float(data.get("delay", 3.0)),
            page_size=int(data.get("page_size", 100)),
        )

    def matches(self, method: str, path: str, query: str = "") -> bool:
        return (
            self.count > 0
            and (not self.path or self.path in path)
            and (not self.method or self.method == method)
            and (not self.query or self.query in query)
        )


class FaultPlan:
    """The faults in force; each request takes at most one, which uses up one count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def set(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults = list(faults)

    def take(self, method: str, path: str, query: str = "") -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, query):
                    fault.count -= 1
                    return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(vars(f)) for f in self._faults if f.count > 0]
