"""The cyclic garbage collector while the inbox is up.

Drawing a frame makes thousands of short-lived objects, and many of them die only
by the collector (a Textual strip keeps itself in its own caches: a cycle). So:

- what exists once the inbox is up (modules, classes, styles, widgets) is frozen,
  so no pass walks it again;
- while keys keep coming, the young generation is collected every 5,000 objects
  and the middle one every fifth time. Measured over 80 `j` at 1M conversations
  (gross CPU per key, median / p95 / mean): Python's (700, 10, 10) ran middle
  and full passes on most keys (32 / 87 / 38 ms); (5000, 10, 10) gave 22 / 40 /
  26 ms, its middle passes of 11-14 ms landing on one key in ten; (5000, 5, 10)
  gives 21 / 26 / 22 ms, middle passes of 6-7 ms (they find much of what they
  walk dead), and a full pass (about 40 ms) about once in 80 keys. Larger young
  generations (20,000, 50,000) gave passes of 60-120 ms and no better p95;
- when the agent pauses (`Collector.rest`, on a timer), the young generations are
  collected then, and now and then the old one with them, so the next keys find
  little to collect.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

BURST_THRESHOLDS = (5000, 5, 10)
"""Python's own collection while keys keep coming (its default is (700, 10, 10))."""
REST = 0.5
"""Seconds without input after which the agent has paused."""
MIN_YOUNG = 2_000
"""Young objects below which a pause is not worth a collection."""
FULL_EVERY = 20
"""Pauses with a collection between two collections of the old generation too."""


class Collector:
    """When the cyclic collector runs; one for the process (the collector is global)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._saved: tuple[int, int, int] | None = None
        self._input_at = clock()
        self._rests = 0

    @property
    def active(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        """The inbox is up: freeze what exists and collect in pauses from now on."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*BURST_THRESHOLDS)

    def stop(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            gc.unfreeze()
            self._saved = None

    def touched(self) -> None:
        """The agent pressed a key or used the mouse."""
        self._input_at = self._clock()

    def rest(self) -> bool:
        """Collect if the agent has paused and there is enough to collect; True if it did."""
        if self._saved is None or self._clock() - self._input_at < REST:
            return False
        if gc.get_count()[0] < MIN_YOUNG:
            return False
        self._rests += 1
        gc.collect(2 if self._rests % FULL_EVERY == 0 else 1)
        return True


COLLECTOR = Collector()
