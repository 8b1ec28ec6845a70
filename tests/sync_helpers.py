"""A sandbox provider per test and clients pointed at it over real HTTP on 127.0.0.1."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from convo_tui.config import Config, KlaviyoConfig, SmtpConfig, TwilioConfig
from convo_tui.providers.http import RetryPolicy
from convo_tui.providers.klaviyo import KlaviyoClient
from convo_tui.providers.twilio import TwilioClient
from convo_tui.sandbox import Sandbox
from convo_tui.store.engine import Store
from convo_tui.sync.engine import SyncEngine

FAST = httpx.Timeout(2.0, connect=1.0)


def fast_policy() -> RetryPolicy:
    return RetryPolicy(attempts=6, base=0.01, cap=0.05)


def clients(sb: Sandbox, *, klaviyo_key: str | None = None) -> tuple[TwilioClient, KlaviyoClient]:
    """Clients of the sandbox (`klaviyo_key`: another of its keys, e.g. the read-only one)."""
    c = sb.credentials
    twilio = TwilioClient(
        sb.base_url, c.account_sid, c.account_sid, c.auth_token, from_number=c.from_number,
        policy=fast_policy(), timeout=FAST,
    )  # fmt: skip
    key = klaviyo_key or c.klaviyo_api_key
    klaviyo = KlaviyoClient(sb.base_url, key, policy=fast_policy(), timeout=FAST)
    return twilio, klaviyo


@contextmanager
def engine_for(
    store: Store, sb: Sandbox, *, klaviyo_key: str | None = None
) -> Iterator[SyncEngine]:
    twilio, klaviyo = clients(sb, klaviyo_key=klaviyo_key)
    try:
        yield SyncEngine(store, twilio, klaviyo)
    finally:
        twilio.close()
        klaviyo.close()


def config_for(sb: Sandbox, smtp_port: int | None = None) -> Config:
    """The configuration pointed at the sandbox (and, given a port, at an SMTP server on
    loopback), as `env_for` gives it to a child process."""
    c = sb.credentials
    smtp = SmtpConfig()
    if smtp_port is not None:
        smtp = SmtpConfig(
            host="127.0.0.1", port=smtp_port, security="none", sender="convo@acme.example"
        )
    return Config(
        twilio=TwilioConfig(
            base_url=sb.base_url,
            account_sid=c.account_sid,
            auth_token=c.auth_token,
            from_number=c.from_number,
        ),
        klaviyo=KlaviyoConfig(base_url=sb.base_url, api_key=c.klaviyo_api_key),
        smtp=smtp,
    )


def env_for(sb: Sandbox) -> dict[str, str]:
    c = sb.credentials
    return {
        "CONVO_TWILIO_BASE_URL": sb.base_url,
        "CONVO_TWILIO_ACCOUNT_SID": c.account_sid,
        "CONVO_TWILIO_AUTH_TOKEN": c.auth_token,
        "CONVO_TWILIO_FROM": c.from_number,
        "CONVO_KLAVIYO_BASE_URL": sb.base_url,
        "CONVO_KLAVIYO_API_KEY": c.klaviyo_api_key,
    }


@contextmanager
def twilio_for(sb: Sandbox) -> Iterator[TwilioClient]:
    """A Twilio client of the sandbox account, sending from its number."""
    twilio, klaviyo = clients(sb)
    klaviyo.close()
    try:
        yield twilio
    finally:
        twilio.close()


def kill_a_sync(
    db_path: Path, env: dict[str, str], rng: random.Random, low: float, high: float
) -> None:
    """A real `convo sync --once`, SIGKILLed after a random while."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "convo_tui", "sync", "--once", "--db", str(db_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(rng.uniform(low, high))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
