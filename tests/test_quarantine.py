"""One bad record does not stop the stream: it is set aside raw, the rest of its page is
stored, the cursor moves on, and the next rounds go on (the real sandbox over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from convo_tui.sandbox import Sandbox
from convo_tui.store.engine import Store
from convo_tui.store.models import Message, QuarantinedRecord
from convo_tui.sync import quarantine

from .cli_helpers import run_process
from .sync_helpers import clients, engine_for, env_for

BAD_PAGE = {"kind": "corrupt_record", "count": 1000, "path": "Messages.json", "method": "GET"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026, simulate=False).start()
    yield sb
    sb.stop()


def _stored(store: Store) -> set[str]:
    with store.read() as session:
        rows = session.exec(
            select(Message.provider_sid).where(col(Message.provider_sid).is_not(None))
        )
        return {sid for sid in rows if sid}


def _provider(sb: Sandbox) -> list[str]:
    twilio, klaviyo = clients(sb)
    try:
        return [m.sid for page in twilio.list_pages(page_size=1000) for m in page]
    finally:
        twilio.close()
        klaviyo.close()


def test_a_bad_record_is_set_aside_and_the_rest_is_stored(store, sandbox) -> None:
    newest_first = _provider(sandbox)
    sandbox.set_faults([BAD_PAGE])
    with engine_for(store, sandbox) as engine:
        report = engine.run_once()
    assert report.errors == [], report.errors
    assert report.quarantined == 2
    stored = _stored(store)
    # The first message (bad date) and the second (no sid) are set aside, all else stored.
    assert stored == set(newest_first[2:])
    with store.read() as session:
        rows = session.exec(select(QuarantinedRecord).order_by(col(QuarantinedRecord.id))).all()
        assert [r.stream for r in rows] == ["twilio.messages"] * 2
        assert '"not a date"' in rows[0].raw and "date_sent" in rows[0].reason
        assert '"sid": null' in rows[1].raw and "sid" in rows[1].reason
    # Seen again next round: counted, not stored twice; the stream still goes on.
    with engine_for(store, sandbox) as engine:
        again = engine.run_once()
    assert again.errors == []
    with store.read() as session:
        rows = session.exec(select(QuarantinedRecord)).all()
        assert len(rows) == 2 and {r.seen for r in rows} == {2}
        assert quarantine.summary(session).records == 2


def test_convo_sync_says_what_was_set_aside(db_path, store, sandbox) -> None:
    sandbox.set_faults([BAD_PAGE])
    result = run_process("sync", "--once", "--db", db_path, env=env_for(sandbox), timeout=120)
    assert result.code == 0, result.err
    assert "2 records set aside" in result.out and "convo doctor" in result.out, result.out


def test_doctor_shows_the_set_aside_records_literally(db_path, store, sandbox) -> None:
    sandbox.set_faults([BAD_PAGE])
    with engine_for(store, sandbox) as engine:
        engine.run_once()
    result = run_process("doctor", "--db", db_path, "--only", "store", env=env_for(sandbox))
    (line,) = [x for x in result.out.splitlines() if x.startswith("! sync:")]
    assert "2 provider records set aside" in line and "twilio.messages" in line, line
    assert result.code == 0, result.err  # a warning fails nothing
