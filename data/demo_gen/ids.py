"""Identifiers in the providers' formats, drawn from the demo's one random generator."""

from __future__ import annotations

import random
import uuid

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE_MS = 1_760_000_000_000
"""A fixed instant: ULID time parts never depend on the clock."""


class Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def ulid(self) -> str:
        """A 26-character ULID-like id (Klaviyo style)."""
        ms = BASE_MS - self.rng.randrange(400 * 86_400_000)
        head = ""
        for _ in range(10):
            head = CROCKFORD[ms % 32] + head
            ms //= 32
        bits = self.rng.getrandbits(80)
        tail = ""
        for _ in range(16):
            tail = CROCKFORD[bits % 32] + tail
            bits //= 32
        return head + tail

    def message_sid(self, mms: bool) -> str:
        """A Twilio message SID: MM for a text with media, SM without."""
        return ("MM" if mms else "SM") + f"{self.rng.getrandbits(128):032x}"

    def event_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def short_code(self, n: int = 6) -> str:
        return "".join(self.rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(n))
