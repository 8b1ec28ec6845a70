"""Email notifications: tell the team by email about new customer texts.

Whatever runs in the background (the sync loop) keeps one `EmailNotifier` and
calls `notifier.send_pending(now=...)` after each sync; a call sends what is
due and returns. The rules:

* What: every Notification row with `emailed_at` NULL. Intake (core.intake) creates one
  per new non-keyword text from a non-blocked profile, so keywords and blocked
  profiles never reach this module.
* When: only while the setting `notifications.email` is on and
  `notifications.email_addresses` holds at least one address. While it is off
  nothing is sent and nothing is marked.
* No flood: only notifications created in the last `max_age` (24 h) and no
  more than `max_wait` before email was last switched on are looked at. Older
  ones are never emailed and stay as they are. A notification in that window
  whose text was *written* more than `max_age` ago (the first sync of a
  history), or whose profile has been blocked since, is marked handled without
  an email ("skipped").
* Bursts: pending notifications are grouped per profile. A group is sent once
  no new text has joined it for `burst` (1 minute), or once its oldest text
  has waited `max_wait` (5 minutes), so a customer who keeps texting still
  gets the team's attention. Each group is one email to every address. One
  SMTP session carries the whole batch.
* Failures: an SMTP server that is down, silent, refuses us, or is not
  configured logs ONE warning (logger "convo.email") per failure episode.
  Later failures in the same episode are logged at debug level, and the
  recovery at info. SMTP problems never raise (store errors do). The
  notifications stay pending and are retried on the next call.
* Several processes: agents on several hosts may share one store and all run
  this. A group is claimed in the store (`emailed_at` set only where it is
  still NULL) before it is sent, and released if sending fails, so a text is
  emailed by one process only. A process killed between the claim and the
  send loses that one email: at most once, never twice.
* `emailed_at` is when the notification was handled, by email or by skipping.
  The table has no column to tell those apart.
* Notices for one agent (core.notices: a mention in a note, a conversation given to
  them) go to that agent's own address (`convo agents add LOGIN --email`), one email
  each, while `notifications.email` is on; claimed and released the same way on
  `agent_notice.emailed_at`. An agent without an address gets them in the inbox only.
* Escalations: a possible opt-out nobody decided on within the setting
  `opt_outs.escalate_after_hours` (marked by the sync, core.opt_out_review) is
  one email of its own, at once (no burst wait), claimed and released the same
  way on `opt_out_review.escalation_emailed_at`. One decided before it went
  is not sent; one escalated more than `max_age` ago is never sent.

Customer text is untrusted. Names and bodies go into an `EmailMessage` as
header and body values, never as raw header lines. Control, bidi and
zero-width characters are shown as visible placeholders (convo_tui.text), as
on the terminal. Newlines are kept in bodies, and names are folded onto one
line. Times are given in UTC.

The sending itself is a `MailTransport` handed in: `providers.smtp.SmtpTransport`
(sockets, TLS, the password and its scrubbing) in the product, so these rules
import no socket and no configuration. Call this from a worker thread, not from a
UI event loop: a dead server costs up to the transport's timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Protocol

from sqlmodel import Session, col, select, update

from convo_tui import phones
from convo_tui.core import profiles
from convo_tui.core import settings as settings_mod
from convo_tui.store.dialect import in_lists
from convo_tui.store.engine import Store
from convo_tui.store.models import (
    Agent,
    AgentNotice,
    Message,
    MessageMedia,
    Notification,
    OptOutReview,
    Profile,
    Setting,
)
from convo_tui.text import one_line, visible

log = logging.getLogger("convo.email")

BURST = timedelta(minutes=1)
MAX_WAIT = timedelta(minutes=5)
MAX_AGE = timedelta(hours=24)
MAX_TEXTS_SHOWN = 50
"""Texts shown in one email. A long backlog shows only the newest ones."""


class MailFailed(Exception):
    """The mail server could not be used; `reason` is one line, with no secret in it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MailSession(Protocol):
    def send(self, message: EmailMessage, to: Sequence[str]) -> dict[str, str]:
        """Send; the addresses refused while the others were taken, with the reason.
        Raises MailFailed."""
        ...


