"""Conversations: customers' texts, agents' replies and what agents did after them."""

from __future__ import annotations

from .business import AGENT_WEIGHTS, REPLYING_AGENTS, SPAN
from .catalog import PRODUCT, PRODUCTS, SIZED, SIZES, price, product_url
from .context import Demo
from .dialogues import FOLLOW_UP, OTHER_DIALOGUES, SUBSCRIBED_DIALOGUES
from .geography import COUNTRIES
from .records import Message


def context(demo: Demo, phone: str, m: int) -> dict[str, str]:
    """The values of a dialogue's placeholders for `phone` at minute `m`."""
    rng = demo.rng
    meta = demo.people.meta[phone]
    last = demo.orders.last_before(phone, m)
    lines = last.entry["lines"] if last else []
    product = lines[0]["product"] if last else rng.choice(PRODUCTS).name
    footwear = [x["product"] for x in lines if PRODUCT[x["product"]].sized]
    country = COUNTRIES[meta.iso]
    return {
        "order": "{order}",  # filled with the real id when orders are numbered
        "product": product,
        "footwear": footwear[0] if footwear else rng.choice(SIZED).name,
        "size": "EU " + rng.choice(SIZES),
        "city": meta.city or "",
        "country": country.name,
        "address": country.address.format(n=rng.randrange(2, 300), s=rng.choice(country.streets))
        + (f", {meta.city}" if meta.city else ""),
    }


def episode(demo: Demo, phone: str, start: int, agent: str) -> tuple[int, str] | None:
    """One exchange starting at `start`; returns (last minute, last speaker) or None."""
    rng, timeline = demo.rng, demo.timeline
    subscribed = timeline.can_text(phone, start)
    has_order = demo.orders.last_before(phone, start) is not None
    pool = SUBSCRIBED_DIALOGUES if subscribed else OTHER_DIALOGUES
    ctx = context(demo, phone, start)
    options = [
        turns
        for needs, turns in pool
        if ("order" not in needs or has_order) and ("city" not in needs or ctx["city"])
    ]
    turns = rng.choice(options)
    m = start
    last: tuple[int, str] | None = None
    order = demo.orders.last_before(phone, start)
    for n, turn in enumerate(turns):
        speaker, text = turn[0], turn[1]
        items = turn[2] if len(turn) == 3 else None
        if n:
            previous = turns[n - 1][0]
            if speaker == "c":
                m -= rng.randint(1, 3) if previous == "c" else rng.randint(4, 300)
            else:
                m -= rng.randint(3, 240)
        at = timeline.free(phone, m)
        if at is None:
            break
        m = at
        body = text.format(**demo.people.names(phone), **ctx)
        entry: Message
        if speaker == "c":
            entry = timeline.inbound(phone, m, body, items)
        else:
            if not timeline.can_text(phone, m):
                break
            failed = rng.random() < 0.04
            entry = timeline.reply(
                phone,
                m,
                agent,
                body,
                items,
                status="failed" if failed else ("sent" if m < 3 else "delivered"),
                error=30003 if failed else None,
            )
        if "{order}" in body:
            assert order is not None
            demo.orders.mentions.append((entry, order))
        last = (m, speaker)
    return last


def conversations(demo: Demo) -> None:
    rng, timeline = demo.rng, demo.timeline
    weights = {"SUBSCRIBED": 1.0, "NEVER_SUBSCRIBED": 0.45, "UNSUBSCRIBED": 0.45}
    chosen = [
        phone
        for phone in demo.people.generated()
        if rng.random() < 0.40 * weights[demo.people.initial[phone]]
    ]
    for phone in chosen:
        agent = rng.choices(REPLYING_AGENTS, AGENT_WEIGHTS)[0]
        episodes = 2 if rng.random() < 0.22 else 1
        start = pick_start(demo, phone)
        for k in range(episodes):
            if start is None:
                break
            result = episode(demo, phone, start, agent)
            if result is None:
                break
            end, speaker = result
            disposition(demo, phone, end, speaker, agent, last_episode=k == episodes - 1)
            later = min(end, timeline.last_act.get(phone, end)) - rng.randint(900, 9000)
            start = timeline.free(phone, later) if later > 0 else None


