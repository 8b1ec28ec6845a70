"""Replies in doubt: maybe sent, with no answer to say so.

A reply whose send answer was lost (a dropped connection, a 5xx, a sync killed in the
middle of the request) or came back unreadable stays `sending` until the provider's own
records settle it. The rules that keep a customer from getting it twice:

- A lookup that fails settles nothing: the reply stays in doubt, never queued again.
- A provider message that matches it settles it, whether the lookup or the message pull
  saw it first: one reply to one message, on recipient, body (also as smart encoding
  rewrites it), media count and a window around the send.
- "Not found" counts only after GRACE: the provider's list can lag a new send.
- A reply the provider answered 2xx for is never sent again: it is found, or after
  GIVE_UP it counts as sent under an id convo never learnt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from convo_tui.core import outbox, smart_encoding
from convo_tui.providers.twilio import TwilioMessage
from convo_tui.store.dialect import in_lists
from convo_tui.store.models import Message, MessageMedia, OutboxItem, OutboxState, Profile
from convo_tui.sync import ingest

GRACE = timedelta(minutes=2)
"""How long after a lost answer a lookup that does not find the text may count as proof
that it never reached the provider (and the reply is sent again)."""
GIVE_UP = timedelta(hours=6)
"""How long an accepted send is looked for before it counts as sent without its id."""
CLOCK_SKEW = timedelta(minutes=5)
"""Our clock against the provider's, either way."""
WINDOW = timedelta(minutes=5)
"""How long after the send began the provider may date it (a slow request, retries)."""


@dataclass(frozen=True)
class Doubt:
    item_id: int
    to: str
    body: str
    media: int
    since: datetime
    """When the send began."""
    accepted: bool

    def fits(self, candidate: TwilioMessage) -> bool:
        created = candidate.date_created or candidate.when
        return (
            candidate.direction.startswith("outbound")
            and candidate.to_number == self.to
            and candidate.num_media == self.media
            and created is not None
            and self.since - CLOCK_SKEW <= created <= self.since + WINDOW + CLOCK_SKEW
            and smart_encoding.same_text(self.body, candidate.body)
        )

    def due_for_resend(self, now: datetime) -> bool:
        return not self.accepted and now - self.since >= GRACE

    @property
    def oldest(self) -> datetime:
        """The earliest provider time a matching text can have."""
        return self.since - CLOCK_SKEW


def any_in_doubt(session: Session) -> bool:
    query = select(OutboxItem.id).where(OutboxItem.state == OutboxState.SENDING.value)
    return session.exec(query.limit(1)).first() is not None


def next_judgement(session: Session) -> datetime | None:
    """When the soonest reply in doubt (answer lost, not accepted) may be judged not sent:
    a sync that runs rounds wakes then."""
    oldest: datetime | None = session.exec(
        select(func.min(OutboxItem.updated_at)).where(
            OutboxItem.state == OutboxState.SENDING.value, col(OutboxItem.accepted).is_(False)
        )
    ).one()
    return oldest + GRACE if oldest is not None else None


def count(session: Session) -> int:
    query = select(func.count()).where(OutboxItem.state == OutboxState.SENDING.value)
    return int(session.exec(query).one())


def in_doubt(session: Session) -> list[Doubt]:
    """Every reply in doubt, oldest send first."""
    rows = session.exec(
        select(OutboxItem, Message.body, Profile.phone)
        .join(Message, col(Message.id) == col(OutboxItem.message_id))
        .join(Profile, col(Profile.id) == col(OutboxItem.profile_id))
        .where(OutboxItem.state == OutboxState.SENDING.value)
        .order_by(col(OutboxItem.updated_at), col(OutboxItem.id))
    ).all()
    media: dict[int, int] = {}
    for part in in_lists([item.message_id for item, _body, _phone in rows]):
        media.update(
            session.exec(
                select(MessageMedia.message_id, func.count())
                .where(col(MessageMedia.message_id).in_(part))
                .group_by(col(MessageMedia.message_id))
            ).all()
        )
    return [
        Doubt(
            item_id=item.id or 0,
            to=phone,
            body=body,
            media=media.get(item.message_id, 0),
            since=item.updated_at,
            accepted=item.accepted,
        )
        for item, body, phone in rows
    ]


def match(doubts: Sequence[Doubt], candidates: Iterable[TwilioMessage]) -> dict[int, TwilioMessage]:
    """Replies in doubt paired with provider messages one to one: the earliest reply takes
    the earliest message that fits it, so two identical replies take two messages (or the
    second stays in doubt), never one message for both."""
    free = sorted(candidates, key=lambda m: (m.date_created or m.when or datetime.max, m.sid))
    used: set[str] = set()
    found: dict[int, TwilioMessage] = {}
    for doubt in sorted(doubts, key=lambda d: (d.since, d.item_id)):
        for candidate in free:
            if candidate.sid not in used and doubt.fits(candidate):
                found[doubt.item_id] = candidate
                used.add(candidate.sid)
                break
    return found


def settle(session: Session, item_id: int, found: TwilioMessage, *, now: datetime) -> bool:
    """The provider has the reply under `found.sid`: it is sent. False if it was settled
    (or recalled) meanwhile."""
    item = session.get(OutboxItem, item_id)
    if item is None or item.state != OutboxState.SENDING.value:
        return False
    message = outbox.mark_sent(session, item, provider_sid=found.sid, status=found.status, now=now)
    item.last_error = None
    if found.error_code is not None:
        message.error_code = found.error_code
    return True


def settle_pulled(session: Session, pulled: Sequence[TwilioMessage], *, now: datetime) -> int:
    """Provider messages the pull is about to store that are replies in doubt: settled
    (the reply takes the sid), so none is stored again as somebody else's text."""
    outbound = [m for m in pulled if not m.inbound]
    if not outbound or not any_in_doubt(session):
        return 0
    matches = match(in_doubt(session), unclaimed(session, outbound))
    return sum(settle(session, item_id, found, now=now) for item_id, found in matches.items())


def unclaimed(session: Session, candidates: Sequence[TwilioMessage]) -> list[TwilioMessage]:
    """The candidates no stored message holds yet."""
    known = ingest.known_sids(session, [m.sid for m in candidates])
    return [m for m in candidates if m.sid not in known]
