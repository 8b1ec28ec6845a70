"""SMS cost: the reference cases of ../shared/PROVIDERS.md and a property test against gsm0338."""

from __future__ import annotations

import gsm0338  # noqa: F401  (registers the independent "gsm03.38" codec)
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convo_tui.core.sms_cost import GSM7_BASIC, GSM7_EXTENSION, cost, is_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("ж" * 70, "UCS-2", 1),
        ("ж" * 71, "UCS-2", 2),
        ("ж" * 134, "UCS-2", 2),
        ("ж" * 135, "UCS-2", 3),
        ("👍" * 35, "UCS-2", 1),
        ("👍" * 36, "UCS-2", 2),
        ("a" * 159 + "👍", "UCS-2", 3),
        ("ç", "UCS-2", 1),
        ("Ç", "GSM-7", 1),
        ("", "GSM-7", 0),
    ],
)
def test_reference_cases(text: str, encoding: str, segments: int) -> None:
    result = cost(text)
    assert (result.encoding, result.segments) == (encoding, segments)


def test_length_and_the_characters_that_forced_ucs2() -> None:
    assert cost("€" * 80).length == 160
    assert cost("👍" * 35).length == 70
    result = cost("Thanks ç’ 👍 ç")
    assert result.unicode_chars == ("ç", "’", "👍")
    for forcing in ("\t", "`", "“", "’"):
        assert cost(forcing).encoding == "UCS-2"


def test_extension_characters_never_split() -> None:
    # 152 septets of "a" then one "€" (2 septets): it cannot start in segment one's last slot.
    assert cost("a" * 152 + "€" + "a" * 10).segments == 2
    assert cost("a" * 152 + "€" * 77).segments == 3


def _codec_says_gsm7(text: str) -> bool:
    try:
        text.encode("gsm03.38")
    except UnicodeEncodeError:
        return False
    return True


ALPHABET = st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION) + list("çÇ’“”`\téàÀ€👍жあ~^"))


@given(st.text(alphabet=ALPHABET, max_size=40) | st.text(max_size=40))
def test_agrees_with_an_independent_gsm0338_codec(text: str) -> None:
    # The codec maps the escape character itself; it is not a printable character.
    text = text.replace("\x1b", "")
    assert is_gsm7(text) == _codec_says_gsm7(text)