def pick_start(demo: Demo, phone: str) -> int | None:
    rng = demo.rng
    received = [s for s in demo.timeline.sends_to[phone] if s[2] == "delivered" and s[0] > 10]
    r = rng.random()
    if received and r < 0.45:
        sent_at = rng.choice(received)[0]
        start = sent_at - rng.randint(2, min(1380, sent_at - 1))
    elif received and r < 0.65:
        sent_at = rng.choice(received)[0]
        start = sent_at - rng.randint(1500, 6000)
    elif rng.random() < 0.5:
        start = rng.randint(1, 2880)
    else:
        start = rng.randint(2880, SPAN - 2000)
    return demo.timeline.free(phone, start) if start > 0 else None


def disposition(
    demo: Demo, phone: str, end: int, speaker: str, agent: str, last_episode: bool
) -> None:
    """What the agent did after an exchange: close, snooze, mark read/unread, or nothing."""
    rng, timeline = demo.rng, demo.timeline

    def later(lo: int, hi: int) -> int | None:
        m = end - rng.randint(lo, hi)
        return timeline.free(phone, m) if m >= 0 else None

    r = rng.random()
    consented = timeline.can_text(phone, end)
    old = end > 2880  # exchanges from before the last two days are mostly done with
    if speaker == "a":
        close, snooze, unread = (0.75, 0.80, 0.84) if old else (0.35, 0.50, 0.60)
        if r < close:
            at = later(20, 1440)
            if at is not None:
                timeline.action(phone, at, agent, "close")
                if last_episode and consented and rng.random() < 0.3:
                    again = later(1500, 4000)
                    if again is not None and again < at and timeline.can_text(phone, again):
                        timeline.action(phone, again, agent, "reopen")
                        nxt = timeline.free(phone, again - 1)
                        if nxt is not None:
                            text = FOLLOW_UP[rng.randrange(2)]
                            timeline.reply(
                                phone, nxt, agent, text.format(**demo.people.names(phone))
                            )
        elif r < snooze:
            at = later(5, 120)
            if at is not None:
                timeline.action(phone, at, agent, "snooze", rng.choice([180, 1440, 1440, 10080]))
        elif r < unread:
            at = later(5, 300)
            if at is not None:
                timeline.action(phone, at, agent, "mark_unread")
        return
    if not consented or old:
        # Nothing to answer (no consent), or an old text: read, and mostly closed.
        if r < (0.75 if old else 0.35):
            at = later(10, 600)
            if at is not None:
                timeline.action(phone, at, agent, "mark_read")
                close_at = timeline.free(phone, at - rng.randint(1, 30))
                if close_at is not None:
                    timeline.action(phone, close_at, agent, "close")
        elif r < (0.9 if old else 0.6):
            at = later(10, 600)
            if at is not None:
                timeline.action(phone, at, agent, "mark_read")
        return
    if r < 0.3:
        at = later(5, 240)
        if at is not None:
            timeline.action(phone, at, agent, "mark_read")
            snooze_at = timeline.free(phone, at - 1)
            if snooze_at is not None:
                timeline.action(phone, snooze_at, agent, "snooze", rng.choice([180, 1440, 10080]))


def browsing(demo: Demo) -> None:
    """Product views with no order behind them."""
    rng = demo.rng
    for phone in rng.sample(demo.people.generated(), 40):
        product = rng.choice(PRODUCTS)
        currency = demo.people.meta[phone].currency
        demo.timeline.event(
            phone,
            rng.randint(5, SPAN),
            "Viewed Product",
            {
                "ProductName": product.name,
                "Price": price(product.usd_cents, currency) / 100,
                "Currency": currency,
                "URL": product_url(product),
            },
        )
