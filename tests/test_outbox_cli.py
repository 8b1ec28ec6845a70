"""The outbox from the command line, as a child process: one number for a reply in every
command, `outbox recall`, and refusals that suggest only what will work."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from convo_tui.clock import utcnow
from convo_tui.core import agents, outbox
from convo_tui.core import settings as settings_mod
from convo_tui.store.kinds import Consent
from convo_tui.store.models import OutboxItem

from .cli_helpers import Result, run_process
from .conftest import add_profile, open_test_store, sid, text_in

NY = "+12125550123"
PT = "+80012345678"  # International Freephone: no country, so no zone at all


def _store(db: Path, *, quiet_now: bool) -> None:
    """A store whose hours for texting (New York time) are, or are not, the present hour."""
    now = utcnow()
    local = now.astimezone(__import__("pytz").timezone("America/New_York"))
    if quiet_now:
        start, end = local + timedelta(hours=2), local + timedelta(hours=3)
    else:
        start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    store = open_test_store(db)
    with store.write() as session:
        owner = agents.identify(session, "olivia", now=now)
        settings_mod.set_value(session, owner, "auto_reply.enabled", False, now=now)
        window = {"quiet_hours.start": f"{start:%H}:00", "quiet_hours.end": f"{end:%H}:00"}
        # One at a time, never both the same hour on the way (the rule refuses that): at
        # 18:00 in New York the new start is the default end, 20:00, so the end goes first.
        keys = sorted(window, reverse=window["quiet_hours.start"] != "20:00")  # start, end
        for key in keys:
            settings_mod.set_value(session, owner, key, window[key], now=now)
        for phone in (NY, PT):
            add_profile(session, phone, consent=Consent.SUBSCRIBED)
            text_in(session, "question", phone=phone, at=now - timedelta(minutes=10))
        add_profile(session, "+12125550999", consent=Consent.SUBSCRIBED)
        text_in(session, "another", phone="+12125550999", at=now - timedelta(minutes=5))
    store.close()


def convo(db: Path, *args: str) -> Result:
    return run_process(*args, "--db", db, "--agent", "olivia")


def _number(result: Result) -> str:
    assert result.code == 0, result.err
    found = re.search(r"reply #(\d+)", result.out)
    assert found, result.out
    return found.group(1)


def test_the_number_a_reply_is_given_is_the_one_every_outbox_command_takes(tmp_path) -> None:
    db = tmp_path / "convo.sqlite3"
    _store(db, quiet_now=True)
    number = _number(convo(db, "reply", NY, "Good morning!", "--at-next-window"))
    (item,) = convo(db, "outbox", "list", "--json").json()
    assert str(item["id"]) == number
    listed = convo(db, "outbox", "list").out
    assert re.search(rf"^{number}\s", listed, re.MULTILINE), listed
    thread = convo(db, "thread", NY, "--json").json()["messages"]
    assert str(thread[-1]["id"]) == number and thread[-1]["status"] == "scheduled"
    cancelled = convo(db, "outbox", "cancel", number)
    assert cancelled.code == 0, cancelled.err
    assert f"#{number}" in cancelled.out
    assert convo(db, "outbox", "list", "--json").json() == []
    convo(db, "outbox", "cancel", "999").assert_one_line_error("999", "convo outbox list")


def test_outbox_recall_gives_the_text_back(tmp_path) -> None:
    db = tmp_path / "convo.sqlite3"
    _store(db, quiet_now=False)
    number = _number(convo(db, "reply", NY, "Size 38 is back in stock"))
    recalled = convo(db, "outbox", "recall", number)
    assert recalled.code == 0, recalled.err
    assert "Size 38 is back in stock" in recalled.out
    assert convo(db, "outbox", "list", "--json").json() == []
    thread = convo(db, "thread", NY, "--json").json()["messages"]
    assert [m["body"] for m in thread] == ["question"]
    convo(db, "outbox", "recall", number).assert_one_line_error(f"no message {number}")


def _sync_sends(db: Path, number: str) -> None:
    """What the sync does once the send delay is over: it claims the reply and the
    provider accepts it (in this process, on the same SQLite file)."""
    store = open_test_store(db)
    later = utcnow() + timedelta(seconds=11)
    with store.write() as session:
        item = session.exec(select(OutboxItem).where(OutboxItem.message_id == int(number))).one()
        claimed = outbox.claim(session, int(item.id or 0), now=later)
        assert claimed is not None
        outbox.mark_sent(session, claimed, provider_sid=sid(), status="queued", now=later)
    store.close()


def test_outbox_recall_too_late_is_one_line_and_keeps_the_reply(tmp_path) -> None:
    db = tmp_path / "convo.sqlite3"
    _store(db, quiet_now=False)
    queued = convo(db, "reply", NY, "Your refund is approved")
    number = _number(queued)
    assert f"convo outbox recall {number}" in queued.out  # says how, while it can
    listed = convo(db, "outbox", "list").out
    assert re.search(rf"^{number}\s.*\bpending\b", listed, re.MULTILINE), listed
    _sync_sends(db, number)
    late = convo(db, "outbox", "recall", number)
    late.assert_one_line_error("already went out", "send a correction")
    thread = convo(db, "thread", NY, "--json").json()["messages"]
    assert [m["body"] for m in thread] == ["question", "Your refund is approved"]
    assert str(thread[-1]["id"]) == number


def test_an_unknown_zone_suggests_only_what_will_work(tmp_path) -> None:
    db = tmp_path / "convo.sqlite3"
    _store(db, quiet_now=False)
    refused = convo(db, "reply", PT, "Hi")
    refused.assert_one_line_error("time zone is unknown", "--anyway")
    assert "--at-next-window" not in refused.err and "their time" not in refused.err
    scheduled = convo(db, "reply", PT, "Hi", "--at-next-window")
    scheduled.assert_one_line_error("time zone is unknown", "--anyway")
    assert "their time" not in scheduled.err
    assert convo(db, "reply", PT, "Hi", "--anyway").code == 0
