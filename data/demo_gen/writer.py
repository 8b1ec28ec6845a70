"""Making the demo data set and writing it: the one entry point (`generate`)."""

from __future__ import annotations

import json
from pathlib import Path

from . import business, conversations, marketing, stories
from .context import SEED, Demo
from .customers import add_random_profiles
from .orders import random_orders
from .readme import readme
from .records import Entry
from .replay import replay
from .stats import Stats, statistics

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "demo"
"""Where the data set is committed, and where `convo demo` finds it (convo_tui/demo.py)."""
GENERATED_PROFILES = 215
FILES = (
    "agents.json",
    "settings.json",
    "sources.json",
    "profiles.json",
    "timeline.json",
    "README.md",
)


def make(seed: int = SEED) -> Demo:
    """The whole data set, in memory; each step draws from the one random generator in
    this order, so the order is part of the data."""
    demo = Demo.new(seed)
    stories.add_profiles(demo)
    add_random_profiles(demo, GENERATED_PROFILES)
    stories.add_orders(demo)
    random_orders(demo.rng, demo.people, demo.orders)
    demo.orders.number()
    stories.add_timeline(demo)
    marketing.random_keywords(demo)
    marketing.campaigns(demo)
    marketing.flows(demo)
    conversations.conversations(demo)
    conversations.browsing(demo)
    return demo


def _fill_orders(demo: Demo) -> None:
    """{order} in a text becomes its order's id (Hélène writes it the French way)."""
    demo.orders.fill_mentions()
    helene = stories.number("helene")
    hers = stories.first_order_id(demo.orders, "helene").replace("#", "n°")
    for _, _, e in demo.timeline.entries:
        if e["type"] == "inbound" and e["from"] == helene:
            e["body"] = e["body"].replace("{order}", hers)


def _dump(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def generate(out: Path = DEFAULT_OUTPUT, seed: int = SEED) -> Stats:
    """Make the data set, check it with convo's rules, and write FILES into `out`."""
    demo = make(seed)
    _fill_orders(demo)
    timeline: list[Entry] = demo.timeline.written()
    agents, settings = business.agents(), business.settings()
    sources, profiles = demo.sources.records, demo.people.profiles
    state = replay(agents, sources, settings, profiles, timeline)
    rows = stories.end_states(state, demo.sources.names, timeline)
    stats = statistics(demo.people, demo.sources.names, state, timeline)
    out.mkdir(parents=True, exist_ok=True)
    _dump(out / "agents.json", agents)
    _dump(out / "settings.json", settings)
    _dump(out / "sources.json", sources)
    _dump(out / "profiles.json", profiles)
    _dump(out / "timeline.json", timeline)
    (out / "README.md").write_text(readme(demo.people, demo.orders, rows, stats), encoding="utf-8")
    return stats
