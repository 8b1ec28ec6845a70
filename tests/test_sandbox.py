"""The sandbox provider is faithful: its answers validate against the official OpenAPI
documents, the official `twilio` client drives it, and every fault looks on the wire
as it would from the real thing."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from convo_tui.sandbox import Sandbox
from convo_tui.sandbox.simulate import Simulator

from .cli_helpers import ctrl_c_stops_it, run_process
from .sync_helpers import env_for

# The providers' official OpenAPI documents (from ../shared/specs), kept here gzipped so
# the suite runs from a plain clone.
SPECS = Path(__file__).resolve().parent / "specs"
MARIA, LUCAS = "+14155550123", "+5511912345678"
REVISION = "2025-10-15"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(port=0, seed=2026).start()
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def specs() -> dict[str, OpenAPI]:
    if not SPECS.is_dir():
        pytest.fail(f"the official OpenAPI documents are missing: {SPECS}")
    return {
        name: OpenAPI.from_dict(
            json.loads(gzip.decompress((SPECS / f"{name}.json.gz").read_bytes()))
        )
        for name in ("twilio_api_v2010", "klaviyo_profiles", "klaviyo_events", "klaviyo_metrics")
    }


def twilio_http(sb: Sandbox) -> httpx.Client:
    c = sb.credentials
    return httpx.Client(base_url=sb.base_url, auth=(c.account_sid, c.auth_token), timeout=5)


def klaviyo_http(sb: Sandbox) -> httpx.Client:
    headers = {
        "Authorization": f"Klaviyo-API-Key {sb.credentials.klaviyo_api_key}",
        "revision": REVISION,
        "Accept": "application/vnd.api+json",
    }
    return httpx.Client(base_url=sb.base_url, headers=headers, timeout=5)


def validate(spec: OpenAPI, server: str, response: httpx.Response, *, form: bool = False) -> None:
    """Validate a real exchange (request and answer) against an official document."""
    request = response.request
    url = urlsplit(str(request.url))
    args: dict[str, Any] = {}
    for key, value in parse_qsl(url.query, keep_blank_values=True):
        args[key] = value
    mock_request = MockRequest(
        server,
        request.method,
        url.path,
        args=args,
        headers={k: v for k, v in request.headers.items() if k.lower() != "content-length"},
        data=request.content or None,
        content_type="application/x-www-form-urlencoded" if form else "application/json",
    )
    mock_response = MockResponse(
        response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.headers["content-type"],
    )
    spec.validate_response(mock_request, mock_response)


def messages_path(sb: Sandbox) -> str:
    return f"/2010-04-01/Accounts/{sb.credentials.account_sid}/Messages"


# -- Fidelity to the official documents ------------------------------------------


def test_twilio_answers_validate_against_the_official_openapi(sandbox, specs) -> None:
    spec = specs["twilio_api_v2010"]
    server = "https://api.twilio.com"
    base = messages_path(sandbox)
    with twilio_http(sandbox) as http:
        listed = http.get(f"{base}.json", params={"PageSize": 20, "DateSent>": "2026-01-01"})
        assert listed.status_code == 200
        validate(spec, server, listed)
        created = http.post(
            f"{base}.json",
            data={
                "To": MARIA,
                "From": sandbox.credentials.from_number,
                "Body": "Hi Maria 👢",
                "MediaUrl": ["https://cdn.acme.example/a.png", "https://cdn.acme.example/b.gif"],
            },
        )
        assert created.status_code == 201
        validate(spec, server, created, form=True)
        sid = created.json()["sid"]
        fetched = http.get(f"{base}/{sid}.json")
        validate(spec, server, fetched)
        media = http.get(f"{base}/{sid}/Media.json")
        validate(spec, server, media)
        items = media.json()["media_list"]
        assert [m["content_type"] for m in items] == ["image/png", "image/gif"]
        content = http.get(items[0]["uri"].removesuffix(".json"))
        assert content.status_code == 200 and content.headers["content-type"] == "image/png"


def test_klaviyo_answers_validate_against_the_official_openapi(sandbox, specs) -> None:
    server = "https://a.klaviyo.com"
    with klaviyo_http(sandbox) as http:
        profiles = http.get(
            "/api/profiles",
            params={
                "additional-fields[profile]": "subscriptions",
                "page[size]": "5",
                "sort": "updated",
            },
        )
        assert profiles.status_code == 200
        validate(specs["klaviyo_profiles"], server, profiles)
        first = profiles.json()["data"][0]["attributes"]
        assert first["subscriptions"]["sms"]["marketing"]["consent"] in (
            "SUBSCRIBED",
            "UNSUBSCRIBED",
            "NEVER_SUBSCRIBED",
        )
        events = http.get(
            "/api/events",
            params={
                "filter": "greater-than(datetime,2026-01-01T00:00:00Z)",
                "include": "metric,profile",
                "sort": "datetime",
                "page[size]": "10",
            },
        )
        assert events.status_code == 200
        validate(specs["klaviyo_events"], server, events)
        included = {i["type"] for i in events.json()["included"]}
        assert included == {"metric", "profile"}
        metrics = http.get("/api/metrics")
        validate(specs["klaviyo_metrics"], server, metrics)
        names = {m["attributes"]["name"] for m in metrics.json()["data"]}
        assert {"Received SMS", "Placed Order", "Clicked SMS"} <= names


def test_the_official_twilio_client_creates_and_lists(sandbox) -> None:
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    c = sandbox.credentials
    client = Client(c.account_sid, c.auth_token)
    client.api.base_url = sandbox.base_url
    sent = client.messages.create(to=MARIA, from_=c.from_number, body="From twilio-python")
    assert sent.sid.startswith("SM") and sent.status == "queued" and sent.num_segments == "1"
    newest = client.messages.list(limit=3)
    assert newest[0].sid == sent.sid
    # Paging through next_page_uri with a small page gives every message once.
    every = client.messages.list(page_size=50)
    assert len(every) == len({m.sid for m in every}) == len(sandbox.world.messages)
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=LUCAS, from_=c.from_number, body="Lucas texted STOP")
    assert refused.value.code == 21610 and refused.value.status == 400
    # An API key pair works as well as the auth token.
    keyed = Client(c.api_key_sid, c.api_key_secret, c.account_sid)
    keyed.api.base_url = sandbox.base_url
    assert keyed.messages(sent.sid).fetch().body == "From twilio-python"


# -- The Twilio protocol -----------------------------------------------------------


def test_listing_is_newest_first_and_filters_by_day_and_number(sandbox) -> None:
    base = messages_path(sandbox)
    with twilio_http(sandbox) as http:
        seen: list[dict[str, Any]] = []
        url: str | None = f"{base}.json?PageSize=100"
        while url:
            page = http.get(url).json()
            seen += page["messages"]
            url = page["next_page_uri"]
        times = [
            datetime.strptime(m["date_sent"] or m["date_created"], "%a, %d %b %Y %H:%M:%S %z")
            for m in seen
        ]
        assert times == sorted(times, reverse=True)
        today = datetime.now(UTC).date()
        recent = http.get(f"{base}.json", params={"DateSent>": today.isoformat(), "PageSize": 1000})
        assert 0 < len(recent.json()["messages"]) < len(seen)
        to_maria = http.get(f"{base}.json", params={"To": MARIA}).json()["messages"]
        assert to_maria and all(m["to"] == MARIA for m in to_maria)
        assert http.get(f"{base}.json", params={"PageSize": 1001}).status_code == 400


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"Body": "no To"}, 21604),
        ({"To": "+1415555", "Body": "bad To"}, 21211),
        ({"To": MARIA, "From": "+14155550999", "Body": "not our number"}, 21606),
        ({"To": MARIA, "Body": "no sender"}, 21603),
        ({"To": MARIA, "From": "{from}"}, 21602),
        ({"To": MARIA, "From": "{from}", "Body": "x" * 1601}, 21617),
        (
            {
                "To": MARIA,
                "From": "{from}",
                "Body": "many",
                "MediaUrl": ["https://a.example/"] * 11,
            },
            21623,
        ),
        ({"To": LUCAS, "From": "{from}", "Body": "opted out"}, 21610),
        (
            {
                "To": MARIA,
                "From": "{from}",
                "Body": "later",
                "ScheduleType": "fixed",
                "SendAt": "2030-01-01T00:00:00Z",
            },
            35118,
        ),
    ],
)
def test_create_refusals_use_twilio_codes_and_error_bodies(sandbox, form, code) -> None:
    data = {k: (sandbox.credentials.from_number if v == "{from}" else v) for k, v in form.items()}
    with twilio_http(sandbox) as http:
        answer = http.post(f"{messages_path(sandbox)}.json", data=data)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == code and body["status"] == 400 and str(code) in body["more_info"]


def test_json_bodies_and_bad_credentials_are_refused(sandbox) -> None:
    base = f"{messages_path(sandbox)}.json"
    with twilio_http(sandbox) as http:
        as_json = http.post(
            base, json={"To": MARIA, "From": sandbox.credentials.from_number, "Body": "json"}
        )
        assert as_json.status_code == 400 and as_json.json()["code"] == 21604
        assert http.get(base.replace(".json", ".xml")).status_code == 404
    wrong = httpx.get(sandbox.base_url + base, auth=(sandbox.credentials.account_sid, "nope"))
    assert wrong.status_code == 401 and wrong.json()["code"] == 20003
    assert "Basic" in wrong.headers["WWW-Authenticate"]
    other = base.replace(sandbox.credentials.account_sid, "AC" + "0" * 32)
    with twilio_http(sandbox) as http:
        assert http.get(other).status_code == 404


def test_klaviyo_auth_revision_filters_and_cursors(sandbox) -> None:
    no_key = httpx.get(sandbox.base_url + "/api/profiles", headers={"revision": REVISION})
    assert no_key.status_code == 401
    assert no_key.json()["errors"][0]["code"] == "not_authenticated"
    with klaviyo_http(sandbox) as http:
        http.headers.pop("revision")
        assert http.get("/api/profiles").status_code == 400
    with klaviyo_http(sandbox) as http:
        bad = http.get("/api/events", params={"filter": "greater-than(color,blue)"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "invalid"
        ids: list[str] = []
        url: str | None = "/api/profiles?page[size]=100&sort=updated"
        while url:
            page = http.get(url).json()
            ids += [p["id"] for p in page["data"]]
            url = page["links"].get("next")
            assert url is None or url.startswith(sandbox.base_url)
        assert len(ids) == len(set(ids)) == len(sandbox.world.profiles)
        since = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        recent = http.get(
            "/api/events", params={"filter": f"greater-than(datetime,{since})", "sort": "datetime"}
        ).json()["data"]
        stamps = [e["attributes"]["datetime"] for e in recent]
        assert stamps and stamps == sorted(stamps) and all(s > since[:19] for s in stamps)


def test_delivery_moves_from_queued_to_delivered_or_fails_with_a_code() -> None:
    clock = [datetime(2026, 11, 24, 15, 0, tzinfo=UTC)]
    sb = Sandbox(port=0, seed=7, now=lambda: clock[0])
    sent = [
        sb.world.send(
            to=phone,
            body="Status check",
            media_urls=[],
            now=clock[0],
            from_number=None,
            service=None,
        )
        for phone in sorted(sb.world.profile_by_phone)[:40]
    ]
    assert {m.status for m in sent} == {"queued"}
    clock[0] += timedelta(seconds=1)
    sb.world.settle(clock[0])
    assert {m.status for m in sent} == {"sent"}
    clock[0] += timedelta(seconds=5)
    sb.world.settle(clock[0])
    outcomes = {m.status for m in sent}
    assert outcomes == {"delivered", "undelivered"}
    assert {m.error_code for m in sent if m.status == "undelivered"} <= {30003, 30004, 30006, 30007}
    sb.server.server_close()


def test_keywords_change_consent_and_get_the_providers_reply(sandbox) -> None:
    phone = "+13125550142"  # Dana: subscribed
    sandbox.inject_inbound(phone, " stop ")
    with twilio_http(sandbox) as http:
        refused = http.post(
            f"{messages_path(sandbox)}.json",
            data={"To": phone, "From": sandbox.credentials.from_number, "Body": "still there?"},
        )
        assert refused.json()["code"] == 21610
        replies = http.get(f"{messages_path(sandbox)}.json", params={"To": phone}).json()
        assert replies["messages"][0]["direction"] == "outbound-reply"
        assert "unsubscribed" in replies["messages"][0]["body"]
    profile = sandbox.world.profiles[sandbox.world.profile_by_phone[phone]]
    assert profile.consent == "UNSUBSCRIBED"
    sandbox.inject_inbound(phone, "START")
    assert profile.consent == "SUBSCRIBED" and phone not in sandbox.world.opted_out


# -- Faults, as they look on the wire -----------------------------------------------


def test_faults_on_the_wire(sandbox) -> None:
    base = f"{messages_path(sandbox)}.json"
    with twilio_http(sandbox) as http:
        sandbox.set_faults([{"kind": "429", "count": 1, "retry_after": 2}])
        limited = http.get(base)
        assert limited.status_code == 429 and limited.json()["code"] == 20429
        assert limited.headers["Retry-After"] == "2"
        sandbox.set_faults([{"kind": "429", "count": 1}])
        assert "Retry-After" not in http.get(base).headers
        sandbox.set_faults([{"kind": "503", "count": 1}])
        assert http.get(base).status_code == 503
        sandbox.set_faults([{"kind": "truncate", "count": 1}])
        with pytest.raises(json.JSONDecodeError):
            json.loads(http.get(base).content)
        sandbox.set_faults([{"kind": "invalid_json", "count": 1}])
        with pytest.raises(json.JSONDecodeError):
            json.loads(http.get(base).content)
        sandbox.set_faults([{"kind": "drop", "count": 1}])
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(base)
        sandbox.set_faults([{"kind": "slow", "count": 1, "delay": 1.5}])
        with pytest.raises(httpx.ReadTimeout):
            http.get(base, timeout=0.5)
        sandbox.set_faults([{"kind": "duplicate", "count": 2}])
        first = http.get(base, params={"PageSize": 1000}).json()
        second = http.get(first["next_page_uri"]).json()
        assert first["page_size"] == 100
        assert second["messages"][0]["sid"] == first["messages"][-1]["sid"]
    with klaviyo_http(sandbox) as http:
        sandbox.set_faults([{"kind": "429", "count": 1, "path": "/api/", "retry_after": 1}])
        limited = http.get("/api/metrics")
        assert limited.status_code == 429 and limited.json()["errors"][0]["code"] == "throttled"
    sandbox.set_faults([])


def test_a_shifting_list_repeats_what_new_arrivals_pushed_down() -> None:
    sb = Sandbox(port=0, seed=3).start()
    try:
        sb.set_faults([{"kind": "shift", "count": 2, "page_size": 10}])
        with twilio_http(sb) as http:
            first = http.get(f"{messages_path(sb)}.json").json()
            second = http.get(first["next_page_uri"]).json()
        repeated = {m["sid"] for m in first["messages"]} & {m["sid"] for m in second["messages"]}
        assert len(repeated) == 3  # three texts arrived between the pages
    finally:
        sb.stop()


def test_a_send_whose_answer_is_dropped_was_still_sent(sandbox) -> None:
    body = "Dropped answer, delivered text"
    sandbox.set_faults([{"kind": "drop", "count": 1, "method": "POST"}])
    with twilio_http(sandbox) as http, pytest.raises(httpx.RemoteProtocolError):
        http.post(
            f"{messages_path(sandbox)}.json",
            data={"To": MARIA, "From": sandbox.credentials.from_number, "Body": body},
        )
    assert [m for m in sandbox.world.messages.values() if m.body == body]


def test_unknown_faults_are_refused(sandbox) -> None:
    with twilio_http(sandbox) as http:
        answer = http.post("/_sandbox/faults", content=json.dumps([{"kind": "gremlins"}]))
    assert answer.status_code == 400 and "unknown fault" in answer.json()["message"]


# -- Simulation --------------------------------------------------------------------


def test_the_simulation_makes_customers_text_and_shops_send() -> None:
    sb = Sandbox(port=0, seed=11)
    before_messages, before_events = len(sb.world.messages), len(sb.world.events)
    simulator = Simulator(sb.world, now=lambda: datetime.now(UTC), interval=60)
    happened = [simulator.step() for _ in range(60)]
    kinds = {h.split(" ")[0] for h in happened}
    assert {"text", "order", "click"} <= kinds
    assert any(h.startswith(("STOP", "HELP", "START")) for h in happened)
    assert len(sb.world.messages) > before_messages and len(sb.world.events) > before_events
    # The same seed tells the same story.
    again = Sandbox(port=0, seed=11)
    replay = Simulator(again.world, now=lambda: datetime.now(UTC), interval=60)
    assert [replay.step() for _ in range(60)] == happened
    sb.server.server_close()
    again.server.server_close()


# -- The commands --------------------------------------------------------------------


def test_sandbox_serve_and_text_as_processes(tmp_path) -> None:
    serve = subprocess.Popen(
        [sys.executable, "-m", "convo_tui", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
        preexec_fn=ctrl_c_stops_it,
    )
    try:
        assert serve.stdout is not None
        lines = [serve.stdout.readline().strip() for _ in range(7)]
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in lines
            if line.startswith("export")
        )
        env = {k: v.strip("'") for k, v in exports.items()}
        assert env["CONVO_TWILIO_BASE_URL"].startswith("http://127.0.0.1:")
        sent = run_process(
            "sandbox", "text", "--from", "(415) 555-0123", "Hello from the CLI", env=env
        )
        assert sent.code == 0, sent.err
        assert "+1 415-555-0123 texted the business: SM" in sent.out
        assert run_process("init", "--db", tmp_path / "s.sqlite3").code == 0
        synced = run_process("sync", "--once", "--db", tmp_path / "s.sqlite3", env=env, timeout=120)
        assert synced.code == 0, synced.err
        thread = run_process("thread", MARIA, "--db", tmp_path / "s.sqlite3", env=env)
        assert "Hello from the CLI" in thread.out
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=10)
    dead = run_process(
        "sandbox",
        "text",
        "--from",
        MARIA,
        "hi",
        env={**env, "CONVO_TWILIO_BASE_URL": "http://127.0.0.1:9"},
    )
    dead.assert_one_line_error("cannot connect to the sandbox", "convo sandbox serve")
    run_process("sandbox", "text", "--from", MARIA, "hi").assert_one_line_error(
        "Twilio is not configured", "convo sandbox serve"
    )
    bad = run_process("sandbox", "text", "--from", "not a phone", "hi", env=env)
    assert bad.code != 0 and len(bad.err.strip().splitlines()) == 1


def test_sandbox_serve_refuses_a_busy_port(sandbox) -> None:
    port = sandbox.base_url.rsplit(":", 1)[1]
    busy = run_process("sandbox", "serve", "--port", port)
    busy.assert_one_line_error("cannot listen", "--port")


def test_env_for_points_every_client_at_the_sandbox(sandbox) -> None:
    env = env_for(sandbox)
    assert env["CONVO_TWILIO_BASE_URL"] == env["CONVO_KLAVIYO_BASE_URL"] == sandbox.base_url


def test_without_history_the_provider_knows_profiles_as_the_timeline_left_them() -> None:
    sb = Sandbox(port=0, seed=2026, history=False)
    try:
        assert sb.world.messages == {} and sb.world.events == []
        assert len(sb.world.profiles) == 230
        lucas = sb.world.profiles[sb.world.profile_by_phone[LUCAS]]
        camila = sb.world.profiles[sb.world.profile_by_phone["+525512345678"]]
        assert lucas.consent == "UNSUBSCRIBED" and LUCAS in sb.world.opted_out
        assert camila.consent == "SUBSCRIBED"  # texted " Start " in the timeline
    finally:
        sb.server.server_close()


def test_scheduled_texts_need_a_service_and_go_out_when_due() -> None:
    clock = [datetime(2026, 11, 24, 15, 0, tzinfo=UTC)]
    sb = Sandbox(port=0, seed=5).start()
    sb.now = lambda: clock[0]
    c = sb.credentials
    try:
        with twilio_http(sb) as http:
            base = f"{messages_path(sb)}.json"
            form = {
                "To": MARIA,
                "MessagingServiceSid": c.messaging_service_sid,
                "Body": "Later",
                "ScheduleType": "fixed",
            }
            too_soon = http.post(base, data={**form, "SendAt": "2026-11-24T15:04:00Z"})
            assert too_soon.status_code == 400 and too_soon.json()["code"] == 35114
            too_far = http.post(base, data={**form, "SendAt": "2027-01-24T15:00:00Z"})
            assert too_far.json()["code"] == 35114
            made = http.post(base, data={**form, "SendAt": "2026-11-25T08:00:00Z"})
            assert made.status_code == 201 and made.json()["status"] == "scheduled"
            sid = made.json()["sid"]
            clock[0] = datetime(2026, 11, 25, 8, 0, 0, 500000, tzinfo=UTC)
            assert http.get(f"{messages_path(sb)}/{sid}.json").json()["status"] == "queued"
            clock[0] += timedelta(seconds=10)
            assert http.get(f"{messages_path(sb)}/{sid}.json").json()["status"] in (
                "delivered",
                "undelivered",
            )
    finally:
        sb.stop()


class _Recording(httpx.HTTPTransport):
    """A real transport that keeps each exchange (to check what the client sent)."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.exchanges.append((request, response))
        return response


