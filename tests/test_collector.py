"""The collector runs in the agent's pauses while the inbox is up (convo_tui.session.collector)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from convo_tui.session import collector
from convo_tui.session.collector import Collector


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def clock() -> Iterator[list[float]]:
    now = [100.0]
    yield now


@pytest.fixture
def started(clock: list[float]) -> Iterator[Collector]:
    before = gc.get_threshold()
    col = Collector(clock=lambda: clock[0])
    col.start()
    try:
        yield col
    finally:
        col.stop()
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0


def _garbage(count: int) -> weakref.ref[Node]:
    nodes = [Node() for _ in range(count)]
    probe = weakref.ref(nodes[0])
    del nodes
    return probe


def test_start_freezes_what_exists_and_sets_the_burst_thresholds(started: Collector) -> None:
    assert started.active
    assert gc.get_threshold() == collector.BURST_THRESHOLDS
    assert gc.get_freeze_count() > 0


def test_a_pause_collects_the_young_cycles(started: Collector, clock: list[float]) -> None:
    gc.collect()
    probe = _garbage(collector.MIN_YOUNG + 500)
    started.touched()
    clock[0] += collector.REST / 2
    assert not started.rest()  # the agent is still typing
    assert probe() is not None
    clock[0] += collector.REST
    assert started.rest()
    assert probe() is None
    assert gc.get_count()[0] < collector.MIN_YOUNG


def test_a_pause_with_little_to_collect_does_nothing(
    started: Collector, clock: list[float]
) -> None:
    gc.collect()
    probe = _garbage(10)
    clock[0] += collector.REST * 2
    assert not started.rest()
    assert probe() is not None
    gc.collect()


def test_nothing_happens_before_start(clock: list[float]) -> None:
    col = Collector(clock=lambda: clock[0])
    gc.collect()
    gc.disable()  # Python's own young passes (every 700) would free them first
    try:
        probe = _garbage(collector.MIN_YOUNG + 500)
        clock[0] += collector.REST * 2
        assert not col.rest()
        assert probe() is not None
    finally:
        gc.enable()
        gc.collect()
