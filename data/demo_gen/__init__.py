"""The convo demo data set's generator: data/demo/*.json and data/demo/README.md.

Deterministic (random.Random(2026), no network, no clock): running it twice writes
the same bytes. Times are minutes before load time ("minutes_ago"), so the loader
can replay the timeline relative to whatever "now" it has.

The story profiles (first in profiles.json) are hand-written, fixed data that tests
can assert (`stories`); everything else is generated. Before writing, the generator
replays the whole timeline with convo's SMS rules from core (consent, keywords,
blocking, attribution, possible opt-outs, who may be replied to) and asserts that it
obeys them, and that the stories end in their documented state (`replay`).

There is no module-level state: every step takes the `context.Demo` it adds to.
"""
