"""Shared fixtures: a real SQLite store file per test, a fixed clock, isolated config."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from convo_tui.core import agents, profiles
from convo_tui.core.inbound import process_inbound
from convo_tui.core.outbound import record_outbound
from convo_tui.core.texts import InboundResult, InboundText, OutboundText
from convo_tui.store.engine import Store, sqlite_url
from convo_tui.store.kinds import Consent, SourceKind
from convo_tui.store.models import Agent, Profile, StoreMeta
from convo_tui.store.open import open_store

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
BUSINESS = "+14155550100"
CUSTOMER = "+14155550123"


def _shift_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """TEST_CLOCK_UTC_HOUR=N runs the suite as if it were N o'clock UTC now (time
    still flows), to find tests that only pass at some hours of the day (quiet hours
    read the wall clock). Processes the tests start keep the real clock, and so do
    defaults bound at import (the sync engine's `now=clock.utcnow`): the tests that run
    the sync against the sandbox fail under a shift by construction, at any hour."""
    import os

    hour = os.environ.get("TEST_CLOCK_UTC_HOUR")
    if not hour:
        return
    from convo_tui import clock
    from convo_tui.serve import links

    real = datetime.now(UTC)
    shift = real.replace(hour=int(hour)) - real

    def shifted() -> datetime:
        return datetime.now(UTC) + shift

    monkeypatch.setattr(clock, "utcnow", shifted)
    monkeypatch.setattr(links, "utcnow", shifted)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read the developer's config or store; fixed host zone."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("TZ", "America/New_York")
    _shift_the_clock(monkeypatch)
    for name in list(__import__("os").environ):
        if name.startswith("CONVO_"):
            monkeypatch.delenv(name)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "convo.sqlite3"


def mark_test_store(store: Store) -> None:
    """Mark `store` as the suite's (store_meta kind "test"): its agents are stand-ins, so
    `--agent` may pick any of them (core.roles.STAND_IN_KINDS); on a real store it may
    only name the OS login."""
    with store.write() as session:
        if session.get(StoreMeta, "kind") is None:
            session.add(StoreMeta(key="kind", value="test"))


def open_test_store(path: Path) -> Store:
    """`open_store` on a SQLite file, marked as the suite's (mark_test_store)."""
    opened = open_store(sqlite_url(path))
    mark_test_store(opened)
    return opened


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = open_store(sqlite_url(db_path))
    mark_test_store(opened)
    yield opened
    opened.close()


@pytest.fixture
def owner(store: Store) -> Agent:
    with store.write() as session:
        return agents.identify(session, "olivia", now=NOW)


def add_profile(
    session: Session,
    phone: str = CUSTOMER,
    *,
    consent: Consent = Consent.SUBSCRIBED,
    first_name: str | None = "Maria",
    **fields: object,
) -> Profile:
    profile, _ = profiles.get_or_create(session, phone, now=NOW - timedelta(days=30))
    profile.sms_consent = consent.value
    profile.first_name = first_name
    for key, value in fields.items():
        setattr(profile, key, value)
    session.flush()
    return profile


_sids = iter(range(1, 10**9))


def sid() -> str:
    return f"SM{next(_sids):032x}"


def text_in(
    session: Session,
    body: str,
    *,
    at: datetime = NOW,
    phone: str = CUSTOMER,
    provider_sid: str | None = None,
    now: datetime | None = None,
) -> InboundResult:
    return process_inbound(
        session,
        InboundText(
            provider_sid=provider_sid or sid(),
            from_number=phone,
            to_number=BUSINESS,
            body=body,
            sent_at=at,
        ),
        now=now or at,
    )


def send_campaign(
    session: Session,
    *,
    at: datetime,
    name: str = "Black Friday",
    kind: SourceKind = SourceKind.CAMPAIGN,
    phone: str = CUSTOMER,
) -> None:
    record_outbound(
        session,
        OutboundText(
            provider_sid=sid(),
            to_number=phone,
            from_number=BUSINESS,
            body=f"{name}: 20% off today",
            sent_at=at,
            source_kind=kind,
            source_name=name,
            source_external_id=f"{kind.value}-{name}",
            status="delivered",
        ),
        now=at,
    )


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data set loaded once at NOW (the terminal UI tests copy it per test)."""
    from .tui_helpers import build_demo_template

    return build_demo_template(tmp_path_factory.mktemp("tui-demo"))


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the demo store."""
    import shutil

    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, path)
    opened = open_store(sqlite_url(path))
    yield opened
    opened.close()
