"""Email notifications, sent to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlmodel import col, select

from convo_tui.config import SmtpConfig
from convo_tui.core import conversations, profiles
from convo_tui.core import settings as settings_mod
from convo_tui.core.email_notify import EmailNotifier, EmailReport
from convo_tui.core.inbound import process_inbound
from convo_tui.core.texts import InboundText, Media
from convo_tui.providers.smtp import SmtpTransport
from convo_tui.store.engine import Store
from convo_tui.store.models import Agent, Notification, Profile

from .conftest import BUSINESS, CUSTOMER, NOW, add_profile, sid, text_in

OTHER = "+14155550199"
ADDRESSES = ["support@acme.example", "lead@acme.example"]
PASSWORD = "hunter2-Sekr1t"
AFTER_BURST = timedelta(seconds=61)


# -- a real SMTP server ------------------------------------------------------


@dataclass
class Inbox:
    """The aiosmtpd handler: keeps every envelope it is given."""

    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        parsed = []
        for envelope in self.envelopes:
            message = email.message_from_bytes(envelope.original_content, policy=default_policy)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"agent",
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # False: the server answers 535 itself


class Server:
    """An aiosmtpd Controller on 127.0.0.1 that tests start (again) on a fixed port."""

    def __init__(self, port: int | None = None, **kwargs: Any) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.kwargs = kwargs
        self.controller: Controller | None = None

    def start(self) -> Server:
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **self.kwargs
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def plain(port: int, **overrides: Any) -> SmtpConfig:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "convo <convo@acme.example>",
    }
    return SmtpConfig(**(values | overrides))


# -- store helpers -------------------------------------------------------------


def enable(
    store: Store, owner: Agent, addresses: list[str] = ADDRESSES, *, on: bool = True, at: Any = None
) -> None:
    at = at or NOW - timedelta(days=1)
    with store.write() as session:
        settings_mod.set_value(session, owner, "notifications.email_addresses", addresses, now=at)
        settings_mod.set_value(session, owner, "notifications.email", on, now=at)


def pending(store: Store) -> int:
    with store.read() as session:
        return len(
            session.exec(select(Notification).where(col(Notification.emailed_at).is_(None))).all()
        )


def text_of(message: EmailMessage) -> str:
    """The decoded body, with the wire's CRLF line ends made plain newlines."""
    return str(message.get_content()).replace("\r\n", "\n")


def subjects(server: Server) -> list[str]:
    return sorted(str(message["Subject"]) for message in server.inbox.messages)


# -- what is sent ----------------------------------------------------------------


