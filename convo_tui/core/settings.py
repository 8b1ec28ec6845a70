"""Inbox settings shared by the team: kept in the store, validated here, effective at once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session, col

from convo_tui import phones
from convo_tui.core import audit, queries
from convo_tui.core.agents import CHANGE_SETTINGS, require_role
from convo_tui.errors import ConvoError, NotFound
from convo_tui.store.models import Agent, Setting


class BadSetting(ConvoError):
    exit_code = 2


TEMPLATE_VARIABLES = ("organization.prefix", "organization.email", "person.first_name")
_TEMPLATE_VAR = re.compile(r"\{\{\s*([A-Za-z_.]+)\s*\}\}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_DOMAIN = re.compile(r"(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}")

DEFAULT_TEMPLATE = (
    "{{ organization.prefix }}: thanks for your message. We will get back to you soon. "
    "For help, email {{ organization.email }}."
)


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"on", "true", "yes", "1"}:
        return True
    if lowered in {"off", "false", "no", "0"}:
        return False
    raise ValueError("use on or off")


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("use on or off")
    return value


def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"use a whole number from {low} to {high}")
        if not low <= value <= high:
            raise ValueError(f"use a whole number from {low} to {high}")
        return value

    return check


def _parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("use a whole number") from None


def _one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"use one of: {', '.join(choices)}")
        return str(value)

    return check


def _text(max_len: int, *, allow_empty: bool = True) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("use text")
        text = value.strip()
        if not text and not allow_empty:
            raise ValueError("it cannot be empty")
        if len(text) > max_len:
            raise ValueError(f"use at most {max_len} characters")
        if any(ord(ch) < 32 for ch in text):
            raise ValueError("control characters are not allowed")
        return text

    return check


def _email_or_empty(value: Any) -> str:
    text = _text(320)(value)
    if text and not _EMAIL.fullmatch(text):
        raise ValueError(f"{text!r} is not an email address")
    return text


def _email_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("use a comma-separated list of email addresses")
    out: list[str] = []
    for item in value:
        address = _email_or_empty(item)
        if address and address not in out:
            out.append(address)
    return out


def _parse_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _template(value: Any) -> str:
    text = _text(1600, allow_empty=False)(value)
    for name in _TEMPLATE_VAR.findall(text):
        if name not in TEMPLATE_VARIABLES:
            raise ValueError(
                f"unknown variable {{{{ {name} }}}}; known: {', '.join(TEMPLATE_VARIABLES)}"
            )
    return text


def _hhmm(value: Any) -> str:
    if not isinstance(value, str) or not _HHMM.fullmatch(value.strip()):
        raise ValueError("use a time as HH:MM, e.g. 08:00")
    hours, minutes = value.strip().split(":")
    return f"{int(hours):02d}:{minutes}"


def _region(value: Any) -> str:
    if not isinstance(value, str) or not phones.is_valid_region(value):
        raise ValueError("use a two-letter region code such as US, GB or PT")
    return value.upper()


def _business_number(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("use a phone number")
    text = value.strip()
    if not text:
        return ""
    if phones.is_alphanumeric_sender(text):
        raise ValueError(
            f"{text!r} is an alphanumeric sender ID: it cannot receive texts, "
            "so it cannot be a conversation number; use a phone number"
        )
    try:
        return phones.normalize(text)
    except phones.BadPhoneNumber as exc:
        raise ValueError(exc.what) from None


def _domain(value: Any) -> str:
    if not isinstance(value, str) or not _DOMAIN.fullmatch(value.strip()):
        raise ValueError("use a domain name such as acme.link")
    return value.strip().lower()


@dataclass(frozen=True)
class Spec:
    key: str
    default: Any
    check: Callable[[Any], Any]
    parse: Callable[[str], Any]
    help: str


SPECS: dict[str, Spec] = {
    spec.key: spec
    for spec in [
        Spec("auto_reply.enabled", True, _check_bool, _bool, "send an automatic reply"),
        Spec(
            "auto_reply.audience",
            "all",
            _one_of("all", "non_consented"),
            str.strip,
            "who gets it: all, or non_consented (profiles without SMS consent)",
        ),
        Spec("auto_reply.template", DEFAULT_TEMPLATE, _template, str, "the auto-reply text"),
        Spec(
            "auto_reply.cooldown_hours",
            24,
            _int_between(0, 720),
            _parse_int,
            "at most one auto-reply per profile in this many hours (0: every text)",
        ),
        Spec("links.shorten", True, _check_bool, _bool, "shorten links in replies"),
        Spec("links.domain", "cnvo.link", _domain, str, "the short-link domain"),
        Spec("notifications.email", False, _check_bool, _bool, "email on new messages"),
        Spec(
            "notifications.email_addresses",
            [],
            _email_list,
            _parse_list,
            "addresses to email (comma-separated)",
        ),
        Spec(
            "notifications.unread_indicator",
            True,
            _check_bool,
            _bool,
            "show the count of unread conversations",
        ),
        Spec("notifications.bell", True, _check_bool, _bool, "ring the terminal bell"),
        Spec(
            "attribution.window_hours",
            24,
            _int_between(1, 720),
            _parse_int,
            "SMS attribution window in hours",
        ),
        Spec("organization.prefix", "", _text(40), str, "organization prefix for templates"),
        Spec("organization.email", "", _email_or_empty, str, "support email for templates"),
        Spec(
            "business.number",
            "",
            _business_number,
            str,
            "the business number customers text (a phone number, not a sender ID)",
        ),
        Spec("phone.default_region", "US", _region, str, "region for numbers without +"),
        Spec(
            "quiet_hours.start",
            "08:00",
            _hhmm,
            str,
            "start of the window for replies (recipient local time)",
        ),
        Spec(
            "quiet_hours.end",
            "20:00",
            _hhmm,
            str,
            "end of the window for replies (recipient local time)",
        ),
        # Added for recall (issue 13): a reply queued "now" waits this long in the outbox,
        # so a slip can be taken back before the sync sends it, as mail clients' undo send.
        Spec(
            "replies.send_delay",
            10,
            _int_between(0, 60),
            _parse_int,
            "seconds a reply waits before it is sent, so it can be recalled (0: at once)",
        ),
    ]
}


@dataclass(frozen=True)
class InboxSettings:
    """The effective settings, read in one go."""

    auto_reply_enabled: bool
    auto_reply_audience: str
    auto_reply_template: str
    auto_reply_cooldown_hours: int
    links_shorten: bool
    links_domain: str
    notifications_email: bool
    notifications_email_addresses: list[str]
    notifications_unread_indicator: bool
    notifications_bell: bool
    attribution_window_hours: int
    organization_prefix: str
    organization_email: str
    business_number: str
    phone_default_region: str
    quiet_hours_start: str
    quiet_hours_end: str
    replies_send_delay: int


def _field(key: str) -> str:
    return key.replace(".", "_")


assert {_field(k) for k in SPECS} == {f.name for f in fields(InboxSettings)}


def _default(spec: Spec) -> Any:
    # A fresh list each time: one caller's edits must not reach the next caller's defaults.
    return list(spec.default) if isinstance(spec.default, list) else spec.default


assert all(spec.check(_default(spec)) == spec.default for spec in SPECS.values())


@lru_cache(maxsize=1)
def _stored_statement() -> Select[str, Any]:
    return select(col(Setting.key), col(Setting.value))


def load(session: Session) -> InboxSettings:
    """The effective settings: stored values checked, the (valid) defaults for the rest.

    Read on every conversation the inbox shows, so the statement is built once
    and only stored values are checked.
    """
    # `fetch` flushes first: a write transaction sees the settings it just stored.
    stored: dict[str, Any] = {
        key: value for key, value in queries.fetch(session, _stored_statement())
    }
    values: dict[str, Any] = {}
    for key, spec in SPECS.items():
        if key in stored:
            try:
                value = spec.check(stored[key])
            except ValueError:
                value = _default(spec)  # a value written by an older convo; the default is safe
        else:
            value = _default(spec)
        values[_field(key)] = value
    return InboxSettings(**values)


def as_dict(settings: InboxSettings) -> dict[str, Any]:
    return {key: getattr(settings, _field(key)) for key in SPECS}


def spec_for(key: str) -> Spec:
    try:
        return SPECS[key]
    except KeyError:
        raise NotFound(
            f"unknown setting {key!r}", "see the list with: convo settings show"
        ) from None


def parse_value(key: str, text: str) -> Any:
    """A setting value from what a person typed (CLI or settings modal)."""
    spec = spec_for(key)
    try:
        return spec.check(spec.parse(text))
    except ValueError as exc:
        raise BadSetting(f"bad value {text!r} for {key}: {exc}", "nothing was changed") from None


def set_value(session: Session, agent: Agent, key: str, value: Any, *, now: datetime) -> Any:
    """Validate and store one setting; it takes effect at once for every process."""
    require_role(agent, CHANGE_SETTINGS, "change settings")
    spec = spec_for(key)
    try:
        value = spec.check(value)
    except ValueError as exc:
        raise BadSetting(f"bad value for {key}: {exc}", "nothing was changed") from None
    return store_checked(session, agent, key, value, now=now)


def store_checked(session: Session, agent: Agent, key: str, value: Any, *, now: datetime) -> Any:
    """Write a setting already validated by its owner, and audit it."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=now, updated_by_id=agent.id))
    else:
        row.value = value
        row.updated_at = now
        row.updated_by_id = agent.id
    audit.record(session, agent, "settings.set", now=now, detail=f"{key}={json.dumps(value)}")
    return value


def render_template(template: str, variables: dict[str, str]) -> str:
    """Fill `{{ organization.prefix }}`-style variables; unknown ones become empty.

    A template that starts with a variable left empty (no prefix configured)
    does not start with its dangling separator (": thanks...").
    """
    text = _TEMPLATE_VAR.sub(lambda m: variables.get(m.group(1), ""), template)
    return text.strip().lstrip(":-–— ").strip()
