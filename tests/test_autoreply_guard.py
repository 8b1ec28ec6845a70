"""An auto-reply never goes out half-filled (issue 13).

A template whose variables are empty is never sent: auto-reply is off until the
settings it uses are set, turning it on is refused while one is empty (CLI and
settings modal, one shared rule), intake skips and records one that would still
render with an empty variable, and `convo doctor` names the missing setting.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from convo_tui.core import settings as settings_mod
from convo_tui.store.engine import Store
from convo_tui.store.kinds import Consent, SourceKind
from convo_tui.store.models import AuditEntry, Message, MessageSource

from .cli_helpers import run_process
from .conftest import NOW, add_profile, open_test_store, text_in
from .tui_helpers import Input, Switch, make_app, settle, started


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _auto_replies(store: Store) -> list[str]:
    with store.read() as session:
        return list(
            session.exec(
                select(Message.body)
                .join(MessageSource, col(MessageSource.id) == col(Message.source_id))
                .where(MessageSource.kind == SourceKind.AUTO_REPLY.value)
            )
        )


def _skips(store: Store) -> list[str]:
    with store.read() as session:
        return [
            entry.detail
            for entry in session.exec(
                select(AuditEntry).where(AuditEntry.action == "auto_reply.skipped")
            )
        ]


def _fresh(db_path: Path) -> Path:
    """A store with its owner and nothing configured, as `convo` leaves it on first use."""
    store = open_test_store(db_path)
    with store.write() as session:
        from convo_tui.core import agents

        agents.identify(session, "olivia", now=NOW)
    store.close()
    return db_path


def _cli(db: Path, *args: str):
    return run_process(*args, "--db", db, "--agent", "olivia")


# The core ------------------------------------------------------------------


def test_a_fresh_store_sends_no_half_filled_auto_reply(store, owner) -> None:
    with store.write() as session:
        add_profile(session, consent=Consent.NEVER_SUBSCRIBED)
        assert text_in(session, "hello?").auto_reply_id is None
        assert settings_mod.load(session).auto_reply_enabled is False
    assert _auto_replies(store) == []


def test_auto_reply_is_sent_once_its_variables_are_set(store, owner) -> None:
    with store.write() as session:
        for key, value in [
            ("organization.prefix", "ACME"),
            ("organization.email", "help@acme.example"),
            ("auto_reply.enabled", True),
        ]:
            settings_mod.set_value(session, owner, key, value, now=NOW)
        add_profile(session, consent=Consent.NEVER_SUBSCRIBED)
        assert text_in(session, "hello?").auto_reply_id is not None
    (body,) = _auto_replies(store)
    assert body.startswith("ACME: ") and body.endswith("email help@acme.example.")


def test_a_template_without_variables_can_be_turned_on_with_nothing_else_set(store, owner) -> None:
    with store.write() as session:
        settings_mod.set_value(
            session, owner, "auto_reply.template", "Thanks, we will answer soon.", now=NOW
        )
        settings_mod.set_value(session, owner, "auto_reply.enabled", True, now=NOW)
        add_profile(session, consent=Consent.NEVER_SUBSCRIBED)
        assert text_in(session, "hello?").auto_reply_id is not None
    assert _auto_replies(store) == ["Thanks, we will answer soon."]


def test_a_variable_emptied_behind_the_rule_is_skipped_and_recorded(store, owner) -> None:
    """Defence in depth: a value written around the rule (an older convo, another
    process racing the check) never reaches a customer half-filled."""
    with store.write() as session:
        settings_mod.set_value(session, owner, "organization.prefix", "ACME", now=NOW)
        settings_mod.set_value(session, owner, "organization.email", "help@acme.example", now=NOW)
        settings_mod.set_value(session, owner, "auto_reply.enabled", True, now=NOW)
        settings_mod.store_checked(session, owner, "organization.email", "", now=NOW)
        add_profile(session, consent=Consent.NEVER_SUBSCRIBED)
        assert text_in(session, "hello?").auto_reply_id is None
    assert _auto_replies(store) == []
    (detail,) = _skips(store)
    assert "organization.email is empty" in detail


def test_an_empty_first_name_skips_a_template_that_uses_it(store, owner) -> None:
    with store.write() as session:
        settings_mod.set_value(
            session, owner, "auto_reply.template", "Hi {{ person.first_name }}, thanks!", now=NOW
        )
        settings_mod.set_value(session, owner, "auto_reply.enabled", True, now=NOW)
        add_profile(session, consent=Consent.NEVER_SUBSCRIBED, first_name=None)
        add_profile(session, "+14155550124", consent=Consent.NEVER_SUBSCRIBED, first_name="Ken")
        assert text_in(session, "hello?").auto_reply_id is None
        assert text_in(session, "hi", phone="+14155550124").auto_reply_id is not None
    assert _auto_replies(store) == ["Hi Ken, thanks!"]
    (detail,) = _skips(store)
    assert "person.first_name is empty" in detail


# The CLI, as a child process -------------------------------------------------


def test_settings_set_refuses_to_turn_it_on_while_a_variable_is_empty(db_path) -> None:
    db = _fresh(db_path)
    _cli(db, "settings", "set", "auto_reply.enabled", "on").assert_one_line_error(
        "organization.prefix is empty", "convo settings set organization.prefix"
    )
    assert _cli(db, "settings", "show", "--json").json()["auto_reply.enabled"] is False
    assert _cli(db, "settings", "set", "organization.prefix", "ACME").code == 0
    _cli(db, "settings", "set", "auto_reply.enabled", "on").assert_one_line_error(
        "organization.email is empty", "convo settings set organization.email"
    )
    assert _cli(db, "settings", "set", "organization.email", "help@acme.example").code == 0
    assert _cli(db, "settings", "set", "auto_reply.enabled", "on").code == 0
    # Once on, neither emptying a variable nor a template with an empty one gets past it.
    _cli(db, "settings", "set", "organization.email", "").assert_one_line_error(
        "organization.email", "auto_reply.enabled off"
    )
    assert _cli(db, "settings", "show", "--json").json()["organization.email"] == (
        "help@acme.example"
    )


def test_a_template_using_an_empty_variable_is_refused_while_on(db_path) -> None:
    db = _fresh(db_path)
    assert _cli(db, "settings", "set", "auto_reply.template", "Thanks, soon.").code == 0
    assert _cli(db, "settings", "set", "auto_reply.enabled", "on").code == 0
    _cli(
        db, "settings", "set", "auto_reply.template", "Thanks from {{ organization.prefix }}"
    ).assert_one_line_error("organization.prefix is empty", "convo settings set")
    assert _cli(db, "settings", "show", "--json").json()["auto_reply.template"] == ("Thanks, soon.")


def test_doctor_names_the_missing_setting(db_path) -> None:
    db = _fresh(db_path)
    fresh = _cli(db, "doctor", "--only", "auto-reply")
    assert fresh.code == 0, fresh.err
    assert "auto-reply: off" in fresh.out and "organization.prefix" in fresh.out
    assert "organization.email" in fresh.out

    store = open_test_store(db)
    with store.write() as session:
        from convo_tui.core import agents

        owner = agents.identify(session, "olivia", now=NOW)
        settings_mod.set_value(session, owner, "organization.prefix", "ACME", now=NOW)
        settings_mod.set_value(session, owner, "organization.email", "help@acme.example", now=NOW)
        settings_mod.set_value(session, owner, "auto_reply.enabled", True, now=NOW)
    store.close()
    good = _cli(db, "doctor", "--only", "auto-reply")
    assert good.code == 0 and "✓ auto-reply: on" in good.out, good.out

    store = open_test_store(db)
    with store.write() as session:
        owner = agents.identify(session, "olivia", now=NOW)
        settings_mod.store_checked(session, owner, "organization.prefix", "", now=NOW)
    store.close()
    broken = _cli(db, "doctor", "--only", "auto-reply")
    assert broken.code != 0
    assert "✗ auto-reply" in broken.out and "organization.prefix is empty" in broken.out
    assert "convo settings set organization.prefix" in broken.out


# The settings modal (Pilot) ----------------------------------------------------


@pytest.mark.anyio
async def test_the_modal_refuses_to_turn_it_on_while_a_variable_is_empty(demo_store) -> None:
    with demo_store.write() as session:
        from convo_tui.core import agents

        owner = agents.identify(session, "ana", now=NOW)
        settings_mod.set_value(session, owner, "auto_reply.enabled", False, now=NOW)
        settings_mod.set_value(session, owner, "organization.prefix", "", now=NOW)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("comma")
        await settle(pilot)
        modal = app.screen
        switch = modal.query_one("#setting-auto_reply--enabled", Switch)
        assert switch.value is False
        switch.value = True
        await settle(pilot)
        error = str(modal.query_one("#error-setting-auto_reply--enabled").render())
        assert "organization.prefix is empty" in error, error
        assert switch.value is False  # the switch shows what is stored
        assert app.desk.settings().values["auto_reply.enabled"] is False
        prefix = modal.query_one("#setting-organization--prefix", Input)
        prefix.value = "BOOTS"
        prefix.focus()
        await pilot.press("enter")
        await settle(pilot)
        switch.value = True
        await settle(pilot)
        assert app.desk.settings().values["auto_reply.enabled"] is True