def test_one_email_per_new_text_to_every_address(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(session, last_name="Silva")
        text_in(session, "Where is my order? 👢")
    notifier = EmailNotifier(store, SmtpTransport(plain(server.port)))

    assert notifier.send_pending(now=NOW) == EmailReport(0, 0, 0, False)  # burst still open
    assert server.inbox.envelopes == []

    report = notifier.send_pending(now=NOW + AFTER_BURST)
    assert report == EmailReport(sent=1, notifications=1, skipped=0, failed=False)
    (envelope,) = server.inbox.envelopes
    assert envelope.mail_from == "convo@acme.example"
    assert envelope.rcpt_tos == ADDRESSES
    (message,) = server.inbox.messages
    assert message["Subject"] == "New text from Maria Silva (+1 415-555-0123)"
    assert message["To"] == ", ".join(ADDRESSES)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_charset() == "utf-8"
    body = text_of(message)
    assert "Where is my order? 👢" in body
    assert "Tue 2026-11-24 15:00 UTC" in body
    assert f"convo thread {CUSTOMER}" in body
    assert pending(store) == 0

    # Nothing twice.
    assert notifier.send_pending(now=NOW + 2 * AFTER_BURST).sent == 0
    assert len(server.inbox.envelopes) == 1


def test_a_burst_is_one_email_once_it_is_over(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(session, last_name="Silva")
        for seconds, body in [(0, "Hi"), (20, "my boots are too small"), (50, "can I swap?")]:
            text_in(session, body, at=NOW + timedelta(seconds=seconds))
    notifier = EmailNotifier(store, SmtpTransport(plain(server.port)))

    # 59 s after the last text the burst may still grow.
    assert notifier.send_pending(now=NOW + timedelta(seconds=109)).sent == 0
    report = notifier.send_pending(now=NOW + timedelta(seconds=111))
    assert (report.sent, report.notifications) == (1, 3)
    (message,) = server.inbox.messages
    assert message["Subject"] == "3 new texts from Maria Silva (+1 415-555-0123)"
    body = text_of(message)
    assert body.index("Hi\n") < body.index("my boots are too small") < body.index("can I swap?")
    assert "sent 3 texts" in body


def test_a_customer_who_keeps_texting_is_emailed_after_five_minutes(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(session)
        for n in range(11):
            text_in(session, f"text {n}", at=NOW + timedelta(seconds=30 * n))
    notifier = EmailNotifier(store, SmtpTransport(plain(server.port)))
    assert notifier.send_pending(now=NOW + timedelta(seconds=299)).sent == 0
    report = notifier.send_pending(now=NOW + timedelta(seconds=300))
    assert (report.sent, report.notifications) == (1, 11)


def test_two_profiles_two_emails(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(session, last_name="Silva")
        add_profile(session, OTHER, first_name=None)
        text_in(session, "from Maria")
        text_in(session, "from a stranger", phone=OTHER)
    report = EmailNotifier(store, SmtpTransport(plain(server.port))).send_pending(
        now=NOW + AFTER_BURST
    )
    assert (report.sent, report.notifications) == (2, 2)
    assert subjects(server) == [
        "New text from +1 415-555-0199",
        "New text from Maria Silva (+1 415-555-0123)",
    ]
    assert len(server.inbox.envelopes) == 2  # one SMTP session, two messages


def test_attachments_are_listed(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(session)
        process_inbound(
            session,
            InboundText(
                provider_sid=sid(),
                from_number=CUSTOMER,
                to_number=BUSINESS,
                body="",
                sent_at=NOW,
                media=[Media("https://media.example/boots.jpg", "image/jpeg")],
            ),
            now=NOW,
        )
    EmailNotifier(store, SmtpTransport(plain(server.port))).send_pending(now=NOW + AFTER_BURST)
    body = text_of(server.inbox.messages[0])
    assert "(no text)" in body
    assert "Attachment: https://media.example/boots.jpg" in body


def test_blocked_profiles_and_keywords_send_nothing(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        blocked = add_profile(session)
        text_in(session, "first", at=NOW - timedelta(hours=1))
        conversations.block(
            session, blocked, profiles.conversation_of(session, blocked), owner, now=NOW
        )
        text_in(session, "you can't silence me")
        add_profile(session, OTHER)
        text_in(session, "STOP", phone=OTHER)
        text_in(session, "HELP", phone=OTHER)
    report = EmailNotifier(store, SmtpTransport(plain(server.port))).send_pending(
        now=NOW + AFTER_BURST
    )
    # The text from before the block was still pending: it is skipped, not emailed.
    assert report == EmailReport(sent=0, notifications=0, skipped=1, failed=False)
    assert server.inbox.envelopes == []
    assert pending(store) == 0


def test_setting_off_sends_and_marks_nothing(store, owner, server) -> None:
    enable(store, owner, on=False)
    with store.write() as session:
        add_profile(session)
        text_in(session, "hello?")
    notifier = EmailNotifier(store, SmtpTransport(plain(server.port)))
    assert notifier.send_pending(now=NOW + AFTER_BURST) == EmailReport(0, 0, 0, False)
    assert server.inbox.envelopes == []
    assert pending(store) == 1

    # On without addresses is still off.
    enable(store, owner, [], on=True)
    assert notifier.send_pending(now=NOW + AFTER_BURST) == EmailReport(0, 0, 0, False)
    assert pending(store) == 1


def test_switching_on_later_does_not_send_the_backlog(store, owner, server) -> None:
    enable(store, owner, on=False)
    with store.write() as session:
        add_profile(session)
        add_profile(session, OTHER)
        text_in(session, "old news", at=NOW - timedelta(hours=2))
        text_in(session, "a minute ago", at=NOW - timedelta(minutes=1), phone=OTHER)
    enable(store, owner, at=NOW)
    with store.write() as session:
        text_in(session, "after switching on", at=NOW + timedelta(seconds=5))
    report = EmailNotifier(store, SmtpTransport(plain(server.port))).send_pending(
        now=NOW + 2 * AFTER_BURST
    )
    assert (report.sent, report.notifications) == (2, 2)
    bodies = " ".join(text_of(message) for message in server.inbox.messages)
    assert "a minute ago" in bodies and "after switching on" in bodies
    assert "old news" not in bodies


def test_a_first_sync_of_history_is_skipped(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(session)
        # Texts written days ago, learned about now.
        for days in (3, 2):
            text_in(session, f"{days} days ago", at=NOW - timedelta(days=days), now=NOW)
        text_in(session, "just now", at=NOW, now=NOW)
    report = EmailNotifier(store, SmtpTransport(plain(server.port))).send_pending(
        now=NOW + AFTER_BURST
    )
    assert report == EmailReport(sent=1, notifications=1, skipped=2, failed=False)
    assert "days ago" not in text_of(server.inbox.messages[0])


def test_untrusted_names_and_bodies_cannot_inject(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(
            session,
            first_name="Eve\r\nBcc: victim@evil.example\r\nX-Evil: 1",
            last_name="\x1b[31mRed\u202e",
        )
        text_in(session, "line one\r\n.\r\nRCPT TO:<x@evil.example>\n\x1b]0;title\x07\x00end")
    EmailNotifier(store, SmtpTransport(plain(server.port))).send_pending(now=NOW + AFTER_BURST)
    (envelope,) = server.inbox.envelopes
    assert envelope.rcpt_tos == ADDRESSES
    (message,) = server.inbox.messages
    assert message["Bcc"] is None and message["X-Evil"] is None
    subject = str(message["Subject"])
    assert "\n" not in subject and "\x1b" not in subject and "\u202e" not in subject
    assert subject.startswith("New text from Eve Bcc: victim@evil.example X-Evil: 1 ␛[31mRed")
    body = text_of(message)
    assert "\x1b" not in body and "\x07" not in body and "\x00" not in body
    assert "line one\n.\nRCPT TO:<x@evil.example>\n␛]0;title␇␀end" in body


# -- failures ----------------------------------------------------------------------


def test_dead_server_warns_once_and_retries_later(store, owner, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="convo.email")
    enable(store, owner)
    with store.write() as session:
        add_profile(session)
        text_in(session, "anyone there?")
    down = Server()  # its port: nothing listens there yet
    notifier = EmailNotifier(store, SmtpTransport(plain(down.port)))

    started = time.monotonic()
    first = notifier.send_pending(now=NOW + AFTER_BURST)
    second = notifier.send_pending(now=NOW + 2 * AFTER_BURST)
    assert time.monotonic() - started < 6
    assert first == second == EmailReport(sent=0, notifications=0, skipped=0, failed=True)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"127.0.0.1:{down.port}" in warnings[0].getMessage()
    assert "1 text(s) wait" in warnings[0].getMessage()
    assert pending(store) == 1

    down.start()
    try:
        report = notifier.send_pending(now=NOW + 3 * AFTER_BURST)
    finally:
        down.stop()
    assert (report.sent, report.failed) == (1, False)
    assert len(down.inbox.envelopes) == 1
    assert pending(store) == 0
    assert "works again" in caplog.records[-1].getMessage()

    # A new failure is a new episode: one more warning.
    with store.write() as session:
        text_in(session, "hello again?", at=NOW + 3 * AFTER_BURST)
    assert notifier.send_pending(now=NOW + 5 * AFTER_BURST).failed
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2


def test_a_silent_server_times_out(store, owner, caplog) -> None:
    """A server that accepts the connection and never speaks cannot hold the caller."""
    enable(store, owner)
    with store.write() as session:
        add_profile(session)
        text_in(session, "hello")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        notifier = EmailNotifier(store, SmtpTransport(plain(port), timeout=0.5))
        started = time.monotonic()
        report = notifier.send_pending(now=NOW + AFTER_BURST)
        assert time.monotonic() - started < 3
    assert report.failed
    assert "no answer within 0.5 s" in caplog.text
    assert pending(store) == 1


def test_not_configured_warns_once(store, owner, caplog) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(session)
        text_in(session, "hello")
    notifier = EmailNotifier(store, SmtpTransport(SmtpConfig()))
    assert notifier.send_pending(now=NOW + AFTER_BURST).failed
    assert notifier.send_pending(now=NOW + AFTER_BURST).failed
    assert caplog.text.count("no SMTP host is configured") == 1
    assert pending(store) == 1


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (SmtpConfig(host="smtp.example.com", security="ssl", sender="a@b.example"), "security"),
        (SmtpConfig(host="smtp.example.com"), "no sender address"),
        (SmtpConfig(host="smtp.example.com", sender="x\r\nBcc: y@z"), "not an email address"),
        (
            SmtpConfig(
                host="smtp.example.com",
                security="none",
                username="agent",
                password=PASSWORD,
                sender="a@b.example",
            ),
            "refusing to send the SMTP password unencrypted",
        ),
    ],
)
def test_bad_configurations_are_refused_before_connecting(
    store, config: SmtpConfig, problem: str
) -> None:
    message = SmtpTransport(config).problem()
    assert message is not None and problem in message
    assert PASSWORD not in message


# -- TLS and authentication --------------------------------------------------------


def deliver_one(store: Store, owner: Agent, notifier: EmailNotifier) -> EmailReport:
    enable(store, owner)
    with store.write() as session:
        add_profile(session)
        text_in(session, "over TLS")
    return notifier.send_pending(now=NOW + AFTER_BURST)


def test_starttls_with_login(store, owner, server_tls, client_tls, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secure = Server(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    ).start()
    try:
        config = plain(secure.port, security="starttls", username="agent", password=PASSWORD)
        report = deliver_one(
            store, owner, EmailNotifier(store, SmtpTransport(config, ssl_context=client_tls))
        )
    finally:
        secure.stop()
    assert (report.sent, report.failed) == (1, False)
    assert secure.inbox.envelopes[0].rcpt_tos == ADDRESSES
    assert PASSWORD not in caplog.text


def test_implicit_tls(store, owner, server_tls, client_tls) -> None:
    secure = Server(ssl_context=server_tls).start()
    try:
        config = plain(secure.port, security="tls")
        report = deliver_one(
            store, owner, EmailNotifier(store, SmtpTransport(config, ssl_context=client_tls))
        )
    finally:
        secure.stop()
    assert (report.sent, report.failed) == (1, False)
    assert secure.inbox.messages[0]["Subject"] == "New text from Maria (+1 415-555-0123)"


def test_an_untrusted_certificate_is_refused(store, owner, server_tls, caplog) -> None:
    secure = Server(tls_context=server_tls, require_starttls=True).start()
    try:
        # The default context trusts the system's CAs, not the test CA.
        report = deliver_one(
            store,
            owner,
            EmailNotifier(store, SmtpTransport(plain(secure.port, security="starttls"))),
        )
    finally:
        secure.stop()
    assert report.failed and secure.inbox.envelopes == []
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
    assert pending(store) == 1


def test_starttls_is_never_skipped(store, owner, caplog) -> None:
    """A server that does not offer STARTTLS gets nothing, not a plain-text fallback."""
    plain_only = Server().start()
    try:
        config = plain(plain_only.port, security="starttls")
        report = deliver_one(store, owner, EmailNotifier(store, SmtpTransport(config)))
    finally:
        plain_only.stop()
    assert report.failed and plain_only.inbox.envelopes == []
    assert "STARTTLS" in caplog.text


def test_plain_login_on_loopback(store, owner) -> None:
    local = Server(authenticator=authenticator, auth_required=True, auth_require_tls=False).start()
    try:
        config = plain(local.port, username="agent", password=PASSWORD)
        report = deliver_one(store, owner, EmailNotifier(store, SmtpTransport(config)))
    finally:
        local.stop()
    assert (report.sent, report.failed) == (1, False)


def test_a_wrong_password_warns_once_without_the_password(store, owner, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    local = Server(authenticator=authenticator, auth_required=True, auth_require_tls=False).start()
    try:
        config = plain(local.port, username="agent", password=PASSWORD + "x")
        notifier = EmailNotifier(store, SmtpTransport(config))
        report = deliver_one(store, owner, notifier)
        again = notifier.send_pending(now=NOW + 2 * AFTER_BURST)
    finally:
        local.stop()
    assert report.failed and again.failed and local.inbox.envelopes == []
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and r.name == "convo.email"
    ]
    assert len(warnings) == 1 and "SMTPAuthenticationError: 535" in warnings[0].getMessage()
    assert PASSWORD not in caplog.text and repr(report).count(PASSWORD) == 0
    assert pending(store) == 1


def test_two_notifiers_never_send_the_same_text_twice(store, owner, server) -> None:
    """Agents on two hosts both run the notifier: each burst goes out once."""
    enable(store, owner)
    with store.write() as session:
        for n in range(5):
            add_profile(session, f"+1415555020{n}")
            text_in(session, f"hello {n}", phone=f"+1415555020{n}")
    notifiers = [EmailNotifier(store, SmtpTransport(plain(server.port))) for _ in range(2)]
    reports: list[EmailReport] = []
    threads = [
        threading.Thread(target=lambda n=n: reports.append(n.send_pending(now=NOW + AFTER_BURST)))
        for n in notifiers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.notifications for report in reports) == 5
    assert len(server.inbox.envelopes) == 5


# -- an escalated possible opt-out ---------------------------------------------------


def _escalate(store: Store, at: Any) -> int:
    from convo_tui.core import opt_out_review

    with store.write() as session:
        return len(opt_out_review.escalate_due(session, now=at, hours=2))


def _escalation_subjects(server: Server) -> list[str]:
    return [s for s in subjects(server) if s.startswith("Undecided")]


def test_an_escalated_possible_opt_out_is_emailed_once_to_everyone(store, owner, server) -> None:
    enable(store, owner)
    with store.write() as session:
        add_profile(session, last_name="Silva")
        text_in(session, "please stop texting me")
        text_in(session, "seriously, no more texts", at=NOW + timedelta(minutes=1))
    notifier = EmailNotifier(store, SmtpTransport(plain(server.port)))
    notifier.send_pending(now=NOW + 2 * AFTER_BURST)  # the texts themselves: one burst
    assert _escalation_subjects(server) == []
    later = NOW + timedelta(hours=3)
    assert _escalate(store, later) == 1
    other = EmailNotifier(
        store, SmtpTransport(plain(server.port))
    )  # another agent's app, same store
    report = notifier.send_pending(now=later)
    assert report.sent == 1 and not report.failed
    assert other.send_pending(now=later + AFTER_BURST).sent == 0
    assert notifier.send_pending(now=later + 2 * AFTER_BURST).sent == 0
    assert _escalation_subjects(server) == ["Undecided opt-out, 3 h: Maria Silva (+1 415-555-0123)"]
    (message,) = [m for m in server.inbox.messages if str(m["Subject"]).startswith("Undecided")]
    assert message["To"] == ", ".join(ADDRESSES)
    body = text_of(message)
    assert "please stop texting me" in body and "'stop texting'" in body
    assert f"convo opt-outs resolve {CUSTOMER}" in body


def test_an_escalation_decided_first_or_sent_to_a_dead_server_is_not_lost(
    store, owner, caplog
) -> None:
    from convo_tui.core import opt_out_review

    enable(store, owner)
    with store.write() as session:
        add_profile(session, phone=OTHER, first_name="Tom")
        text_in(session, "take me off your list", phone=OTHER)
        add_profile(session, last_name="Silva")
        text_in(session, "please remove my number")
    later = NOW + timedelta(hours=3)
    assert _escalate(store, later) == 2
    with store.write() as session:  # Tom's is decided before any email goes
        tom = session.exec(select(Profile).where(Profile.phone == OTHER)).one()
        opt_out_review.resolve(session, tom, owner, opt_out=True, now=later)
    down = Server()
    notifier = EmailNotifier(store, SmtpTransport(plain(down.port)))
    assert notifier.send_pending(now=later).failed
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "wait" in warning.getMessage()
    down.start()
    try:
        notifier.send_pending(now=later + AFTER_BURST)
        notifier.send_pending(now=later + 2 * AFTER_BURST)
    finally:
        down.stop()
    assert _escalation_subjects(down) == ["Undecided opt-out, 3 h: Maria Silva (+1 415-555-0123)"]


def test_a_mention_and_an_assignment_reach_the_agent_s_own_address(
    capsys, store, owner, server, db_path
) -> None:
    """Issue 17: `@bea` in a note and a conversation given to her are emailed to her own
    address (`agents add --email`), once each, with nothing for an agent without one;
    the team's list gets none of them. Off with notifications.email."""
    from convo_tui.core import agents, assignment, notes

    from .cli_helpers import run

    enable(store, owner, on=False)
    assert (
        run(
            capsys,
            "agents",
            "add",
            "bea",
            "--email",
            "bea@acme.example",
            "--name",
            "Bea Costa",
            "--db",
            db_path,
            "--agent",
            owner.login,
        ).code
        == 0
    )
    run(
        capsys, "agents", "add", "cy", "--email", "nope", "--db", db_path, "--agent", owner.login
    ).assert_one_line_error("not an email address")
    with store.write() as session:
        add_profile(session, last_name="Silva")
        text_in(session, "Where is my order?")
        agents.add_agent(session, owner, "cy", "support", now=NOW)
        me = session.get(Agent, owner.id)
        assert me is not None
        profile = session.exec(select(Profile)).one()
        notes.add_note(session, me, profile, "@bea @cy refund <b>approved</b>\x1b[31m", now=NOW)
        conversation = profiles.require_conversation(session, profile)
        assignment.assign(session, conversation, me, "bea", now=NOW)
    notifier = EmailNotifier(store, SmtpTransport(plain(server.port)))
    assert notifier.send_pending(now=NOW + AFTER_BURST).sent == 0  # email is off
    enable(store, owner)
    report = notifier.send_pending(now=NOW + AFTER_BURST)
    to_bea = [m for m in server.inbox.messages if m["To"] == "bea@acme.example"]
    assert sorted(str(m["Subject"]) for m in to_bea) == sorted(
        [
            f"{owner.name or owner.login} mentioned you: Maria Silva (+1 415-555-0123)",
            "Maria Silva (+1 415-555-0123) is yours now",
        ]
    )
    mention = next(m for m in to_bea if "mentioned" in str(m["Subject"]))
    body = text_of(mention)
    assert "refund <b>approved</b>" in body and "\x1b" not in body
    assert f"convo thread {CUSTOMER}" in body
    assert report.sent == 3  # the two for Bea, and the new text to the team's list
    assert all("cy" not in str(m["To"]) for m in server.inbox.messages)
    assert notifier.send_pending(now=NOW + 2 * AFTER_BURST).sent == 0  # once
