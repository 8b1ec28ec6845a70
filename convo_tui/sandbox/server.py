"""The sandbox provider's HTTP server: Twilio and Klaviyo wire protocols on one port.

Auth is checked as the real providers check it (Basic for Twilio, the
`Klaviyo-API-Key` header plus a `revision` for Klaviyo), errors use each
provider's error body, and faults can be injected per run. A control
endpoint under `/_sandbox/` lets tests and `convo sandbox text` make a
customer text the business.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from convo_tui import clock, demo_files
from convo_tui.errors import ConvoError
from convo_tui.sandbox import twilio_api
from convo_tui.sandbox.demo_loader import load_demo
from convo_tui.sandbox.faults import CAPS_PAGES, PAGING, Fault, FaultPlan
from convo_tui.sandbox.klaviyo_api import JSONAPI, REVISION, KlaviyoApi, errors
from convo_tui.sandbox.wire import Answer, Request, json_answer
from convo_tui.sandbox.world import World, hex_id

log = logging.getLogger("convo.sandbox")

CONTROL = "/_sandbox/"


@dataclass(frozen=True)
class Credentials:
    account_sid: str
    auth_token: str
    api_key_sid: str
    api_key_secret: str
    from_number: str
    messaging_service_sid: str
    klaviyo_api_key: str
    klaviyo_read_only_key: str
    """A private key with read scopes only: Klaviyo answers its writes 403."""


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Drop the kept-alive connections too: a stopped sandbox is gone, as a killed
        provider is, not still answering whoever connected before."""
        with self._open_lock:
            open_now = list(self._open)
        for conn in open_now:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs: clients reuse connections
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls
    server_version = "convo-sandbox"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or "127.0.0.1"
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        try:
            self.server.sandbox.serve(request, self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send(self, answer: Answer, *, cut: bool = False) -> None:
        """Write an answer; `cut` closes the connection halfway through the body."""
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if cut:
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self.wfile.flush()
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if answer.body:
            self.wfile.write(answer.body)


class Sandbox:
    """A sandbox provider: `Sandbox(...).start()` serves it on a thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 2026,
        simulate: bool = False,
        interval: float = 6.0,
        data: Path | None = None,
        history: bool = True,
        now: Callable[[], datetime] = clock.utcnow,
    ) -> None:
        self.now = now
        self.seed = seed
        account = hex_id("AC", "sandbox", seed)
        self.world = World(now=now(), seed=seed, account_sid=account)
        load_demo(self.world, data or demo_files.folder(), history=history)
        self.credentials = Credentials(
            account_sid=account,
            auth_token=secrets.token_hex(16),
            api_key_sid=hex_id("SK", "sandbox", seed),
            api_key_secret=secrets.token_urlsafe(24),
            from_number=self.world.business_number,
            messaging_service_sid=self.world.messaging_service_sid,
            klaviyo_api_key="pk_sandbox_" + secrets.token_hex(12),
            klaviyo_read_only_key="pk_sandbox_ro_" + secrets.token_hex(12),
        )
        self.twilio = twilio_api.TwilioApi(self.world)
        self.klaviyo = KlaviyoApi(self.world)
        self.faults = FaultPlan()
        self._last_created: str | None = None
        self.requests = 0
        try:
            self.server = SandboxServer((host, port), self)
        except OSError as exc:
            raise ConvoError(
                f"the sandbox cannot listen on {host}:{port} ({exc.strerror or exc})",
                "choose another --port, or stop what is using it",
            ) from None
        self._thread: threading.Thread | None = None
        self.simulator: Any = None
        if simulate:
            from convo_tui.sandbox.simulate import Simulator

            self.simulator = Simulator(self.world, now=now, interval=interval)

    def start(self) -> Sandbox:
        """Serve on a thread (and simulate, if asked) until `stop()`."""
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="convo-sandbox", daemon=True
        )
        self._thread.start()
        if self.simulator is not None:
            self.simulator.start()
        return self

    def serve_forever(self) -> None:
        if self.simulator is not None:
            self.simulator.start()
        self.server.serve_forever()

    def stop(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
        self.server.shutdown()
        self.server.server_close()
        self.server.close_connections()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def exports(self) -> list[str]:
        c = self.credentials
        return [
            f"export CONVO_TWILIO_BASE_URL={self.base_url}",
            f"export CONVO_TWILIO_ACCOUNT_SID={c.account_sid}",
            f"export CONVO_TWILIO_AUTH_TOKEN={c.auth_token}",
            f"export CONVO_TWILIO_FROM='{c.from_number}'",
            f"export CONVO_KLAVIYO_BASE_URL={self.base_url}",
            f"export CONVO_KLAVIYO_API_KEY={c.klaviyo_api_key}",
        ]

    # Test and demo controls -----------------------------------------------------

    def inject_inbound(
        self, phone: str, body: str, media: list[tuple[str, str]] | None = None
    ) -> str:
        """A customer texts the business now; returns the new message's sid."""
        return self.world.receive(
            phone, body, at=self.now().replace(microsecond=0), media=media or []
        ).sid

    def set_faults(self, faults: list[dict[str, Any]]) -> None:
        self.faults.set([Fault.parse(f) for f in faults])

    # Serving ------------------------------------------------------------------

    def serve(self, request: Request, handler: Handler) -> None:
        self.requests += 1
        if request.path.startswith(CONTROL):
            handler.send(self._control(request))
            return
        klaviyo = request.path.startswith("/api/")
        refusal = self._klaviyo_auth(request) if klaviyo else self._twilio_auth(request)
        if refusal is not None:
            handler.send(refusal)
            return
        query = "&".join(f"{k}={v}" for k, v in request.query)
        fault = self.faults.take(request.method, request.path, query)
        if fault is not None and fault.kind in CAPS_PAGES:
            request = self._paging_fault(request, fault, klaviyo=klaviyo)
        elif fault is not None and fault.kind == "lag":
            headers = {**request.headers, "x-sandbox-lag": f"{fault.delay:g}"}
            request = Request(
                request.method, request.path, request.query, headers, request.body, request.base_url
            )
        if fault is not None and fault.kind in ("429", "500", "503"):
            handler.send(self._fault_answer(fault, klaviyo=klaviyo))
            return
        now = self.now()
        if klaviyo:
            may_write = self._klaviyo_key(request) == self.credentials.klaviyo_api_key
            answer = self.klaviyo.handle(request, now, may_write=may_write)
        else:
            answer = self.twilio.handle(request, now)
        if klaviyo and answer.status < 400:
            answer.headers.update(
                {"RateLimit-Limit": "75", "RateLimit-Remaining": "74", "RateLimit-Reset": "1"}
            )
        before, self._last_created = self._last_created, self._created_sid(request, answer)
        if fault is None or fault.kind in PAGING or fault.kind == "lag":
            handler.send(answer)
        elif fault.kind == "slow":
            time.sleep(fault.delay)  # the work is done; only the answer is late
            handler.send(answer)
        elif fault.kind == "drop":
            handler.send(answer, cut=True)
        elif fault.kind == "truncate":
            answer.body = answer.body[: max(len(answer.body) // 2, 1)]
            handler.send(answer)
        elif fault.kind == "foreign_link":
            handler.send(_foreign_next(answer))
        elif fault.kind == "corrupt_record":
            handler.send(_corrupt_records(answer))
        elif fault.kind == "invalid_json":
            handler.send(
                Answer(200, b"<html><body>502 Bad Gateway</body></html>{", "application/json")
            )
        elif fault.kind in ("odd_answer", "repeat_sid", "other_message"):
            handler.send(self._odd_answer(fault.kind, answer, before, now))

    def _created_sid(self, request: Request, answer: Answer) -> str | None:
        """The sid of the text a POST just created (for the repeat_sid fault)."""
        if request.method != "POST" or answer.status != 201:
            return self._last_created
        try:
            sid = json.loads(answer.body).get("sid")
        except ValueError:
            return self._last_created
        return sid if isinstance(sid, str) else self._last_created

    def _odd_answer(self, kind: str, answer: Answer, before: str | None, now: datetime) -> Answer:
        """An answer that is valid HTTP and JSON but wrong in what it says."""
        if answer.status >= 300:
            return answer
        data = json.loads(answer.body)
        if kind == "odd_answer":
            data["date_created"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            data["num_segments"] = "one"
        elif kind == "repeat_sid" and before is not None:
            data["sid"] = before
        elif kind == "other_message":
            others = [m for m in self.world.listed(now) if m.sid != data.get("sid")]
            if others:
                data = self.twilio.message_json(others[0])
        return Answer(answer.status, json.dumps(data).encode(), answer.content_type, answer.headers)

    def _paging_fault(self, request: Request, fault: Fault, *, klaviyo: bool) -> Request:
        """Cap the page size so there are pages, then repeat or shift them."""
        size_key = "page[size]" if klaviyo else "PageSize"
        query = [(k, v) for k, v in request.query if k != size_key]
        query.append((size_key, str(fault.page_size)))
        headers = dict(request.headers)
        headers[f"x-sandbox-{fault.kind}"] = "1"
        if fault.kind == "shift":
            self._arrivals(request.path)
        return Request(request.method, request.path, query, headers, request.body, request.base_url)

    def _arrivals(self, path: str) -> None:
        """New things arrive while a list is being paged."""
        now = self.now().replace(microsecond=0)
        world = self.world
        phones = sorted(p for p in world.profile_by_phone if p not in world.opted_out)
        picked = [phones[world.rng.randrange(len(phones))] for _ in range(3)]
        if path.startswith("/api/events"):
            for phone in picked:
                profile = world.profile_for(phone, now)
                world.add_event(
                    profile.id,
                    "Viewed Product",
                    now,
                    {"ProductName": "Trail Runner 2", "Price": 129.0},
                )
        elif path.startswith("/api/"):
            for phone in picked:
                world.profile_for(phone, now).updated = now
        else:
            for phone in picked:
                world.receive(phone, "Hello? Is anyone there?", at=now)

    def _fault_answer(self, fault: Fault, *, klaviyo: bool) -> Answer:
        status = int(fault.kind)
        if klaviyo:
            titles = {
                429: ("throttled", "Request was throttled."),
                500: ("error", "A server error occurred."),
                503: ("service_unavailable", "Service unavailable."),
            }
            code, title = titles[status]
            answer = errors(status, code, title, f"{title} (sandbox fault)")
        else:
            messages = {
                429: (20429, "Too Many Requests"),
                500: (20500, "Internal Server Error"),
                503: (20503, "Service Unavailable"),
            }
            code_number, text = messages[status]
            answer = twilio_api.error(status, code_number, text)
        if fault.retry_after is not None:
            answer.headers["Retry-After"] = f"{fault.retry_after:g}"
        return answer

    def _twilio_auth(self, request: Request) -> Answer | None:
        header = request.headers.get("authorization", "")
        user = password = ""
        if header.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user = password = ""
        c = self.credentials
        if (user == c.account_sid and hmac.compare_digest(password, c.auth_token)) or (
            user == c.api_key_sid and hmac.compare_digest(password, c.api_key_secret)
        ):
            return None
        answer = twilio_api.error(401, 20003, "Authenticate")
        answer.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return answer

    def _klaviyo_key(self, request: Request) -> str | None:
        """The private key the request carries, if it is one of the sandbox's."""
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        c = self.credentials
        for known in (c.klaviyo_api_key, c.klaviyo_read_only_key):
            if scheme == "Klaviyo-API-Key" and hmac.compare_digest(key.strip(), known):
                return known
        return None

    def _klaviyo_auth(self, request: Request) -> Answer | None:
        if self._klaviyo_key(request) is None:
            return errors(
                401,
                "not_authenticated",
                "Authentication credentials were not provided.",
                "Missing or invalid private key.",
            )
        revision = request.headers.get("revision", "")
        if not REVISION.match(revision):
            return errors(
                400,
                "invalid",
                "Invalid input.",
                "A revision header (YYYY-MM-DD) is required.",
                parameter="revision",
            )
        return None

    def _control(self, request: Request) -> Answer:
        name = request.path[len(CONTROL) :].strip("/")
        if name == "health":
            return json_answer(200, {"ok": True, "requests": self.requests})
        refusal = self._twilio_auth(request)
        if refusal is not None:
            return refusal
        if name == "text" and request.method == "POST":
            form = request.form()
            fields = dict(form)
            sender, body = fields.get("From", "").strip(), fields.get("Body", "")
            media = [(url, "image/jpeg") for key, url in form if key == "MediaUrl"]
            if not twilio_api._is_e164(sender):
                return twilio_api.error(400, 21212, f"'From' {sender!r} is not an E.164 number")
            if not body and not media:
                return twilio_api.error(400, 21602, "Message body is required.")
            sid = self.inject_inbound(sender, body, media)
            return json_answer(201, {"sid": sid})
        if name == "faults" and request.method in ("POST", "PUT"):
            try:
                faults = json.loads(request.body or b"[]")
                self.set_faults(faults)
            except (ValueError, TypeError, ConvoError) as exc:
                return twilio_api.error(400, 20001, f"bad fault list: {exc}")
            return json_answer(200, {"faults": self.faults.describe()})
        return twilio_api.not_found(request.path)


def _corrupt_records(answer: Answer) -> Answer:
    """A good page with two bad records on it (the corrupt_record fault)."""
    try:
        data = json.loads(answer.body)
    except ValueError:
        return answer
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not messages:
        return answer
    messages[0]["date_sent"] = "not a date"
    if len(messages) > 1:
        messages[1]["sid"] = None
    return Answer(answer.status, json.dumps(data).encode(), answer.content_type, answer.headers)


def _foreign_next(answer: Answer) -> Answer:
    """Point the next-page link of a list at a host that is not the provider."""
    try:
        data = json.loads(answer.body)
    except ValueError:
        return answer
    elsewhere = "http://provider.attacker.example"
    if isinstance(data, dict) and data.get("next_page_uri"):
        data["next_page_uri"] = elsewhere + data["next_page_uri"]
    links = data.get("links") if isinstance(data, dict) else None
    if isinstance(links, dict) and links.get("next"):
        links["next"] = (
            elsewhere + urlsplit(links["next"]).path + "?" + urlsplit(links["next"]).query
        )
    answer.body = json.dumps(data).encode()
    return answer


def control_url(base_url: str, name: str, **params: str) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return f"{base_url.rstrip('/')}{CONTROL}{name}{query}"


__all__ = ["JSONAPI", "Credentials", "Sandbox", "control_url"]
