"""Probable opt-outs (core.opt_out_intent) wait for an agent's decision; opt-outs convo
recorded get their one confirmation and reach Klaviyo.

- A customer text that reads as a request to stop opens its conversation flagged
  (`Conversation.possible_opt_out_at`, one `OptOutReview` per text). While flagged no
  reply goes out: new ones are refused (`replies.why_not`), queued ones are held in the
  outbox (state `held`), no auto-reply is earned.
- An agent resolves the flag: "opt out" (consent removed, recorded as activity, held
  replies never sent) or "not an opt-out" with the reason (held replies go). Audited.
- A flag unresolved for `opt_outs.escalate_after_hours` is escalated once: audited, and
  every agent's status line and the team's notification addresses are told.
- An opt-out convo recorded that the provider's filter would not have handled (a per
  se form beyond Twilio's bare words, or a flag resolved as opt out) earns the single
  confirmation text 64.1200(a)(12) allows: the `opt_outs.confirmation` template, sent
  even in quiet hours, only within 5 minutes of the customer's text (what the rule
  presumes timely), never twice, and nothing after it.
- Every opt-out convo recorded is written to Klaviyo (`sync.suppress`) so campaigns
  stop too: `Profile.klaviyo_opt_out_pending_at` says it is not there yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from convo_tui.core import audit, autoreply, outbox, profiles, sources, templates
from convo_tui.core import settings as settings_mod
from convo_tui.core.texts import KEYWORD_METRICS, set_consent
from convo_tui.errors import NotFound, Refused
from convo_tui.store.kinds import Consent, KeywordKind, OutboxState, SourceKind, Status
from convo_tui.store.models import (
    ActivityEvent,
    Agent,
    Conversation,
    Message,
    MessageSource,
    OptOutReview,
    OutboxItem,
    Profile,
    pk,
)

CONFIRM_WITHIN = timedelta(minutes=5)
"""64.1200(a)(12): a confirmation within five minutes of the opt-out is presumed timely."""

OPT_OUT = "opt_out"
NOT_OPT_OUT = "not_opt_out"
HELD = "held: a possible opt-out waits for an agent's decision"


@dataclass(frozen=True)
class OpenFlag:
    """A conversation flagged as a probable opt-out that nobody decided on yet."""

    profile_id: int
    conversation_id: int
    name: str
    phone: str
    phrase: str
    body: str
    flagged_at: datetime
    escalated: bool

    def age(self, now: datetime) -> timedelta:
        return now - self.flagged_at


@dataclass(frozen=True)
class Resolved:
    opt_out: bool
    released: int
    """Held replies sent on (not an opt-out) or never to be sent (opt out)."""
    confirmation_id: int | None
    """The confirmation text queued, if one was due."""
    note: str
    """One line for the agent: what happened, and why no confirmation if none."""


def flag_values(profile_id: int, phrase: str, flagged_at: datetime) -> dict[str, object]:
    """An `OptOutReview` row for intake (message_id is added once the text is stored)."""
    return {
        "profile_id": profile_id,
        "phrase": phrase[:200],
        "flagged_at": flagged_at,
        "escalated_at": None,
        "escalation_emailed_at": None,
        "resolved_at": None,
        "resolution": None,
        "reason": None,
        "resolved_by_id": None,
    }


def note_flag(conversation: Conversation, flagged_at: datetime) -> None:
    current = conversation.possible_opt_out_at
    conversation.possible_opt_out_at = flagged_at if current is None else min(current, flagged_at)


def open_flags(session: Session, *, profile_id: int | None = None) -> list[OpenFlag]:
    """Unresolved flags, oldest first, one per conversation (its oldest text)."""
    query = (
        select(OptOutReview, Profile, Conversation, Message)
        .join(Profile, col(Profile.id) == col(OptOutReview.profile_id))
        .join(Conversation, col(Conversation.profile_id) == col(OptOutReview.profile_id))
        .join(Message, col(Message.id) == col(OptOutReview.message_id))
        .where(col(OptOutReview.resolved_at).is_(None))
        .order_by(col(OptOutReview.flagged_at), col(OptOutReview.id))
    )
    if profile_id is not None:
        query = query.where(col(OptOutReview.profile_id) == profile_id)
    seen: set[int] = set()
    flags: list[OpenFlag] = []
    for review, profile, conversation, message in session.exec(query):
        if review.profile_id in seen:
            continue
        seen.add(review.profile_id)
        flags.append(
            OpenFlag(
                profile_id=review.profile_id,
                conversation_id=pk(conversation),
                name=profiles.display_name(profile),
                phone=profile.phone,
                phrase=review.phrase,
                body=message.body,
                flagged_at=review.flagged_at,
                escalated=review.escalated_at is not None,
            )
        )
    return flags


def count_open(session: Session) -> tuple[int, datetime | None]:
    """How many conversations wait for a decision, and since when the oldest has."""
    found = session.exec(
        select(func.count(), func.min(col(Conversation.possible_opt_out_at))).where(
            col(Conversation.possible_opt_out_at).is_not(None)
        )
    ).one()
    return int(found[0] or 0), found[1]


def resolve(
    session: Session,
    profile: Profile,
    agent: Agent,
    *,
    opt_out: bool,
    reason: str = "",
    now: datetime,
) -> Resolved:
    """Decide on the profile's open flag. "Not an opt-out" needs the reason."""
    reason = " ".join(reason.split())
    if not opt_out and not reason:
        raise Refused(
            "saying it is not an opt-out needs the reason",
            'give it: --reason "asked to stop the shipment, not the texts"',
        )
    reviews = list(
        session.exec(
            select(OptOutReview).where(
                col(OptOutReview.profile_id) == pk(profile),
                col(OptOutReview.resolved_at).is_(None),
            )
        )
    )
    if not reviews:
        raise NotFound(
            f"{profiles.display_name(profile)} has no possible opt-out waiting",
            "see them with: convo opt-outs list",
        )
    for review in reviews:
        review.resolved_at = now
        review.resolution = OPT_OUT if opt_out else NOT_OPT_OUT
        review.reason = reason[:500] or None
        review.resolved_by_id = agent.id
    conversation = profiles.conversation_of(session, profile)
    if conversation is not None:
        conversation.possible_opt_out_at = None
        conversation.updated_at = now
        if opt_out:
            # Nothing is left to answer (no text may go): out of the open inbox, read.
            conversation.status = Status.CLOSED.value
            conversation.snooze_until = None
            conversation.unread = False
    first = min(reviews, key=lambda r: r.flagged_at)
    held = list(
        session.exec(
            select(OutboxItem).where(
                col(OutboxItem.profile_id) == pk(profile),
                col(OutboxItem.state) == OutboxState.HELD.value,
            )
        )
    )
    confirmation: Message | None = None
    if opt_out:
        set_consent(profile, Consent.UNSUBSCRIBED, now)
        mark_for_klaviyo(profile, now)
        session.add(
            ActivityEvent(
                profile_id=pk(profile),
                metric=KEYWORD_METRICS[KeywordKind.OPT_OUT],
                occurred_at=now,
                properties={
                    "keyword": first.phrase,
                    "method": "agent",
                    "message_id": first.message_id,
                },
            )
        )
        for item in held:
            _release(session, item, sent=False, now=now)
        confirmation, why_none = queue_confirmation(
            session, profile, conversation, opted_out_at=first.flagged_at, now=now
        )
        note = f"{profiles.display_name(profile)} opted out: no more texts"
        note += "; the confirmation goes now" if confirmation is not None else f"; {why_none}"
    else:
        for item in held:
            _release(session, item, sent=True, now=now)
        note = f"not an opt-out: replies to {profiles.display_name(profile)} go again"
        if held:
            note += f" ({len(held)} held sent on)"
    outbox.note_pending(session, pk(profile))
    audit.record(
        session,
        agent,
        "opt_out.resolved",
        now=now,
        profile_id=pk(profile),
        detail=(
            f"opt out ({first.phrase!r})" + (f": {reason}" if reason else "")
            if opt_out
            else f"not an opt-out ({first.phrase!r}): {reason}"
        ),
    )
    return Resolved(
        opt_out=opt_out,
        released=len(held),
        confirmation_id=confirmation.id if confirmation is not None else None,
        note=note,
    )


