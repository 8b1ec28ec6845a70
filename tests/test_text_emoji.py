"""Emoji sequences on a terminal: joiners inside them are not hostile, and every sequence is
drawn in a form whose width Rich and the terminals (tmux, xterm, kitty) agree on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len, get_character_cell_size

from convo_tui.text import one_line, visible

FAMILY = "👩\u200d👩\u200d👧\u200d👦"
RAINBOW = "🏳\ufe0f\u200d🌈"
THUMB_TONE = "👍🏽"
TECHNOLOGIST_TONE = "👩🏽\u200d💻"


def per_code_point(text: str) -> int:
    """The width a terminal that knows no grapheme clusters (xterm, tmux) gives `text`."""
    return sum(get_character_cell_size(c) for c in text)


def test_a_joiner_inside_an_emoji_sequence_is_not_shown_as_hostile() -> None:
    for sequence in (FAMILY, RAINBOW, TECHNOLOGIST_TONE, "👁\ufe0f\u200d🗨\ufe0f"):
        assert "<U+200D>" not in visible(sequence), sequence
        assert "<U+200D>" not in one_line(f"we are {sequence} here"), sequence


def test_a_joiner_elsewhere_stays_visible() -> None:
    assert visible("a\u200db") == "a<U+200D>b"
    assert visible("\u200d👍") == "<U+200D>👍"  # leading: joins nothing
    assert visible("👍\u200d") == "👍<U+200D>"  # trailing
    assert visible("👍\u200d ok") == "👍<U+200D> ok"
    assert visible("👍\u200d\u200d👍") == "👍<U+200D><U+200D>👍"
    assert visible("pay\u200d👍") == "pay<U+200D>👍"  # a letter is no emoji element


def test_a_zwj_sequence_is_drawn_as_its_emoji_side_by_side() -> None:
    assert visible(FAMILY) == "👩👩👧👦"
    assert visible(RAINBOW) == "🏳🌈"
    assert visible(TECHNOLOGIST_TONE) == "👩💻"


def test_a_skin_tone_is_dropped_from_the_emoji_it_modifies() -> None:
    assert visible(THUMB_TONE) == "👍"
    assert visible("ok 👍🏽👍🏿 thanks") == "ok 👍👍 thanks"


def test_a_skin_tone_on_its_own_is_shown_as_a_code() -> None:
    # Rich counts an unattached modifier 0 cells, terminals 2: shown as its code point.
    assert visible("🏽") == "<U+1F3FD>"
    assert visible("a🏽") == "a<U+1F3FD>"


def test_the_emoji_presentation_selector_is_dropped() -> None:
    # Rich counts "❤️" 2 cells, tmux 3.3a and xterm 1.
    assert visible("love it ❤️") == "love it ❤"
    assert visible("#\ufe0f\u20e3") == "#\u20e3"


def test_flags_and_plain_emoji_are_untouched() -> None:
    scotland = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    for text in ("🇯🇵", "👍", "😀", scotland):
        assert visible(text) == text


def test_the_width_rich_counts_is_the_width_a_terminal_draws() -> None:
    kiss = "👩\u200d❤️\u200d💋\u200d👨"
    for text in (FAMILY, RAINBOW, THUMB_TONE, TECHNOLOGIST_TONE, "❤️", "#️⃣", kiss):
        shown = visible(text)
        assert cell_len(shown) == per_code_point(shown), (text, shown)


PLAIN = ["a", " ", "é", "漢", "👍", "👩", "🏳", "❤", "🌈", "💻", "#", "\u20e3"]
JOINING = ["\u200d", "\ufe0f", "🏽", "🏿"]
PIECES = st.sampled_from([*PLAIN, *JOINING])


@given(st.lists(PIECES, max_size=12).map("".join))
def test_no_sequence_is_left_whose_width_terminals_disagree_on(text: str) -> None:
    shown = visible(text)
    assert "\u200d" not in shown and "\ufe0f" not in shown
    assert not any(0x1F3FB <= ord(c) <= 0x1F3FF for c in shown)
    assert cell_len(shown) == per_code_point(shown)


def test_an_email_keeps_emoji_sequences_whole() -> None:
    """Mail clients draw the sequences: only the terminal needs the plain form."""
    from datetime import UTC, datetime

    from convo_tui.core.email_notify import Burst, Text, compose_burst

    text = f"{FAMILY} {THUMB_TONE} ❤️ a\u200db"
    assert visible(text, terminal=False) == f"{FAMILY} {THUMB_TONE} ❤️ a<U+200D>b"
    sent = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    burst = Burst(1, f"Zoë {RAINBOW}", "+14155550123", (Text(1, sent, text),))
    mail = compose_burst(burst, sender="desk@acme.example", addresses=["a@acme.example"], now=sent)
    assert RAINBOW in str(mail["Subject"])
    body = mail.get_content()
    assert f"{FAMILY} {THUMB_TONE} ❤️ a<U+200D>b" in body
