"""What the business texts first: campaigns, flows, and the keyword texts around them."""

from __future__ import annotations

from .business import PREFIX, SPAN, media
from .catalog import PRODUCTS, SIZED, SIZES, price
from .context import Demo
from .records import SendEntry
from .sources import CAMPAIGNS, Sources

OPT_OUT_WORDS = ("stop", "UNSUBSCRIBE", "Stop", "CANCEL", "STOP", "quit", "STOP", "End", "STOP")
OPT_IN_WORDS = (
    # word, the consent of whoever texts it (UNSTOP is what someone who opted out sends)
    ("JOIN", "NEVER_SUBSCRIBED"),
    ("START", "UNSUBSCRIBED"),
    ("Unstop", "UNSUBSCRIBED"),
    ("yes", "NEVER_SUBSCRIBED"),
    ("join", "NEVER_SUBSCRIBED"),
)
HELP_WORDS = ("HELP", "info", "Help")
WELCOME_1 = (
    PREFIX + ": Welcome to " + PREFIX + " texts{comma_first}! 🎉 Here's 10% off your first "
    "order: WELCOME10 https://acme.example/s/welcome Reply STOP to opt out"
)
WELCOME_2 = (
    PREFIX + ": Psst{comma_first}: your WELCOME10 code expires in 48h ⏳ "
    "https://acme.example/s/welcome Reply STOP to opt out"
)


def campaign_send(
    demo: Demo, name: str, phone: str, m: int, status: str | None = None
) -> SendEntry:
    c = Sources.campaign(name)
    body = c.body.format(**demo.people.names(phone))
    return demo.timeline.send(
        phone, m, demo.sources.campaign_id[name], body, list(c.media) or None, status=status
    )


def random_keywords(demo: Demo) -> None:
    rng, people, timeline = demo.rng, demo.people, demo.timeline
    pool = people.generated()
    rng.shuffle(pool)
    subscribed = [p for p in pool if people.initial[p] == "SUBSCRIBED"]
    others = {
        consent: [p for p in pool if people.initial[p] == consent]
        for consent in ("NEVER_SUBSCRIBED", "UNSUBSCRIBED")
    }
    # Opt-outs right after a campaign (the usual STOP), two of them opt in again later.
    for n, word in enumerate(OPT_OUT_WORDS):
        phone = subscribed.pop()
        c = CAMPAIGNS[n % 4]
        demo.campaign_forced[c.name].add(phone)
        m = c.at - rng.randint(8, 400)
        timeline.keyword(phone, m, word)
        if n < 2:
            back = m - rng.randint(2000, 9000)
            r = timeline.keyword(phone, back, "START" if n == 0 else " join ")
            demo.opt_ins.append((phone, r))
    # Opt-ins by keyword from people without consent.
    for word, consent in OPT_IN_WORDS:
        phone = others[consent].pop()
        m = rng.randint(600, SPAN - 600)
        r = timeline.keyword(phone, m, word)
        demo.opt_ins.append((phone, r))
    for word in HELP_WORDS:
        phone = subscribed.pop()
        timeline.keyword(phone, rng.randint(100, SPAN - 100), word)


def campaigns(demo: Demo) -> None:
    rng, timeline = demo.rng, demo.timeline
    for c in CAMPAIGNS:
        for phone in demo.people.generated():
            forced = phone in demo.campaign_forced[c.name]
            if not forced and (rng.random() > c.share or not timeline.can_text(phone, c.at)):
                continue
            m = timeline.free(phone, c.at - rng.randint(0, 3))
            assert m is not None and timeline.can_text(phone, m), (phone, c.name)
            campaign_send(demo, c.name, phone, m)
            if timeline.sends_to[phone][-1][2] == "delivered" and rng.random() < 0.16:
                clicked = m - rng.randint(1, 240)
                if clicked >= 0:
                    timeline.event(
                        phone, clicked, "Clicked SMS", {"Campaign Name": c.name, "URL": c.link}
                    )