def test_klaviyo_unsubscribe_as_convo_sends_it_validates_and_a_read_only_key_is_refused(
    sandbox, specs
) -> None:
    """convo's own Bulk Unsubscribe request, checked against the official document, and
    the sandbox's answers: 202 for a key that may write, 403 for a read-only one, 400 for
    a number that is not E.164 or more than 100 profiles."""
    from convo_tui.providers.http import ProviderError
    from convo_tui.providers.klaviyo import KlaviyoClient

    spec = specs["klaviyo_profiles"]
    phone = "+15005550006"  # nobody in the demo: Klaviyo makes the profile, then unsubscribes
    recording = _Recording()
    client = KlaviyoClient(
        sandbox.base_url, sandbox.credentials.klaviyo_api_key, transport=recording
    )
    try:
        client.unsubscribe_sms([phone])
        with pytest.raises(ValueError):
            client.unsubscribe_sms([])
    finally:
        client.close()
    ((request, response),) = recording.exchanges
    assert response.status_code == 202 and response.content == b""
    spec.validate_request(
        MockRequest(
            "https://a.klaviyo.com",
            "POST",
            urlsplit(str(request.url)).path,
            headers={k: v for k, v in request.headers.items() if k.lower() != "content-length"},
            data=request.content,
            content_type=request.headers["content-type"],
        )
    )
    world = sandbox.world
    assert world.profiles[world.profile_by_phone[phone]].consent == "UNSUBSCRIBED"

    before = world.profiles[world.profile_by_phone[MARIA]].consent
    read_only = KlaviyoClient(sandbox.base_url, sandbox.credentials.klaviyo_read_only_key)
    try:
        assert read_only.profile_pages().__next__()  # it may read
        with pytest.raises(ProviderError) as refused:
            read_only.unsubscribe_sms([MARIA])
    finally:
        read_only.close()
    assert refused.value.status == 403 and "subscriptions:write" in refused.value.line()
    assert world.profiles[world.profile_by_phone[MARIA]].consent == before  # nothing written

    def body(profiles: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "data": {
                "type": "profile-subscription-bulk-delete-job",
                "attributes": {"profiles": {"data": profiles}},
            }
        }

    def one(number: str) -> dict[str, Any]:
        sms = {"sms": {"marketing": {"consent": "UNSUBSCRIBED"}}}
        return {"type": "profile", "attributes": {"phone_number": number, "subscriptions": sms}}

    wrong: dict[str, Any]
    with klaviyo_http(sandbox) as http:
        for wrong in (body([one("4155550123")]), body([one(MARIA)] * 101), {"data": {}}):
            answer = http.post(
                "/api/profile-subscription-bulk-delete-jobs",
                json=wrong,
                headers={"Content-Type": "application/vnd.api+json"},
            )
            assert answer.status_code in (400, 409), answer.text
            assert answer.json()["errors"][0]["detail"]