class MailTransport(Protocol):
    @property
    def sender(self) -> str:
        """The From address, as configured."""
        ...

    def where(self) -> str:
        """The server, for the log."""
        ...

    def problem(self) -> str | None:
        """Why the configuration cannot work (no connection made), or None."""
        ...

    def session(self) -> AbstractContextManager[MailSession]:
        """One connection for a batch; raises MailFailed."""
        ...


@dataclass(frozen=True)
class EmailReport:
    """What one `send_pending` call did."""

    sent: int
    """Emails sent (one per burst, each to every address)."""
    notifications: int
    """Notifications covered by those emails (now marked)."""
    skipped: int
    """Notifications marked without an email (text too old, profile blocked since)."""
    failed: bool
    """The SMTP server could not be used, or is not configured. What was due is still pending."""


@dataclass(frozen=True)
class Text:
    """One customer text in an email."""

    notification_id: int
    sent_at: datetime
    body: str
    media_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Burst:
    """The pending texts of one profile: one email."""

    profile_id: int
    name: str
    """The profile's display name (the number when it has no name)."""
    phone: str
    """E.164."""
    texts: tuple[Text, ...]

    @property
    def notification_ids(self) -> list[int]:
        return [text.notification_id for text in self.texts]


@dataclass(frozen=True)
class Escalation:
    """A possible opt-out undecided for hours: one email to everyone, per customer (their
    first such text; later ones are settled by the same decision)."""

    review_ids: tuple[int, ...]
    name: str
    phone: str
    body: str
    phrase: str
    flagged_at: datetime


@dataclass(frozen=True)
class Notice:
    """A mention or an assignment for one agent, to their own address."""

    notice_id: int
    address: str
    kind: str
    by: str
    name: str
    phone: str
    note: str


@dataclass(frozen=True)
class _Plan:
    addresses: list[str]
    due: list[Burst]
    skipped: int
    escalations: list[Escalation]
    notices: list[Notice] = field(default_factory=list)