def _welcome(demo: Demo, phone: str, m: int) -> None:
    rng, timeline, flow = demo.rng, demo.timeline, demo.sources.flow
    m1 = timeline.free(phone, m)
    if m1 is None or not timeline.can_text(phone, m1):
        return
    fn = demo.people.names(phone)
    gif = media("flows/welcome/hello.gif", "image/gif")
    timeline.send(phone, m1, flow["Welcome Series"], WELCOME_1.format(**fn), gif,
                  message_name="Welcome #1")  # fmt: skip
    m2 = timeline.free(phone, m1 - 1440)
    if m2 is not None and timeline.can_text(phone, m2) and rng.random() < 0.6:
        timeline.send(phone, m2, flow["Welcome Series"], WELCOME_2.format(**fn),
                      message_name="Welcome #2")  # fmt: skip


def flows(demo: Demo) -> None:
    rng, people, timeline, flow = demo.rng, demo.people, demo.timeline, demo.sources.flow
    for phone, r in demo.opt_ins:
        _welcome(demo, phone, r - 2)
    subscribed = [p for p in people.generated() if people.initial[p] == "SUBSCRIBED"]
    for phone in rng.sample(subscribed, 14):
        _welcome(demo, phone, rng.randint(100, SPAN - 200))

    # Abandoned carts: a checkout without an order, then the flow's reminder.
    for phone in rng.sample(people.generated(), 26):
        m = rng.randint(30, SPAN - 300)
        product = rng.choice(PRODUCTS)
        currency = people.meta[phone].currency
        timeline.event(
            phone,
            m,
            "Started Checkout",
            {"$value": price(product.usd_cents, currency) / 100, "Currency": currency,
             "Items": [product.name]},
        )  # fmt: skip
        at = timeline.free(phone, m - rng.randint(60, 240))
        if at is None or not timeline.can_text(phone, at):
            continue
        timeline.send(
            phone,
            at,
            flow["Abandoned Cart"],
            f"{PREFIX}: Still thinking about the {product.name}{people.comma_first(phone)}? "
            f"Your cart is saved: https://acme.example/cart/{demo.ids.short_code()} "
            "Reply STOP to opt out",
            media(f"products/{product.sku.lower()}.jpg", "image/jpeg")
            if rng.random() < 0.6
            else None,
            message_name="Cart reminder",
        )

    # Shipping updates for fulfilled orders.
    for order in demo.orders.made:
        phone = order.entry["phone"]
        if phone in people.fixed or order.fulfilled is None:
            continue
        at = timeline.free(phone, order.fulfilled - rng.randint(1, 5))
        if at is None or not timeline.can_text(phone, at) or rng.random() > 0.8:
            continue
        shipped = timeline.send(
            phone,
            at,
            flow["Shipping Update"],
            f"{PREFIX}: Good news{people.comma_first(phone)}! Order {{order}} has shipped. "
            f"Track it: https://acme.example/t/{demo.ids.short_code()}",
            message_name="Shipped",
        )
        demo.orders.mentions.append((shipped, order))

    # Win-back and back-in-stock to a few subscribed people.
    for phone in rng.sample(subscribed, 12):
        at = timeline.free(phone, rng.randint(3000, SPAN - 3000))
        if at is None or not timeline.can_text(phone, at):
            continue
        timeline.send(
            phone,
            at,
            flow["Win-back"],
            f"{PREFIX}: We miss you{people.comma_first(phone)}! Take 15% off with code "
            "COMEBACK15, valid 7 days: https://acme.example/s/wb Reply STOP to opt out",
            message_name="Win-back #1",
        )
    for phone in rng.sample(subscribed, 7):
        at = timeline.free(phone, rng.randint(200, SPAN - 200))
        if at is None or not timeline.can_text(phone, at):
            continue
        product = rng.choice(SIZED)
        timeline.send(
            phone,
            at,
            flow["Back in Stock"],
            f"{PREFIX}: Good news! The {product.name} in EU {rng.choice(SIZES)} is back in "
            f"stock: https://acme.example/p/{product.sku.lower()} Reply STOP to opt out",
            media(f"products/{product.sku.lower()}.jpg", "image/jpeg"),
            message_name="Back in stock",
        )
