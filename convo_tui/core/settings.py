"""Inbox settings shared by the team: kept in the store, validated here, effective at once."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session, col

from convo_tui import phones
from convo_tui.core import audit, queries
from convo_tui.core.agents import require_role
from convo_tui.core.roles import CHANGE_SETTINGS
from convo_tui.core.templates import TEMPLATE_VAR, template_variables
from convo_tui.errors import ConvoError, NotFound
from convo_tui.store.models import Agent, Setting


class BadSetting(ConvoError):
    exit_code = 2


TEMPLATE_VARIABLES = ("organization.prefix", "organization.email", "person.first_name")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_DOMAIN = re.compile(r"(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}")
_COUPON = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
MAX_COUPON_CODES = 100

DEFAULT_CONFIRMATION = (
    "{{ organization.prefix }}: you are unsubscribed and will get no more texts from us."
)
DEFAULT_HELP = (
    "{{ organization.prefix }}: for help, email {{ organization.email }}. "
    "Reply STOP to unsubscribe."
)
_URL = re.compile(r"(?i)\b(?:https?://|www\.)|\b[a-z0-9-]+\.(?:com|net|org|link|ly|co|io|shop)\b")

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
    for name in TEMPLATE_VAR.findall(text):
        if name not in TEMPLATE_VARIABLES:
            raise ValueError(
                f"unknown variable {{{{ {name} }}}}; known: {', '.join(TEMPLATE_VARIABLES)}"
            )
    return text


def _confirmation(value: Any) -> str:
    text = _template(value)
    if _URL.search(text) or "person.first_name" in text:
        raise ValueError(
            "the opt-out confirmation only confirms: no links, no offers, no personal greeting"
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


def _coupon_codes(value: Any) -> list[str]:
    """Letters, digits, - and _, at most 40 characters each; at most 100 codes."""
    if not isinstance(value, list):
        raise ValueError("use a comma-separated list of codes")
    codes: list[str] = []
    for item in value:
        if not isinstance(item, str) or not _COUPON.fullmatch(item.strip()):
            raise ValueError(
                f"{item!r} is not a coupon code (letters, digits, - and _, up to 40 characters)"
            )
        if item.strip() not in codes:
            codes.append(item.strip())
    if len(codes) > MAX_COUPON_CODES:
        raise ValueError(f"at most {MAX_COUPON_CODES} codes")
    return codes


# The table -----------------------------------------------------------------------
#
# Every setting is one row below; the CLI (`settings show/set`), the settings modal
# and the README's table (compared by tests/test_settings_table.py) all read it.
# A new setting is one row plus its field in InboxSettings.


@dataclass(frozen=True)
class Spec:
    key: str
    default: Any
    kind: str
    """What a person types, in words: "on/off", "whole number 0–720"..."""
    help: str
    example: str
    """A valid value as typed, other than the default (shown in hints, set by tests)."""
    check: Callable[[Any], Any]
    parse: Callable[[str], Any]
    choices: tuple[str, ...] = ()
    """For a value that is one of a few words: the words (the modal offers a list)."""


def on_off(key: str, default: bool, help: str) -> Spec:
    return Spec(key, default, "on/off", help, "off" if default else "on", _check_bool, _bool)


def number(key: str, default: int, low: int, high: int, help: str, *, example: int) -> Spec:
    kind = f"whole number {low}–{high}"
    return Spec(key, default, kind, help, str(example), _int_between(low, high), _parse_int)


def one_of(key: str, default: str, choices: tuple[str, ...], help: str) -> Spec:
    example = next(c for c in choices if c != default)
    kind = "one of " + ", ".join(choices)
    return Spec(key, default, kind, help, example, _one_of(*choices), str.strip, choices)


def typed(
    key: str,
    default: Any,
    kind: str,
    help: str,
    *,
    example: str,
    check: Callable[[Any], Any],
    parse: Callable[[str], Any] = str,
) -> Spec:
    return Spec(key, default, kind, help, example, check, parse)


SPECS: dict[str, Spec] = {
    spec.key: spec
    for spec in [
        on_off(
            "auto_reply.enabled",
            False,
            "send an automatic reply to a customer's text (once the settings its "
            "template uses are set)",
        ),
        one_of(
            "auto_reply.audience",
            "all",
            ("all", "non_consented"),
            "who gets it: all, or non_consented (customers without SMS consent)",
        ),
        typed(
            "auto_reply.template",
            DEFAULT_TEMPLATE,
            "text, up to 1600 characters",
            "the auto-reply; may use {{ organization.prefix }}, {{ organization.email }}, "
            "{{ person.first_name }} (never sent with one of them empty)",
            example="Thanks {{ person.first_name }}, we will answer soon.",
            check=_template,
        ),
        number(
            "auto_reply.cooldown_hours",
            24,
            0,
            720,
            "at most one auto-reply per customer in this many hours (0: every text)",
            example=12,
        ),
        on_off("links.shorten", True, "shorten links in replies"),
        typed(
            "links.domain",
            "cnvo.link",
            "domain name",
            "the short-link domain",
            example="acme.link",
            check=_domain,
        ),
        on_off("notifications.email", False, "email on new customer texts"),
        typed(
            "notifications.email_addresses",
            [],
            "email addresses, comma-separated",
            "who gets those emails",
            example="ops@acme.example, lead@acme.example",
            check=_email_list,
            parse=_parse_list,
        ),
        on_off("notifications.unread_indicator", True, "show the unread count"),
        on_off("notifications.bell", True, "ring the terminal bell on a new text"),
        number(
            "attribution.window_hours",
            24,
            1,
            720,
            "a text within this many hours of a campaign or flow message is attributed to it",
            example=48,
        ),
        typed(
            "organization.prefix",
            "",
            "text, up to 40 characters",
            "the organization's name, for templates ({{ organization.prefix }})",
            example="BOOTS",
            check=_text(40),
        ),
        typed(
            "organization.email",
            "",
            "email address",
            "the support email, for templates ({{ organization.email }})",
            example="help@boots.example",
            check=_email_or_empty,
        ),
        typed(
            "business.number",
            "",
            "phone number",
            "the number customers text (never an alphanumeric sender ID)",
            example="+14155550111",
            check=_business_number,
        ),
        typed(
            "phone.default_region",
            "US",
            "two-letter region",
            "region for numbers typed without +",
            example="GB",
            check=_region,
        ),
        typed(
            "quiet_hours.start",
            "08:00",
            "time HH:MM",
            "start of the window for replies (recipient local time)",
            example="09:00",
            check=_hhmm,
        ),
        typed(
            "quiet_hours.end",
            "20:00",
            "time HH:MM, not the start",
            "end of the window for replies (recipient local time)",
            example="21:00",
            check=_hhmm,
        ),
        typed(
            "coupons.codes",
            [],
            "codes, comma-separated",
            "coupon codes the composer offers (ctrl+o)",
            example="WELCOME10, BOOTS-15",
            check=_coupon_codes,
            parse=_parse_list,
        ),
        typed(
            "opt_outs.confirmation",
            DEFAULT_CONFIRMATION,
            "text, up to 1600 characters, no links",
            "the one text confirming an opt-out convo recorded (no marketing); may use "
            "{{ organization.prefix }}, {{ organization.email }}",
            example="BOOTS: you are unsubscribed. No more texts.",
            check=_confirmation,
        ),
        number(
            "opt_outs.escalate_after_hours",
            2,
            1,
            72,
            "a possible opt-out nobody decided on is escalated to everyone after this many hours",
            example=1,
        ),
        one_of(
            "help.answered_by",
            "provider",
            ("provider", "convo"),
            "who answers HELP and INFO: provider (Twilio's filter does) or convo (help.reply)",
        ),
        typed(
            "help.reply",
            DEFAULT_HELP,
            "text, up to 1600 characters",
            "convo's answer to HELP and INFO (name and how to reach support); may use "
            "{{ organization.prefix }}, {{ organization.email }}",
            example="BOOTS: help at help@boots.example or 555-0100. Reply STOP to opt out.",
            check=_template,
        ),
        one_of(
            "team.auto_assign",
            "off",
            ("off", "first_reply", "round_robin"),
            "who gets an unassigned conversation: nobody (off), the first agent to reply "
            "(first_reply), or the agents with an inbox open now, in turn (round_robin)",
        ),
        # A reply queued "now" waits this long in the outbox, so a slip can be taken
        # back (undo) before the sync sends it, as mail clients' undo send.
        number(
            "replies.send_delay",
            10,
            0,
            60,
            "seconds a reply waits before it is sent, so it can be recalled (0: at once)",
            example=5,
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
    coupons_codes: list[str]
    replies_send_delay: int
    opt_outs_confirmation: str
    opt_outs_escalate_after_hours: int
    help_answered_by: str
    help_reply: str
    team_auto_assign: str


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
    """Validate and store one setting; it takes effect at once for every process.

    Besides its own check, the value must keep the rules over several settings
    (RULES) true with the others as stored now."""
    require_role(agent, CHANGE_SETTINGS, "change settings")
    spec = spec_for(key)
    try:
        value = spec.check(value)
    except ValueError as exc:
        raise BadSetting(f"bad value for {key}: {exc}", "nothing was changed") from None
    values = as_dict(load(session))
    values[key] = value
    for rule in RULES:
        refusal = rule(values, key)
        if refusal is not None:
            raise refusal
    return store_checked(session, agent, key, value, now=now)


# Rules over several settings ---------------------------------------------------------


def empty_template_settings(values: dict[str, Any]) -> list[str]:
    """The settings the auto-reply template uses as variables that are empty.

    (`person.first_name` is the customer's, not a setting: intake checks it per text.)"""
    template = values["auto_reply.template"]
    return [name for name in template_variables(template) if name in SPECS and not values[name]]


def how_to_set(key: str) -> str:
    return f"convo settings set {key} {shlex.quote(SPECS[key].example)}"


def _auto_reply_filled(values: dict[str, Any], key: str) -> BadSetting | None:
    """An auto-reply that is on has every setting its template uses filled in."""
    if not values["auto_reply.enabled"]:
        return None
    missing = empty_template_settings(values)
    if not missing:
        return None
    empty = f"{missing[0]} is empty"
    if missing[1:]:
        empty += f", and so is {', '.join(missing[1:])}"
    fix = f"set {missing[0]} first: {how_to_set(missing[0])} (or in Settings)"
    if key == "auto_reply.enabled":
        used = f"(the template uses {'them' if missing[1:] else 'it'})"
        return BadSetting(f"cannot turn auto_reply.enabled on: {empty} {used}", fix)
    if key == "auto_reply.template":
        return BadSetting(f"cannot use this template while auto-reply is on: {empty}", fix)
    return BadSetting(
        f"cannot empty {key}: the auto-reply is on and its template uses it",
        "turn it off first (convo settings set auto_reply.enabled off) "
        "or change auto_reply.template",
    )


def _quiet_hours_window(values: dict[str, Any], key: str) -> BadSetting | None:
    """Equal ends would make every hour "inside" the window: quiet hours silently off."""
    if key not in ("quiet_hours.start", "quiet_hours.end"):
        return None
    start, end = values["quiet_hours.start"], values["quiet_hours.end"]
    if start != end:
        return None
    return BadSetting(
        f"quiet_hours.start and quiet_hours.end would both be {start}, which switches "
        "quiet hours off (replies at any hour)",
        "use two different times, e.g. 08:00 and 20:00; nothing was changed",
    )


RULES: tuple[Callable[[dict[str, Any], str], BadSetting | None], ...] = (
    _auto_reply_filled,
    _quiet_hours_window,
)
"""Each rule gets every setting (with the one being changed) and that key; a refusal
or None. Both front ends call set_value, so they refuse the same way."""


# Shown to people ------------------------------------------------------------------


def value_text(value: Any) -> str:
    """A setting value as a person types it (on/off, comma-separated lists)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def markdown_table() -> str:
    """The README's settings table (tests/test_settings_table.py keeps them equal)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for spec in SPECS.values():
        default = value_text(spec.default)
        if not default:
            default = "none" if isinstance(spec.default, list) else "empty"
        else:
            default = f"`{default}`"
        lines.append(f"| `{spec.key}` | {cell(spec.kind)} | {cell(default)} | {cell(spec.help)} |")
    return "\n".join(lines)


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