class EmailNotifier:
    """Sends the email notifications that are due. Keep one per process.

    The notifier remembers whether the SMTP server is failing, so that one
    failure episode logs one warning.
    """

    def __init__(
        self,
        store: Store,
        transport: MailTransport,
        *,
        burst: timedelta = BURST,
        max_wait: timedelta = MAX_WAIT,
        max_age: timedelta = MAX_AGE,
    ) -> None:
        self.store = store
        self.transport = transport
        self.burst = burst
        self.max_wait = max(max_wait, burst)
        self.max_age = max_age
        self._failing = False
        self._refused_warned: set[str] = set()

    # -- the one entry point -------------------------------------------------

    def send_pending(self, *, now: datetime) -> EmailReport:
        """Send every burst that is due, mark it, and report. It never raises for SMTP problems."""
        now = now.astimezone(UTC)
        plan = self._plan(now)
        if plan is None or not (plan.due or plan.escalations or plan.notices):
            return EmailReport(
                sent=0, notifications=0, skipped=plan.skipped if plan else 0, failed=False
            )
        waiting = (
            sum(len(group.texts) for group in plan.due) + len(plan.escalations) + len(plan.notices)
        )
        problem = self.transport.problem()
        if problem is not None:
            self._failure(problem, waiting)
            return EmailReport(sent=0, notifications=0, skipped=plan.skipped, failed=True)

        sender = self.transport.sender
        claimed: list[Burst] = []
        sent: list[Burst] = []
        raised: list[Escalation] = []
        told: list[Escalation] = []
        won: list[Notice] = []
        handed: list[Notice] = []
        failed = False
        try:
            with self.transport.session() as mail:
                # Claim only once the server has answered: a dead server touches nothing.
                raised = self._claim_escalations(plan.escalations, now)
                for escalation in raised:  # first: the law's clock is running on these
                    message = compose_escalation(
                        escalation, sender=sender, addresses=plan.addresses, now=now
                    )
                    refused = mail.send(message, plan.addresses)
                    told.append(escalation)
                    self._note_refused(refused)
                claimed = self._claim(plan.due, now)
                for group in claimed:
                    message = compose_burst(group, sender=sender, addresses=plan.addresses, now=now)
                    refused = mail.send(message, plan.addresses)
                    sent.append(group)
                    self._note_refused(refused)
                won = self._claim_notices(plan.notices, now)
                for notice in won:
                    message = compose_notice(notice, sender=sender, now=now)
                    self._note_refused(mail.send(message, [notice.address]))
                    handed.append(notice)
        except MailFailed as exc:
            failed = True
            left = waiting - sum(len(g.texts) for g in sent) - len(told) - len(handed)
            self._failure(exc.reason, left)
        finally:
            unhanded = [n.notice_id for n in won if n not in handed]
            if unhanded:
                self._release_notices(unhanded, now)
            unsent = [group for group in claimed if group not in sent]
            if unsent:
                self._release(unsent, now)
            untold = [i for e in raised if e not in told for i in e.review_ids]
            if untold:
                self._release_escalations(untold, now)
        if not failed:
            self._recovered()
        return EmailReport(
            sent=len(sent) + len(told) + len(handed),
            notifications=sum(len(group.texts) for group in sent),
            skipped=plan.skipped,
            failed=failed,
        )

    # -- the store -----------------------------------------------------------

    def _plan(self, now: datetime) -> _Plan | None:
        """What is due now, after marking what will never be emailed. None when email is off."""
        with self.store.read() as session:
            settings = settings_mod.load(session)
            addresses = list(settings.notifications_email_addresses)
            if not settings.notifications_email:
                return None
            notices = _notices(session, since=now - self.max_age)
            if not addresses:
                return _Plan(addresses=[], due=[], skipped=0, escalations=[], notices=notices)
            since = now - self.max_age
            switch = session.get(Setting, "notifications.email")
            if switch is not None:
                # Texts from before email was switched on are not news any more,
                # except those of the last few minutes (a burst in progress).
                since = max(since, switch.updated_at - self.max_wait)
            rows = session.exec(
                select(Notification, Message, Profile)
                .join(Message, col(Message.id) == col(Notification.message_id))
                .join(Profile, col(Profile.id) == col(Notification.profile_id))
                .where(
                    col(Notification.created_at) >= since,
                    col(Notification.emailed_at).is_(None),
                )
                .order_by(col(Notification.profile_id), col(Message.sent_at), col(Notification.id))
            ).all()
            stale: list[int] = []
            pending: dict[int, list[tuple[Notification, Message, Profile]]] = {}
            for note, message, profile in rows:
                if message.sent_at < now - self.max_age or profile.blocked:
                    stale.append(_id(note.id))
                else:
                    pending.setdefault(note.profile_id, []).append((note, message, profile))
            due_rows = [group for group in pending.values() if self._is_due(group, now)]
            media = _media_urls(session, [_id(m.id) for group in due_rows for _, m, _ in group])
            escalations = _escalations(session, since=now - self.max_age)
        skipped = self._mark_skipped(stale, now) if stale else 0
        due = [
            Burst(
                profile_id=_id(group[0][2].id),
                name=profiles.display_name(group[0][2]),
                phone=group[0][2].phone,
                texts=tuple(
                    Text(
                        notification_id=_id(note.id),
                        sent_at=message.sent_at,
                        body=message.body,
                        media_urls=tuple(media.get(_id(message.id), ())),
                    )
                    for note, message, _ in group
                ),
            )
            for group in due_rows
        ]
        return _Plan(
            addresses=addresses,
            due=due,
            skipped=skipped,
            escalations=escalations,
            notices=notices,
        )

    def _is_due(
        self, group: Sequence[tuple[Notification, Message, Profile]], now: datetime
    ) -> bool:
        # Times are when convo learned of each text (created_at), not when the
        # phone sent it: a burst that one sync brings in at once stays one burst.
        created = [note.created_at for note, _, _ in group]
        return max(created) <= now - self.burst or min(created) <= now - self.max_wait

    def _mark_skipped(self, ids: list[int], now: datetime) -> int:
        with self.store.write() as session:
            return len(_set_emailed(session, ids, now))

    def _claim(self, groups: list[Burst], now: datetime) -> list[Burst]:
        """The groups, each cut down to the notifications this process won."""
        with self.store.write() as session:
            won = set(_set_emailed(session, [i for g in groups for i in g.notification_ids], now))
        claimed = []
        for group in groups:
            texts = tuple(text for text in group.texts if text.notification_id in won)
            if texts:
                claimed.append(
                    Burst(
                        profile_id=group.profile_id, name=group.name, phone=group.phone, texts=texts
                    )
                )
        return claimed

    def _release(self, groups: list[Burst], now: datetime) -> None:
        """Make claimed notifications pending again (only those still carrying our claim)."""
        ids = [i for group in groups for i in group.notification_ids]
        with self.store.write() as session:
            for part in in_lists(ids):
                session.exec(
                    update(Notification)
                    .where(
                        col(Notification.id).in_(part),
                        col(Notification.emailed_at) == now,
                    )
                    .values(emailed_at=None)
                )

    def _claim_escalations(self, escalations: list[Escalation], now: datetime) -> list[Escalation]:
        """The escalations this process won (another may be sending the same ones)."""
        if not escalations:
            return []
        with self.store.write() as session:
            won = set(
                session.exec(
                    update(OptOutReview)
                    .where(
                        col(OptOutReview.id).in_([i for e in escalations for i in e.review_ids]),
                        col(OptOutReview.escalation_emailed_at).is_(None),
                        col(OptOutReview.resolved_at).is_(None),
                    )
                    .values(escalation_emailed_at=now)
                    .returning(col(OptOutReview.id))
                ).scalars()
            )
        return [e for e in escalations if won.intersection(e.review_ids)]

    def _claim_notices(self, notices: list[Notice], now: datetime) -> list[Notice]:
        """The notices this process won (another process may be sending the same)."""
        if not notices:
            return []
        with self.store.write() as session:
            won = set(
                session.exec(
                    update(AgentNotice)
                    .where(
                        col(AgentNotice.id).in_([n.notice_id for n in notices]),
                        col(AgentNotice.emailed_at).is_(None),
                    )
                    .values(emailed_at=now)
                    .returning(col(AgentNotice.id))
                ).scalars()
            )
        return [n for n in notices if n.notice_id in won]

    def _release_notices(self, ids: list[int], now: datetime) -> None:
        with self.store.write() as session:
            session.exec(
                update(AgentNotice)
                .where(col(AgentNotice.id).in_(ids), col(AgentNotice.emailed_at) == now)
                .values(emailed_at=None)
            )

    def _release_escalations(self, ids: list[int], now: datetime) -> None:
        with self.store.write() as session:
            session.exec(
                update(OptOutReview)
                .where(
                    col(OptOutReview.id).in_(ids),
                    col(OptOutReview.escalation_emailed_at) == now,
                )
                .values(escalation_emailed_at=None)
            )

    # -- logging -------------------------------------------------------------

    def _failure(self, reason: str, waiting: int) -> None:
        if self._failing:
            log.debug("email notifications still failing: %s", reason)
            return
        self._failing = True
        log.warning(
            "email notifications: cannot send through the SMTP server %s: %s; "
            "%d text(s) wait and will be retried",
            one_line(self.transport.where(), 200),
            reason,
            waiting,
        )

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            log.info("email notifications: the SMTP server %s works again", self.transport.where())

    def _note_refused(self, refused: dict[str, str]) -> None:
        """Warn once per address the server refused while it took the others."""
        for address, reason in refused.items():
            if address not in self._refused_warned:
                self._refused_warned.add(address)
                log.warning("email notifications: the SMTP server refused %s (%s)", address, reason)


