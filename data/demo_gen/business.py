"""The demo's business: its number and name, its team and settings, its automatic texts."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from convo_tui.store.kinds import KeywordKind

from .records import Agent, MediaItem

BUSINESS = "+14155550100"
PREFIX = "ACME"
EMAIL = "help@acme.example"
CDN = "https://cdn.acme.example"
SPAN = 45 * 24 * 60
"""The timeline covers about 45 days before load time (minutes)."""

KEYWORD_REPLIES: Mapping[KeywordKind, str] = MappingProxyType(
    {
        KeywordKind.OPT_OUT: f"{PREFIX}: You are unsubscribed and will receive no more messages. "
        "Reply START to resubscribe.",
        KeywordKind.OPT_IN: f"{PREFIX}: Thanks for subscribing! Expect up to 6 msgs/month about "
        "offers & orders. Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
        KeywordKind.HELP: f"{PREFIX}: Help is on the way! Email {EMAIL} or visit "
        "https://acme.example/help. Msg & data rates may apply. Reply STOP to opt out.",
    }
)
"""What the provider's keyword filter answers (its words, not convo's own settings)."""


def agents() -> list[Agent]:
    return [
        {"login": "ana", "name": "Ana Souza", "role": "owner", "timezone": "America/Sao_Paulo"},
        {"login": "ben", "name": "Ben Carter", "role": "admin", "timezone": "America/New_York"},
        {"login": "chloe", "name": "Chloe Martin", "role": "support",
         "timezone": "Europe/London"},
        {"login": "dev", "name": "Dev Malhotra", "role": "support", "timezone": "Asia/Kolkata"},
        {"login": "femi", "name": "Femi Adeyemi", "role": "manager", "timezone": "Africa/Lagos"},
        {"login": "eve", "name": "Eve Laurent", "role": "analyst", "timezone": "Europe/Paris"},
    ]  # fmt: skip


REPLYING_AGENTS = ("chloe", "dev", "ana", "ben", "femi")
AGENT_WEIGHTS = (35, 25, 15, 10, 15)


def settings() -> dict[str, object]:
    """settings.json: the keys and values `convo settings set` takes."""
    return {
        "organization.prefix": PREFIX,
        "organization.email": EMAIL,
        "business.number": BUSINESS,
        "auto_reply.enabled": True,
        "auto_reply.audience": "non_consented",
        "notifications.email_addresses": ["support@acme.example"],
    }


def media(path: str, content_type: str) -> list[MediaItem]:
    return [{"url": f"{CDN}/{path}", "content_type": content_type}]