def close_by_keyword(session: Session, profile_id: int, *, at: datetime, now: datetime) -> None:
    """The customer opted out by keyword while flagged: the question is answered, and
    the replies held for it are never sent."""
    reviews = list(
        session.exec(
            select(OptOutReview).where(
                col(OptOutReview.profile_id) == profile_id, col(OptOutReview.resolved_at).is_(None)
            )
        )
    )
    for review in reviews:
        review.resolved_at = now
        review.resolution = OPT_OUT
        review.reason = "they texted an opt-out keyword"
    conversation = session.exec(
        select(Conversation).where(col(Conversation.profile_id) == profile_id)
    ).first()
    if conversation is not None:
        conversation.possible_opt_out_at = None
    for item in session.exec(
        select(OutboxItem).where(
            col(OutboxItem.profile_id) == profile_id,
            col(OutboxItem.state) == OutboxState.HELD.value,
        )
    ).all():
        _release(session, item, sent=False, now=now)
    outbox.note_pending(session, profile_id)
    if reviews:
        audit.record(
            session,
            None,
            "opt_out.resolved",
            now=now,
            profile_id=profile_id,
            detail=f"opt out: they texted an opt-out keyword at {at.isoformat()}",
        )


def _release(session: Session, item: OutboxItem, *, sent: bool, now: datetime) -> None:
    """A held reply goes on (queued) or fails, only if still held: one conditional UPDATE,
    so an agent taking it back at the same moment is never undone."""
    error = None if sent else "not sent: the customer opted out"
    moved = session.exec(
        update(OutboxItem)
        .where(col(OutboxItem.id) == item.id, col(OutboxItem.state) == OutboxState.HELD.value)
        .values(
            state=(OutboxState.QUEUED if sent else OutboxState.FAILED).value,
            send_at=max(item.send_at, now) if sent else item.send_at,
            last_error=error,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(item)
    message = session.get(Message, item.message_id)
    if not moved.rowcount or message is None:
        return
    message.status = "queued" if sent else "failed"
    message.error_message = error
    message.updated_at = now


def hold(item: OutboxItem, message: Message, now: datetime) -> None:
    """A reply due while its conversation is flagged waits, neither sent nor failed."""
    item.state = OutboxState.HELD.value
    item.last_error = HELD
    item.updated_at = now
    message.status = "held"
    message.updated_at = now


def hold_waiting(session: Session, profile_id: int, now: datetime) -> int:
    """At the flag, the agents' replies not taken by the sync yet wait too (the sync would
    hold each when due; held now, the thread and `convo outbox list` say so at once)."""
    waiting = session.exec(
        select(OutboxItem, Message)
        .join(Message, col(Message.id) == col(OutboxItem.message_id))
        .where(
            col(OutboxItem.profile_id) == profile_id,
            col(OutboxItem.state) == OutboxState.QUEUED.value,
            col(OutboxItem.agent_id).is_not(None),
        )
    ).all()
    for item, message in waiting:
        hold(item, message, now)
    return len(waiting)


def queue_confirmation(
    session: Session,
    profile: Profile,
    conversation: Conversation | None,
    *,
    opted_out_at: datetime,
    now: datetime,
    settings: settings_mod.InboxSettings | None = None,
) -> tuple[Message | None, str]:
    """The single confirmation of an opt-out convo recorded, or None and why not."""
    settings = settings or settings_mod.load(session)
    if confirmation_sent_since(session, pk(profile), opted_out_at):
        return None, "the confirmation was sent already"
    why = skip_confirmation(session, profile, settings, opted_out_at=opted_out_at, now=now)
    if why is not None:
        return None, f"no confirmation: {why}"
    body = confirmation_text(profile, settings)
    message = outbox.enqueue(
        session,
        profile=profile,
        conversation=conversation,
        body=body,
        media=(),
        source=sources.fixed(session, SourceKind.OPT_OUT_CONFIRMATION),
        agent=None,
        send_at=now,
        now=now,
        from_number=settings.business_number,
        expires_at=opted_out_at + CONFIRM_WITHIN,
    )
    audit.record(session, None, "opt_out.confirmation", now=now, profile_id=pk(profile))
    return message, ""


def skip_confirmation(
    session: Session,
    profile: Profile,
    settings: settings_mod.InboxSettings,
    *,
    opted_out_at: datetime,
    now: datetime,
) -> str | None:
    """Why no confirmation may be sent (too late, or its template would go half-filled),
    audited; None when it may."""
    why = None
    if now - opted_out_at > CONFIRM_WITHIN:
        why = "more than 5 minutes after the text (only that is presumed timely)"
    elif missing := autoreply.empty_variables(profile, settings, settings.opt_outs_confirmation):
        why = autoreply.skip_reason(missing)
    if why is not None:
        audit.record(
            session,
            None,
            "opt_out.confirmation_skipped",
            now=now,
            profile_id=pk(profile),
            detail=why,
        )
    return why


def confirmation_text(profile: Profile, settings: settings_mod.InboxSettings) -> str:
    return templates.render_template(
        settings.opt_outs_confirmation, autoreply.variables(profile, settings)
    )


def confirmation_refusal(profile: Profile, *, blocked_as: str | None) -> str | None:
    """Why a queued confirmation may not go now (`blocked_as`: the reply rule's reason,
    None when replies are allowed), or None: it goes only to an opted-out customer."""
    if blocked_as == "opted_out":
        return None
    if blocked_as is None or profile.sms_consent != Consent.UNSUBSCRIBED.value:
        return "not sent: they opted in again since"
    return f"not sent: {blocked_as.replace('_', ' ')}"


def confirmation_sent_since(session: Session, profile_id: int, since: datetime) -> bool:
    """Whether convo queued an opt-out confirmation to the profile since."""
    found = session.exec(
        select(func.count())
        .select_from(Message)
        .join(MessageSource, col(MessageSource.id) == col(Message.source_id))
        .join(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
        .where(
            col(Message.profile_id) == profile_id,
            col(MessageSource.kind) == SourceKind.OPT_OUT_CONFIRMATION.value,
            col(Message.created_at) >= since,
        )
    ).one()
    return bool(found)


def klaviyo_words(pending_at: datetime | None, error: str | None) -> str:
    """What the profile shows while an opt-out recorded here is not at Klaviyo yet."""
    if pending_at is None:
        return ""
    if error:
        return f"opted out here, not yet at Klaviyo ({error})"
    return "opted out here, not yet at Klaviyo (the next sync writes it)"


def klaviyo_pending(session: Session) -> int:
    """How many opt-outs recorded here Klaviyo has not taken yet."""
    return int(
        session.exec(
            select(func.count()).where(col(Profile.klaviyo_opt_out_pending_at).is_not(None))
        ).one()
    )


def klaviyo_refused(session: Session) -> int:
    """Opt-outs recorded here that Klaviyo refused or could not take (an error is kept)."""
    return int(
        session.exec(
            select(func.count()).where(
                col(Profile.klaviyo_opt_out_pending_at).is_not(None),
                col(Profile.klaviyo_opt_out_error).is_not(None),
            )
        ).one()
    )


def klaviyo_error(session: Session) -> str | None:
    """The latest reason Klaviyo gave for refusing an opt-out written to it, if any."""
    found = session.exec(
        select(Profile.klaviyo_opt_out_error)
        .where(
            col(Profile.klaviyo_opt_out_pending_at).is_not(None),
            col(Profile.klaviyo_opt_out_error).is_not(None),
        )
        .order_by(col(Profile.klaviyo_opt_out_pending_at).desc())
        .limit(1)
    ).first()
    return str(found) if found else None


def mark_for_klaviyo(profile: Profile, now: datetime) -> None:
    """The opt-out is to be written to Klaviyo (sync.suppress does, and clears this)."""
    if profile.klaviyo_opt_out_pending_at is None:
        profile.klaviyo_opt_out_pending_at = now
    profile.klaviyo_opt_out_error = None


def escalate_due(session: Session, *, now: datetime, hours: int) -> Sequence[OpenFlag]:
    """Flags older than `hours` not escalated yet: marked escalated (once) and audited."""
    cutoff = now - timedelta(hours=hours)
    due = [f for f in open_flags(session) if not f.escalated and f.flagged_at <= cutoff]
    if not due:
        return []
    session.exec(
        update(OptOutReview)
        .where(
            col(OptOutReview.profile_id).in_([f.profile_id for f in due]),
            col(OptOutReview.resolved_at).is_(None),
            col(OptOutReview.escalated_at).is_(None),
        )
        .values(escalated_at=now)
    )
    for found in due:
        audit.record(
            session,
            None,
            "opt_out.escalated",
            now=now,
            profile_id=found.profile_id,
            detail=f"undecided for over {hours} h ({found.phrase!r})",
        )
    return due