# -- the email itself ----------------------------------------------------------


def compose_burst(
    group: Burst, *, sender: str, addresses: Sequence[str], now: datetime
) -> EmailMessage:
    """The email for one burst. Every untrusted value goes through the header policy."""
    who = _who(group.name, group.phone)
    count = len(group.texts)
    subject = f"New text from {who}" if count == 1 else f"{count} new texts from {who}"
    return mail_message(subject, _body(group, who), sender=sender, addresses=addresses, now=now)


def compose_escalation(
    escalation: Escalation, *, sender: str, addresses: Sequence[str], now: datetime
) -> EmailMessage:
    """The email for a possible opt-out nobody decided on: what they wrote, since when."""
    who = _who(escalation.name, escalation.phone)
    hours = max(int((now - escalation.flagged_at).total_seconds() // 3600), 0)
    body = escalation.body.replace("\r\n", "\n")
    lines = [
        f"{who} wrote, {escalation.flagged_at.astimezone(UTC):%a %Y-%m-%d %H:%M UTC}:",
        "",
        visible(body, terminal=False) if body.strip() else "(no text)",
        "",
        f"It reads as a request to stop ({one_line(escalation.phrase, 60, terminal=False)!r}).",
        "Replies to them wait until an agent decides. The law allows at most ten",
        "business days to honour an opt-out; decide today.",
        "",
        "--",
        f"Decide in convo: d on the conversation, or convo opt-outs resolve {escalation.phone}",
        "",
    ]
    # Short enough not to be folded (a folded Subject reads with a leading space).
    subject = f"Undecided opt-out, {hours} h: {who}"
    return mail_message(subject, "\n".join(lines), sender=sender, addresses=addresses, now=now)


def compose_notice(notice: Notice, *, sender: str, now: datetime) -> EmailMessage:
    """The email telling one agent they were mentioned, or given a conversation."""
    who = _who(notice.name, notice.phone)
    by = one_line(notice.by, 60, terminal=False)
    if notice.kind == "mention":
        subject = f"{by} mentioned you: {who}"
        note = notice.note.replace("\r\n", "\n")
        lines = [f"{by} wrote in a note on {who}:", "", visible(note, terminal=False), ""]
    else:
        subject = f"{who} is yours now"
        lines = [f"{by} gave you the conversation with {who}.", ""]
    lines += ["--", f"Open it in convo: convo thread {notice.phone}", ""]
    return mail_message(
        subject, "\n".join(lines), sender=sender, addresses=[notice.address], now=now
    )


def _who(name: str, phone: str) -> str:
    """ "Maria Silva (+1 415-555-0123)", or the number alone for a customer without a name."""
    pretty = phones.pretty(phone)
    shown = one_line(name, 80, terminal=False)  # mail clients draw emoji sequences
    return pretty if shown in {pretty, phone, ""} else f"{shown} ({pretty})"


def mail_message(
    subject: str, body: str, *, sender: str, addresses: Sequence[str], now: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(addresses)
    message["Date"] = format_datetime(now)
    # The domain is given so make_msgid does not ask DNS (socket.getfqdn).
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    # RFC 3834: out-of-office robots must not answer a notification.
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the body 7-bit, whatever the server supports.
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def _body(group: Burst, who: str) -> str:
    texts = group.texts
    lines = [f"{who} texted:" if len(texts) == 1 else f"{who} sent {len(texts)} texts:", ""]
    if len(texts) > MAX_TEXTS_SHOWN:
        hidden = len(texts) - MAX_TEXTS_SHOWN
        lines += [f"({hidden} earlier text(s) are not shown here.)", ""]
        texts = texts[-MAX_TEXTS_SHOWN:]
    for text in texts:
        lines.append(text.sent_at.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M UTC"))
        body = text.body.replace("\r\n", "\n")
        lines.append(visible(body, terminal=False) if body.strip() else "(no text)")
        lines.extend(f"Attachment: {one_line(url, 2048)}" for url in text.media_urls)
        lines.append("")
    lines += ["--", f"Reply in convo: convo thread {group.phone}", ""]
    return "\n".join(lines)


# -- helpers ---------------------------------------------------------------------


def _set_emailed(session: Session, ids: list[int], now: datetime) -> list[int]:
    """Set `emailed_at` where it is still NULL; the ids this call changed."""
    changed: list[int] = []
    for part in in_lists(ids):
        result = session.exec(
            update(Notification)
            .where(
                col(Notification.id).in_(part),
                col(Notification.emailed_at).is_(None),
            )
            .values(emailed_at=now)
            .returning(col(Notification.id))
        )
        changed.extend(int(value) for value in result.scalars())
    return changed


def _escalations(session: Session, *, since: datetime) -> list[Escalation]:
    """Escalated possible opt-outs not emailed yet (undecided, escalated since `since`)."""
    rows = session.exec(
        select(OptOutReview, Message, Profile)
        .join(Message, col(Message.id) == col(OptOutReview.message_id))
        .join(Profile, col(Profile.id) == col(OptOutReview.profile_id))
        .where(
            col(OptOutReview.escalated_at) >= since,
            col(OptOutReview.escalation_emailed_at).is_(None),
            col(OptOutReview.resolved_at).is_(None),
        )
        .order_by(col(OptOutReview.flagged_at), col(OptOutReview.id))
    ).all()
    found: dict[int, Escalation] = {}
    for review, message, profile in rows:
        if profile.blocked:
            continue
        first = found.get(review.profile_id)
        if first is not None:
            found[review.profile_id] = replace(
                first, review_ids=(*first.review_ids, _id(review.id))
            )
            continue
        found[review.profile_id] = Escalation(
            review_ids=(_id(review.id),),
            name=profiles.display_name(profile),
            phone=profile.phone,
            body=message.body,
            phrase=review.phrase,
            flagged_at=review.flagged_at,
        )
    return list(found.values())


def _notices(session: Session, *, since: datetime) -> list[Notice]:
    """Notices not emailed yet, created since `since`, for active agents with an address."""
    rows = session.exec(
        select(AgentNotice, Agent, Profile, Message)
        .join(Agent, col(Agent.id) == col(AgentNotice.agent_id))
        .join(Profile, col(Profile.id) == col(AgentNotice.profile_id))
        .outerjoin(Message, col(Message.id) == col(AgentNotice.message_id))
        .where(
            col(AgentNotice.created_at) >= since,
            col(AgentNotice.emailed_at).is_(None),
            col(Agent.active).is_(True),
            col(Agent.email).is_not(None),
            col(Agent.email) != "",
        )
        .order_by(col(AgentNotice.id))
    ).all()
    found: list[Notice] = []
    for notice, agent, profile, note in rows:
        author = session.get(Agent, notice.by_agent_id) if notice.by_agent_id else None
        found.append(
            Notice(
                notice_id=_id(notice.id),
                address=str(agent.email),
                kind=notice.kind,
                by=(author.name or author.login) if author is not None else "auto-assignment",
                name=profiles.display_name(profile),
                phone=profile.phone,
                note=note.body if note is not None else "",
            )
        )
    return found


def _media_urls(session: Session, message_ids: list[int]) -> dict[int, list[str]]:
    urls: dict[int, list[str]] = {}
    for part in in_lists(message_ids):
        rows = session.exec(
            select(MessageMedia)
            .where(col(MessageMedia.message_id).in_(part))
            .order_by(col(MessageMedia.id))
        )
        for media in rows:
            urls.setdefault(media.message_id, []).append(media.url)
    return urls


def _id(value: int | None) -> int:
    if value is None:
        raise ValueError("a stored row without an id")
    return value


def _domain_of(sender: str) -> str:
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2]
    return domain or "localhost"
