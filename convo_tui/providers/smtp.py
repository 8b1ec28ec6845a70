"""The SMTP transport of the email notifications: connect, encrypt, log in, send.

The rules of what is emailed and when live in `core.email_notify`, which sees this
only as a `MailTransport`. Every socket operation times out after `timeout`
seconds (the host name lookup is not covered). The password is only handed to
`login` and scrubbed from every reason this gives.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import parseaddr

from convo_tui.config import SmtpConfig
from convo_tui.core.email_notify import MailFailed
from convo_tui.text import one_line

TIMEOUT_SECONDS = 5.0
SECURITY_MODES = ("starttls", "tls", "none")


class SmtpTransport:
    """Sends through the configured SMTP server; one connection per `session`."""

    def __init__(
        self,
        config: SmtpConfig,
        *,
        timeout: float = TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context` checks the server's certificate. The default is the system's
        trust store with host name checks. Tests pass one that trusts their own CA."""
        self.config = config
        self.timeout = timeout
        self._ssl_context = ssl_context

    @property
    def sender(self) -> str:
        return self.config.sender.strip()

    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def problem(self) -> str | None:
        """Why the configuration cannot work, or None. It makes no connection."""
        smtp = self.config
        if not smtp.host.strip():
            return "no SMTP host is configured (set CONVO_SMTP_HOST or [smtp] host)"
        if smtp.security not in SECURITY_MODES:
            return f"SMTP security {smtp.security!r} is not one of {', '.join(SECURITY_MODES)}"
        sender = smtp.sender.strip()
        if not sender:
            return "no sender address is configured (set CONVO_SMTP_FROM or [smtp] sender)"
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in sender) or "@" not in parseaddr(sender)[1]:
            return f"the sender address {one_line(sender, 80)!r} is not an email address"
        if smtp.security == "none" and smtp.username and not _is_loopback(smtp.host):
            return (
                f"refusing to send the SMTP password unencrypted to {smtp.host}: "
                "set the SMTP security to starttls or tls"
            )
        return None

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """A connected, greeted, encrypted (as configured) and logged-in session, closed
        at the end; any failure is a MailFailed with a one-line reason."""
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            raise MailFailed(self.describe(exc)) from exc
        try:
            yield SmtpSession(self, client)
        finally:
            _close(client)

    def _connect(self) -> smtplib.SMTP:
        smtp = self.config
        # smtplib's default EHLO name comes from socket.getfqdn(), a DNS lookup
        # that can hang for a long time on a badly configured host.
        local = socket.gethostname() or "localhost"
        client: smtplib.SMTP
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(
                smtp.host,
                smtp.port,
                local_hostname=local,
                timeout=self.timeout,
                context=self._context(),
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, local_hostname=local, timeout=self.timeout)
        try:
            client.ehlo()
            if smtp.security == "starttls":
                # Raises SMTPNotSupportedError when STARTTLS is not offered: never
                # fall back to plain text.
                client.starttls(context=self._context())
                client.ehlo()
            if smtp.username:
                client.login(smtp.username, smtp.password)
        except BaseException:
            client.close()
            raise
        return client

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def describe(self, exc: BaseException) -> str:
        """A one-line reason for the log, without the password."""
        if isinstance(exc, smtplib.SMTPResponseException):
            reply = exc.smtp_error
            text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            reason = f"{type(exc).__name__}: {exc.smtp_code} {text}"
        elif isinstance(exc, smtplib.SMTPRecipientsRefused):
            reason = f"every address was refused ({', '.join(exc.recipients)})"
        elif isinstance(exc, TimeoutError) or (
            # smtplib turns a read timeout into "Connection unexpectedly closed: timed out"
            isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc)
        ):
            reason = f"no answer within {self.timeout:g} s"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return self.scrub(reason)

    def scrub(self, text: str) -> str:
        text = one_line(text, 300)
        password = self.config.password
        if password:
            text = text.replace(password, "***")
        return text


class SmtpSession:
    """One connection: `send` as often as needed within `SmtpTransport.session`."""

    def __init__(self, transport: SmtpTransport, client: smtplib.SMTP) -> None:
        self._transport = transport
        self._client = client

    def send(self, message: EmailMessage, to: Sequence[str]) -> dict[str, str]:
        """Send `message` to `to`; the addresses the server refused while it took the
        others, each with the server's scrubbed reply. Raises MailFailed."""
        try:
            refused = self._client.send_message(
                message, from_addr=parseaddr(self._transport.sender)[1], to_addrs=list(to)
            )
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            # OSError covers refused connections, timeouts and TLS errors; ValueError
            # covers addresses the server cannot take (non-ASCII without SMTPUTF8).
            raise MailFailed(self._transport.describe(exc)) from exc
        return {
            address: self._transport.scrub(f"{code} {reply.decode('utf-8', 'replace')}")
            for address, (code, reply) in refused.items()
        }


def _is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _close(client: smtplib.SMTP) -> None:
    """QUIT politely, and close anyway: all mail is sent by then, so errors do not matter."""
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
