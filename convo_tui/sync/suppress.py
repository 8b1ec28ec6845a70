"""Opt-outs recorded here, written to Klaviyo so its campaigns stop texting the customer.

A customer who opted out in words only convo read (per se or an agent's decision,
core.opt_out_review) is unsubscribed at Klaviyo too: `Profile.klaviyo_opt_out_pending_at`
marks them, each sync round sends them in calls of at most 100, and a 202 clears the
mark. Until then the profile, `convo doctor` and the status line say "opted out here,
not yet at Klaviyo". A key without the write scopes is answered 403: the reason is kept
on the profile and the round goes on (asked again next round, in case the key changed).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import col, select, update

from convo_tui.core import audit
from convo_tui.providers.http import ProviderError
from convo_tui.providers.klaviyo import UNSUBSCRIBE_AT_MOST, KlaviyoClient
from convo_tui.store.engine import Store
from convo_tui.store.models import Profile

log = logging.getLogger("convo.sync")

READ_ONLY = (
    "the Klaviyo key may not write consent (403): give it the scopes subscriptions:write, "
    "profiles:write and lists:write"
)


def write_opt_outs(store: Store, klaviyo: KlaviyoClient, *, now: datetime) -> int:
    """Send every pending opt-out to Klaviyo; how many it accepted. Raises ProviderError
    (after keeping the reason on the profiles) when Klaviyo refuses or cannot be reached."""
    with store.read() as session:
        pending = list(
            session.exec(
                select(Profile.id, Profile.phone, Profile.klaviyo_opt_out_pending_at)
                .where(col(Profile.klaviyo_opt_out_pending_at).is_not(None))
                .order_by(col(Profile.klaviyo_opt_out_pending_at), col(Profile.id))
            )
        )
    accepted = 0
    for start in range(0, len(pending), UNSUBSCRIBE_AT_MOST):
        batch = pending[start : start + UNSUBSCRIBE_AT_MOST]
        try:
            klaviyo.unsubscribe_sms([phone for _, phone, _ in batch])
        except ProviderError as exc:
            why = READ_ONLY if exc.status == 403 else exc.line()
            _keep_error(store, [int(pid or 0) for pid, _, _ in batch], why[:300])
            raise
        with store.write() as session:
            for pid, phone, marked in batch:
                # Only the mark this call covered: one set again meanwhile (a new opt-out
                # after a START) stays for the next round.
                done = session.exec(
                    update(Profile)
                    .where(
                        col(Profile.id) == pid,
                        col(Profile.klaviyo_opt_out_pending_at) == marked,
                    )
                    .values(klaviyo_opt_out_pending_at=None, klaviyo_opt_out_error=None)
                )
                if done.rowcount:
                    accepted += 1
                    audit.record(
                        session,
                        None,
                        "opt_out.klaviyo",
                        now=now,
                        profile_id=pid,
                        detail=f"unsubscribed {phone} from SMS marketing at Klaviyo",
                    )
    if accepted:
        log.info("klaviyo: %s opt-out(s) written", accepted)
    return accepted


def _keep_error(store: Store, ids: list[int], why: str) -> None:
    with store.write() as session:
        session.exec(
            update(Profile)
            .where(
                col(Profile.id).in_(ids),
                col(Profile.klaviyo_opt_out_pending_at).is_not(None),
            )
            .values(klaviyo_opt_out_error=why)
        )
