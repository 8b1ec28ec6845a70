"""Configuration: a TOML file under the platformdirs config dir, overridden by CONVO_* variables.

Inbox settings that the whole team shares (auto-reply, attribution window...)
live in the store instead (convo_tui.core.settings). This file holds what is
per host: where the store is, and the provider and SMTP credentials, which are
never printed, logged or written to the store.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from convo_tui import paths
from convo_tui.errors import ConvoError


class ConfigError(ConvoError):
    """The configuration file or a CONVO_* variable is wrong."""

    exit_code = 2


SMTP_SECURITY = ("starttls", "tls", "none")
"""The SMTP security modes the notifier speaks."""


@dataclass
class TwilioConfig:
    """`[twilio]`: the SMS provider. Basic auth with an API key pair when one is set,
    else the account SID and auth token."""

    base_url: str = "https://api.twilio.com"
    """The API's root (CONVO_TWILIO_BASE_URL); the sandbox's address in `convo demo`."""
    account_sid: str = ""
    """The account, `AC...` (CONVO_TWILIO_ACCOUNT_SID): every API path carries it."""
    auth_token: str = field(default="", repr=False)
    """The account's auth token (CONVO_TWILIO_AUTH_TOKEN); secret, never printed."""
    api_key_sid: str = ""
    """An API key, `SK...` (CONVO_TWILIO_API_KEY_SID), used instead of the auth token."""
    api_key_secret: str = field(default="", repr=False)
    """That key's secret (CONVO_TWILIO_API_KEY_SECRET); never printed."""
    from_number: str = ""
    """The business number, E.164 (CONVO_TWILIO_FROM): replies go out from it, and
    texts to it are the inbox."""
    messaging_service_sid: str = ""
    """A Messaging Service, `MG...` (CONVO_TWILIO_MESSAGING_SERVICE_SID), sent through
    instead of `from_number` when set."""


@dataclass
class KlaviyoConfig:
    """`[klaviyo]`: profiles, consent, activity and orders."""

    base_url: str = "https://a.klaviyo.com"
    """The API's root (CONVO_KLAVIYO_BASE_URL)."""
    api_key: str = field(default="", repr=False)
    """A private API key, `pk_...` (CONVO_KLAVIYO_API_KEY); never printed. Without it
    no Klaviyo sync runs."""
    revision: str = "2025-10-15"
    """The API revision sent in every request's `revision` header
    (CONVO_KLAVIYO_REVISION)."""


@dataclass
class SmtpConfig:
    """`[smtp]`: where email notifications go out. No host: no email."""

    host: str = ""
    """The mail server (CONVO_SMTP_HOST)."""
    port: int = 587
    """Its port (CONVO_SMTP_PORT): 587 for STARTTLS, 465 for TLS."""
    security: str = "starttls"
    """One of SMTP_SECURITY (CONVO_SMTP_SECURITY): STARTTLS on the submission port, TLS
    from the first byte, or none (loopback relays only)."""
    username: str = ""
    """Login name, if the server wants one (CONVO_SMTP_USERNAME)."""
    password: str = field(default="", repr=False)
    """Its password (CONVO_SMTP_PASSWORD); only handed to the server's login, never
    sent unencrypted to another host."""
    sender: str = ""
    """The From address, `Desk <desk@shop.example>` or a bare address (CONVO_SMTP_FROM)."""


@dataclass
class Config:
    """Everything per host, from the config file and the CONVO_* variables."""

    database_url: str = ""
    """Any SQLAlchemy URL (CONVO_DATABASE_URL); empty means the SQLite file under the
    data dir. `postgresql+psycopg://...` for a team on one database."""
    twilio: TwilioConfig = field(default_factory=TwilioConfig)
    """`[twilio]`."""
    klaviyo: KlaviyoConfig = field(default_factory=KlaviyoConfig)
    """`[klaviyo]`."""
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    """`[smtp]`."""
    keys: dict[str, str] = field(default_factory=dict)
    """`[keys]`: key remapping for the terminal UI, by binding id (see the README)."""
    source: Path | None = None
    """The file this was read from, if any."""

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{paths.default_database_path()}"


