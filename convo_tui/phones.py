"""Phone numbers: parse and normalise to E.164, recognise alphanumeric senders."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from convo_tui.errors import ConvoError

# Alphanumeric sender IDs: up to 11 letters, digits and spaces, at least one letter.
_ALPHANUMERIC_SENDER = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")


class BadPhoneNumber(ConvoError):
    """A phone number that cannot be used."""


def is_alphanumeric_sender(value: str) -> bool:
    """True for a branded sender ID such as "ACME": one-way, it can never receive texts."""
    return bool(_ALPHANUMERIC_SENDER.fullmatch(value.strip()))


def normalize(raw: str, default_region: str = "US") -> str:
    """`raw` as an E.164 number ("+14155550123"), or BadPhoneNumber saying why."""
    text = raw.strip()
    if not text:
        raise BadPhoneNumber("empty phone number", "give a number such as +14155550123")
    if is_alphanumeric_sender(text) and not any(ch.isdigit() for ch in text[:1]):
        raise BadPhoneNumber(
            f"{text!r} is an alphanumeric sender ID, not a phone number",
            "alphanumeric senders cannot receive texts; use a phone number",
        )
    try:
        parsed = phonenumbers.parse(text, default_region.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise BadPhoneNumber(
            f"{text!r} is not a phone number ({exc._msg.rstrip('.')})",
            "give it in international form, e.g. +14155550123",
        ) from None
    if parsed.extension:
        raise BadPhoneNumber(
            f"{text!r} has an extension ({parsed.extension})",
            "texts cannot reach an extension; give the number without it",
        )
    if not phonenumbers.is_valid_number(parsed):
        raise BadPhoneNumber(
            f"{text!r} is not a valid phone number for "
            f"{phonenumbers.region_code_for_number(parsed) or default_region}",
            "check the digits, or give the number with its country code (+...)",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1024)
def parse_e164(e164: str) -> phonenumbers.PhoneNumber | None:
    """A stored E.164 number parsed, or None if it is not one.

    Cached (so shared: never change it): a conversation shows the number and
    may take the recipient's zone from it, and parsing is the costly part.
    """
    try:
        return phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None


@lru_cache(maxsize=1024)
def pretty(e164: str) -> str:
    """An E.164 number in international format for display; the input if it is not one.

    Cached: a card, its refusal and the list show the same number again and again.
    """
    parsed = parse_e164(e164)
    if parsed is None:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def is_valid_region(region: str) -> bool:
    return region.upper() in phonenumbers.SUPPORTED_REGIONS
