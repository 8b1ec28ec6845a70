"""Replying from the CLI: cost, quiet hours, send-later, the outbox, short links."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from convo_tui.core import agents, links, orders
from convo_tui.core import settings as settings_mod
from convo_tui.serve.links import make_server
from convo_tui.store.engine import Store
from convo_tui.store.kinds import Consent
from convo_tui.store.models import ActivityEvent, MessageSource, ShopOrder, ShortLink

from .cli_helpers import run
from .conftest import add_profile, open_test_store, send_campaign, text_in

# 2026-11-24 03:00 UTC: 22:00 in New York, 19:00 in Los Angeles, 16:00 in Auckland.
NIGHT_NY = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
NY = "+12125550123"
LA = "+14155550123"
PT = "+351912345678"  # Lisbon's clock or the Azores': between 02:00 and 03:00 there
NOWHERE = "+80012345678"  # International Freephone: no country, no zone


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [NIGHT_NY]
    monkeypatch.setattr("convo_tui.clock.utcnow", lambda: now[0])
    return now


@pytest.fixture
def inbox(db_path: Path, clock) -> Path:
    store = open_test_store(db_path)
    with store.write() as session:
        owner = agents.identify(session, "olivia", now=NIGHT_NY)
        # Auto-replies answer at once whatever the hour; these tests look at agents' replies.
        settings_mod.set_value(session, owner, "auto_reply.enabled", False, now=NIGHT_NY)
        for phone in (NY, LA, PT, NOWHERE):
            add_profile(session, phone, consent=Consent.SUBSCRIBED)
            text_in(session, "question", phone=phone, at=NIGHT_NY - timedelta(minutes=10))
    store.close()
    return db_path


def cli(capsys, db: Path, *args: str):
    return run(capsys, *args, "--db", db, "--agent", "olivia")


def test_reply_prints_its_cost(capsys, inbox) -> None:
    out = cli(capsys, inbox, "reply", LA, "Your boots ship today 👢").out
    assert "UCS-2 · 24 characters · 1 segment · UCS-2 because of: 👢" in out
    out = cli(capsys, inbox, "reply", LA, "a" * 161).out
    assert "GSM-7 · 161 characters · 2 segments" in out


def test_quiet_hours_refuse_unless_told(capsys, inbox) -> None:
    refused = cli(capsys, inbox, "reply", NY, "Are you there?")
    refused.assert_one_line_error(
        "it is 22:00 for the recipient (America/New_York, from phone number)",
        "--anyway",
        "--at-next-window",
    )
    assert cli(capsys, inbox, "outbox", "list", "--json").json() == []
    anyway = cli(capsys, inbox, "reply", NY, "Are you there?", "--anyway")
    assert anyway.code == 0 and "sending anyway" in anyway.err
    assert len(cli(capsys, inbox, "outbox", "list", "--json").json()) == 1


def test_at_next_window_schedules_for_eight_their_time(capsys, inbox) -> None:
    result = cli(capsys, inbox, "reply", NY, "Good morning!", "--at-next-window")
    assert result.code == 0, result.err
    assert "Tue 2026-11-24 08:00 their time (America/New_York)" in result.out
    assert "yours (EST)" in result.out  # the agent's zone (TZ in tests: New York)
    (item,) = cli(capsys, inbox, "outbox", "list", "--json").json()
    assert item["send_at"] == "2026-11-24T13:00:00+00:00" and item["scheduled"]
    thread = cli(capsys, inbox, "thread", NY, "--json").json()["messages"]
    assert thread[-1]["status"] == "scheduled"


def test_unknown_zone_warns_and_cannot_schedule(capsys, inbox) -> None:
    cli(capsys, inbox, "reply", NOWHERE, "Hi").assert_one_line_error("time zone is unknown")
    cli(capsys, inbox, "reply", NOWHERE, "Hi", "--at-next-window").assert_one_line_error(
        "time zone is unknown"
    )
    assert cli(capsys, inbox, "reply", NOWHERE, "Hi", "--anyway").code == 0


def test_several_possible_zones_schedule_for_the_window_common_to_all(capsys, inbox) -> None:
    """03:00 UTC: 02:00 in the Azores, 03:00 in Lisbon. The window both are in opens at
    08:00 in the Azores (09:00 in Lisbon), not at 08:00 Lisbon time (07:00 Azores)."""
    cli(capsys, inbox, "reply", PT, "Olá").assert_one_line_error(
        "between Tue 02:00 and 03:00 (Portugal, 2 zones)",
        "--at-next-window to send at 08:00–09:00 their time (Tue 24 Nov; Portugal, 2 zones)",
    )
    result = cli(capsys, inbox, "reply", PT, "Olá", "--at-next-window")
    assert result.code == 0, result.err
    assert "08:00–09:00 their time (Tue 2026-11-24; Portugal, 2 zones)" in result.out
    (item,) = [i for i in cli(capsys, inbox, "outbox", "list", "--json").json() if i["scheduled"]]
    assert item["send_at"] == "2026-11-24T09:00:00+00:00"


def test_inside_the_window_no_warning(capsys, inbox) -> None:
    result = cli(capsys, inbox, "reply", LA, "Sure!")
    assert result.code == 0 and result.err == ""


def test_contradicting_flags(capsys, inbox) -> None:
    cli(capsys, inbox, "reply", NY, "x", "--anyway", "--at-next-window").assert_one_line_error(
        "contradict"
    )


def test_outbox_cancel(capsys, inbox) -> None:
    cli(capsys, inbox, "reply", NY, "Later", "--at-next-window")
    (item,) = cli(capsys, inbox, "outbox", "list", "--json").json()
    assert "Later" in cli(capsys, inbox, "outbox", "list").out
    assert cli(capsys, inbox, "outbox", "cancel", str(item["id"])).code == 0
    assert cli(capsys, inbox, "outbox", "list", "--json").json() == []
    cli(capsys, inbox, "outbox", "cancel", str(item["id"])).assert_one_line_error("cancelled")
    cli(capsys, inbox, "outbox", "cancel", "999").assert_one_line_error("no outbox item 999")


def test_scheduled_items_are_released_only_when_due(inbox, capsys) -> None:
    from convo_tui.core import outbox

    cli(capsys, inbox, "reply", NY, "Later", "--at-next-window")
    store = open_test_store(inbox)
    with store.read() as session:
        assert outbox.due(session, now=NIGHT_NY) == []
        assert len(outbox.due(session, now=datetime(2026, 11, 24, 13, 0, tzinfo=UTC))) == 1
    store.close()


# Short links ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("see https://acme.example/a.", ["https://acme.example/a"]),
        ("(see https://x.y/a)", ["https://x.y/a"]),
        ("wiki https://en.wikipedia.org/wiki/Boot_(footwear)!", [
            "https://en.wikipedia.org/wiki/Boot_(footwear)"]),
        ("two: http://a.example, https://b.example/?q=1&r=2;", [
            "http://a.example", "https://b.example/?q=1&r=2"]),
        ("no scheme: acme.example/x, ftp://a.example/f, javascript:alert(1)", []),
        ("caps HTTPS://ACME.example/X", ["HTTPS://ACME.example/X"]),
        ("unicode https://bücher.example/straße?x=ü", ["https://bücher.example/straße?x=ü"]),
        ("glued:https://a.example/x", ["https://a.example/x"]),
        ("broken https:// nothing", []),
    ],
)  # fmt: skip
def test_find_urls(text: str, urls: list[str]) -> None:
    assert [found.url for found in links.find_urls(text)] == urls


def test_idna_and_percent_encoding_for_redirects() -> None:
    assert (
        links.to_ascii("https://bücher.example/straße?x=ü")
        == "https://xn--bcher-kva.example/stra%C3%9Fe?x=%C3%BC"
    )


def test_very_long_urls_are_shortened_and_kept_whole(store) -> None:
    url = "https://acme.example/" + "a" * 3000
    with store.write() as session:
        profile = add_profile(session)
        result = links.shorten(
            session, f"go {url} now", profile_id=profile.id or 0, domain="cnvo.link",
            now=NIGHT_NY,
        )  # fmt: skip
        assert result.text.startswith("go https://cnvo.link/") and result.text.endswith(" now")
        assert result.links[0].url == url


def test_reply_shortens_links_and_reuses_the_code(capsys, inbox) -> None:
    cli(capsys, inbox, "reply", LA, "Track it: https://shop.acme.example/orders/1043?ref=sms")
    cli(capsys, inbox, "reply", LA, "Again: https://shop.acme.example/orders/1043?ref=sms")
    bodies = [
        m["body"]
        for m in cli(capsys, inbox, "thread", LA, "--json").json()["messages"]
        if m["label"].startswith("agent")
    ]
    codes = [b.rsplit("/", 1)[1] for b in bodies]
    assert bodies[0].startswith("Track it: https://cnvo.link/") and len(codes[0]) == 7
    assert codes[0] == codes[1]
    # A different customer gets a different code for the same URL.
    cli(capsys, inbox, "reply", NY, "Track: https://shop.acme.example/orders/1043?ref=sms",
        "--anyway")  # fmt: skip
    other = cli(capsys, inbox, "thread", NY, "--json").json()["messages"][-1]["body"]
    assert other.rsplit("/", 1)[1] != codes[0]


def test_cost_counts_the_short_link_not_the_long_url(capsys, inbox) -> None:
    long_url = "https://shop.acme.example/" + "x" * 300
    out = cli(capsys, inbox, "reply", LA, f"Here: {long_url}").out
    assert "GSM-7 · 31 characters · 1 segment" in out  # "Here: https://cnvo.link/XXXXXXX"
    cli(capsys, inbox, "settings", "set", "links.shorten", "off")
    out = cli(capsys, inbox, "reply", LA, f"Here: {long_url}").out
    assert "3 segments" in out


@pytest.fixture
def link_server(inbox: Path, clock) -> Iterator[tuple[Store, int]]:
    store = open_test_store(inbox)
    server = make_server(store, "127.0.0.1", 0, clock=lambda: clock[0])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield store, server.server_address[1]
    server.shutdown()
    server.server_close()
    store.close()


def _get(port: int, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"User-Agent": "test-phone"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_redirect_service_records_clicks_and_attributes_orders(
    capsys, inbox, link_server, clock
) -> None:
    store, port = link_server
    with store.write() as session:
        send_campaign(session, at=NIGHT_NY - timedelta(hours=1), name="Winter Sale", phone=LA)
        profile_id = session.exec(select(ShortLink.id)).first()  # none yet
        assert profile_id is None
    cli(capsys, inbox, "reply", LA, "Track it: https://bücher.example/straße")
    with store.read() as session:
        link = session.exec(select(ShortLink)).one()
    response = _get(port, f"/{link.code}")
    assert response.status == 302
    assert response.getheader("Location") == "https://xn--bcher-kva.example/stra%C3%9Fe"
    assert _get(port, "/nope123").status == 404
    assert _get(port, "/../../etc/passwd").status == 404
    with store.read() as session:
        event = session.exec(
            select(ActivityEvent).where(ActivityEvent.metric == "Clicked SMS")
        ).one()
        assert event.message_id == link.message_id and event.properties["code"] == link.code
        window = settings_mod.load(session).attribution_window_hours
    # An order within the window after the click is attributed to the reply it came from.
    with store.write() as session:
        order = orders.record_order(
            session,
            orders.OrderIn("#1043", LA, NIGHT_NY + timedelta(hours=2),
                           [orders.Line("Boots", 1, 12900)]),
            window_hours=window, now=NIGHT_NY,
        )  # fmt: skip
        source = session.get(MessageSource, order.attributed_source_id)
        assert source is not None and source.kind == "agent_reply"
        assert order.attributed_message_id == link.message_id
        late = orders.record_order(
            session,
            orders.OrderIn("#1044", LA, NIGHT_NY + timedelta(hours=30),
                           [orders.Line("Socks", 2, 900)]),
            window_hours=window, now=NIGHT_NY,
        )  # fmt: skip
        assert late.attributed_source_id is None
        assert session.exec(select(ShopOrder)).all()[1].total_cents == 1800


def test_profile_shows_the_recipients_local_time(capsys, inbox) -> None:
    data = cli(capsys, inbox, "profile", NY, "--json").json()
    assert data["local_time"].startswith("2026-11-23T22:00")
    assert (data["time_zone"], data["time_zone_source"], data["quiet_hours_now"]) == (
        "America/New_York",
        "phone",
        True,
    )
    out = cli(capsys, inbox, "profile", NY).out
    assert "local time: 22:00 (America/New_York, from phone number)  (quiet hours" in out
    out = cli(capsys, inbox, "profile", PT).out
    assert "local time: between Tue 02:00 and 03:00 (Portugal, 2 zones)  (quiet hours" in out
    assert "time zone: not certain: Portugal, 2 zones (Atlantic/Azores, Europe/Lisbon)" in out
    data = cli(capsys, inbox, "profile", PT, "--json").json()
    assert data["time_zone"] is None and data["local_time"] is None
    assert data["time_zone_candidates"] == ["Atlantic/Azores", "Europe/Lisbon"]
    assert data["local_times"] == ["2026-11-24T02:00:00-01:00", "2026-11-24T03:00:00+00:00"]
    assert "local time: unknown" in cli(capsys, inbox, "profile", NOWHERE).out


def test_links_serve_command_over_real_http(inbox) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "convo_tui", "links", "serve", "--port", "0", "--db", str(inbox),
         "--agent", "olivia"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Short links served on http://127.0.0.1:" in line, proc.stderr
        port = int(line.split(":")[2].split()[0])
        assert _get(port, "/zzzzzzz").status == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_links_serve_on_a_busy_port_is_one_line(inbox) -> None:
    import socket

    from .cli_helpers import run_process

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = str(sock.getsockname()[1])
        result = run_process(
            "links", "serve", "--port", taken, "--db", inbox, "--agent", "olivia", timeout=20
        )
    result.assert_one_line_error(f"cannot listen on 127.0.0.1:{taken}", "--port")
