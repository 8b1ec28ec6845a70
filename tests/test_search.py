"""Full-text search over message bodies: words, phrases, prefixes and phone numbers,
newest first, on a real SQLite store with its FTS5 index."""

from __future__ import annotations

from datetime import timedelta

from convo_tui.core.search import search
from convo_tui.store.engine import Store

from .conftest import NOW, add_profile, text_in

BODIES = [
    "Where is my tracking number?",
    "The number for tracking is wrong",
    "My parcel was delivered to the wrong door",
    "Delivery was late again",
    "Call me at 212 555 0199 please",
    "Ça marche, merci beaucoup",
    "t",
]


def _fill(store: Store) -> dict[int, str]:
    bodies: dict[int, str] = {}
    with store.write() as session:
        for n, body in enumerate(BODIES):
            phone = f"+1415555{n:04d}"
            add_profile(session, phone)
            result = text_in(session, body, phone=phone, at=NOW + timedelta(minutes=n))
            bodies[result.message_id] = body
    return bodies


def test_words_phrases_prefixes_and_numbers(store: Store) -> None:
    bodies = _fill(store)

    def found(query: str) -> list[str]:
        with store.read() as session:
            return [bodies[hit.message_id] for hit in search(session, query)]

    # Every word, in any order; the newest first.
    assert found("tracking number") == [BODIES[1], BODIES[0]]
    # A phrase in quotes keeps the order of its words.
    assert found('"tracking number"') == [BODIES[0]]
    # The last word is a prefix: deliv finds delivered and delivery.
    assert found("deliv") == [BODIES[3], BODIES[2]]
    assert found("wrong deliv") == [BODIES[2]]
    # Phone numbers as typed, and accents folded.
    assert found("212 555 0199") == [BODIES[4]]
    assert found("ca marche") == [BODIES[5]]
    # A single letter is a word, not a prefix of every word.
    assert found("t") == [BODIES[6]]
    # Nothing to search for, and FTS syntax typed by an agent, are harmless.
    assert found("  ") == []
    assert found('NEAR( "x" * OR') == []
