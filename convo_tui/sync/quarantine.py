"""Provider records that do not parse: set aside raw, counted, and the stream goes on.

Before, one message with `date_sent: "not a date"` or `sid: null` failed its whole
page every round, and the cursor could never pass it. Now the clients hand such a
record here (`on_bad`), the rest of the page is stored and the cursor moves on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from convo_tui.store.models import QuarantinedRecord

MAX_RAW = 20_000
"""Characters of a record kept (a hostile one may be huge)."""


@dataclass
class Held:
    """Bad records a stream met this round, written with the rows they came with."""

    stream: str
    records: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, raw: Any, reason: str) -> None:
        try:
            text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=repr)
        except (TypeError, ValueError, RecursionError):
            text = repr(raw)
        self.records.append((text[:MAX_RAW], reason[:500]))

    def write(self, session: Session, *, now: datetime) -> int:
        """Store what was held (a record seen before is counted again); how many."""
        written = len(self.records)
        for raw, reason in self.records:
            digest = hashlib.sha256(raw.encode()).hexdigest()
            row = session.exec(
                select(QuarantinedRecord).where(
                    QuarantinedRecord.stream == self.stream, QuarantinedRecord.digest == digest
                )
            ).first()
            if row is None:
                session.add(
                    QuarantinedRecord(
                        stream=self.stream, digest=digest, raw=raw, reason=reason,
                        first_seen=now, last_seen=now,
                    )
                )  # fmt: skip
                session.flush()
            else:
                row.seen += 1
                row.last_seen = now
                row.reason = reason
        self.records.clear()
        return written


@dataclass(frozen=True)
class Summary:
    records: int
    newest_reason: str | None
    newest_at: datetime | None


def summary(session: Session) -> Summary:
    count = int(session.exec(select(func.count()).select_from(QuarantinedRecord)).one())
    newest = session.exec(
        select(QuarantinedRecord).order_by(col(QuarantinedRecord.last_seen).desc())
    ).first()
    return Summary(count, newest.reason if newest else None, newest.last_seen if newest else None)
