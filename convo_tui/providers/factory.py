"""Provider clients built from the configuration, with clear errors when it is incomplete."""

from __future__ import annotations

from urllib.parse import urlsplit

from convo_tui import phones
from convo_tui.config import Config, ConfigError, KlaviyoConfig, TwilioConfig
from convo_tui.providers.http import RetryPolicy
from convo_tui.providers.klaviyo import KlaviyoClient
from convo_tui.providers.twilio import TwilioClient

SANDBOX_HINT = "or run `convo sandbox serve` and export the lines it prints"


def check_base_url(url: str, variable: str, default: str) -> None:
    """Only http(s) to a host: another scheme (ftp://, file://) or no scheme at all
    would fail in the HTTP library, far from the setting that caused it."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise ConfigError(
            f"{variable} {url!r} is not an http(s) URL",
            f"set it to {default} (or the http://127.0.0.1:… a sandbox prints)",
        )


def check_twilio(config: TwilioConfig) -> None:
    """Raise ConfigError naming what is missing or wrong in the Twilio settings."""
    check_base_url(config.base_url, "CONVO_TWILIO_BASE_URL", TwilioConfig.base_url)
    if not config.account_sid:
        raise ConfigError(
            "Twilio is not configured (no account SID)",
            f"set CONVO_TWILIO_ACCOUNT_SID and CONVO_TWILIO_AUTH_TOKEN, {SANDBOX_HINT}",
        )
    if not config.account_sid.startswith("AC"):
        raise ConfigError(
            f"the Twilio account SID {config.account_sid[:6]}… does not start with AC",
            "use the Account SID from the console (an API key SID goes in api_key_sid)",
        )
    has_key = bool(config.api_key_sid and config.api_key_secret)
    if not config.auth_token and not has_key:
        raise ConfigError(
            "Twilio has no credentials",
            "set CONVO_TWILIO_AUTH_TOKEN, or CONVO_TWILIO_API_KEY_SID and _SECRET",
        )
    if config.api_key_sid and not config.api_key_sid.startswith("SK"):
        raise ConfigError("the Twilio API key SID does not start with SK", "check api_key_sid")
    if not config.from_number and not config.messaging_service_sid:
        raise ConfigError(
            "Twilio has no sender",
            "set CONVO_TWILIO_FROM (the business number) or CONVO_TWILIO_MESSAGING_SERVICE_SID",
        )
    if config.from_number and phones.is_alphanumeric_sender(config.from_number):
        raise ConfigError(
            f"CONVO_TWILIO_FROM {config.from_number!r} is an alphanumeric sender ID",
            "it cannot receive texts, so it cannot hold conversations: use a phone number",
        )


def twilio_client(config: Config, policy: RetryPolicy | None = None) -> TwilioClient:
    tw = config.twilio
    check_twilio(tw)
    user, password = (
        (tw.api_key_sid, tw.api_key_secret)
        if tw.api_key_sid and tw.api_key_secret
        else (tw.account_sid, tw.auth_token)
    )
    return TwilioClient(
        tw.base_url,
        tw.account_sid,
        user,
        password,
        from_number=tw.from_number,
        messaging_service_sid=tw.messaging_service_sid,
        policy=policy,
    )


def klaviyo_configured(config: KlaviyoConfig) -> bool:
    return bool(config.api_key)


def klaviyo_client(config: Config, policy: RetryPolicy | None = None) -> KlaviyoClient | None:
    """None when no Klaviyo key is set: messages still sync, profiles and activity do not."""
    kl = config.klaviyo
    if not klaviyo_configured(kl):
        return None
    check_base_url(kl.base_url, "CONVO_KLAVIYO_BASE_URL", KlaviyoConfig.base_url)
    return KlaviyoClient(kl.base_url, kl.api_key, revision=kl.revision, policy=policy)