# Environment variable → (section, field). Section "" is the top level.
ENV_VARS: dict[str, tuple[str, str]] = {
    "CONVO_DATABASE_URL": ("", "database_url"),
    "CONVO_TWILIO_BASE_URL": ("twilio", "base_url"),
    "CONVO_TWILIO_ACCOUNT_SID": ("twilio", "account_sid"),
    "CONVO_TWILIO_AUTH_TOKEN": ("twilio", "auth_token"),
    "CONVO_TWILIO_API_KEY_SID": ("twilio", "api_key_sid"),
    "CONVO_TWILIO_API_KEY_SECRET": ("twilio", "api_key_secret"),
    "CONVO_TWILIO_FROM": ("twilio", "from_number"),
    "CONVO_TWILIO_MESSAGING_SERVICE_SID": ("twilio", "messaging_service_sid"),
    "CONVO_KLAVIYO_BASE_URL": ("klaviyo", "base_url"),
    "CONVO_KLAVIYO_API_KEY": ("klaviyo", "api_key"),
    "CONVO_KLAVIYO_REVISION": ("klaviyo", "revision"),
    "CONVO_SMTP_HOST": ("smtp", "host"),
    "CONVO_SMTP_PORT": ("smtp", "port"),
    "CONVO_SMTP_SECURITY": ("smtp", "security"),
    "CONVO_SMTP_USERNAME": ("smtp", "username"),
    "CONVO_SMTP_PASSWORD": ("smtp", "password"),
    "CONVO_SMTP_FROM": ("smtp", "sender"),
}


def config_file(environ: Mapping[str, str]) -> Path:
    explicit = environ.get("CONVO_CONFIG_FILE")
    return Path(explicit).expanduser() if explicit else paths.default_config_file()


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read the config file (if any), then apply CONVO_* variables."""
    env = os.environ if environ is None else environ
    path = config_file(env)
    raw: dict[str, Any] = {}
    try:
        exists = path.exists()
    except OSError as exc:  # a folder on the way this user may not enter
        raise ConfigError(
            f"cannot read the config file {path} ({exc.strerror})",
            "fix the permissions, or set CONVO_CONFIG_FILE to another file",
        ) from None
    if exists:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"the config file {path} is not valid TOML ({exc})", "fix or remove that line"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the config file {path} ({exc})", "fix it") from None
    elif "CONVO_CONFIG_FILE" in env:
        raise ConfigError(
            f"CONVO_CONFIG_FILE names {path}, which does not exist",
            "create it or unset CONVO_CONFIG_FILE",
        )
    config = Config(source=path if exists else None)
    _apply(config, raw, str(path))
    for name, (section, key) in ENV_VARS.items():
        if name in env:
            target = getattr(config, section) if section else config
            _assign(target, key, env[name], name)
    return config


def _apply(config: Config, raw: dict[str, Any], where: str) -> None:
    sections = {"twilio", "klaviyo", "smtp"}
    for key, value in raw.items():
        if key in sections:
            if not isinstance(value, dict):
                raise ConfigError(f"[{key}] in {where} must be a table", "see the README")
            target = getattr(config, key)
            for sub, subvalue in value.items():
                _assign(target, sub, subvalue, f"{key}.{sub} in {where}")
        elif key == "keys":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise ConfigError(
                    f"[keys] in {where} must map binding ids to keys", 'e.g. reply = "R"'
                )
            config.keys = dict(value)
        elif key == "database_url":
            _assign(config, key, value, f"{key} in {where}")
        else:
            raise ConfigError(f"unknown setting {key!r} in {where}", "remove it; see the README")


def _assign(target: Any, key: str, value: Any, where: str) -> None:
    known = {f.name: f for f in fields(target) if f.name != "source"}
    if key not in known:
        raise ConfigError(f"unknown setting {where}", "remove it; see the README")
    current = getattr(target, key)
    fix = f"fix it in {where.split(' in ', 1)[1]}" if " in " in where else "fix it"
    if isinstance(current, int):
        try:
            if isinstance(value, bool):
                raise TypeError
            value = int(value)
        except (TypeError, ValueError):
            what = "a port, a number from 1 to 65535" if key == "port" else "a whole number"
            raise ConfigError(f"{where} must be {what}, not {value!r}", fix) from None
    elif not isinstance(value, str):
        raise ConfigError(f"{where} must be a string", "quote it")
    if key == "port" and not 1 <= value <= 65535:
        raise ConfigError(f"{where} is {value}: a port is a number from 1 to 65535", fix)
    if isinstance(target, SmtpConfig) and key == "security" and value not in SMTP_SECURITY:
        raise ConfigError(f"{where} is {value!r}, not one of {', '.join(SMTP_SECURITY)}", fix)
    setattr(target, key, value)
