"""The story and fixture profiles: hand-written, fixed data that tests and the README
name, each ending in a documented state (`EXPECTED`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypedDict

from convo_tui.core.replies import Block

from .business import CDN, PREFIX, media
from .catalog import line
from .context import Demo
from .geography import COUNTRIES
from .marketing import campaign_send
from .orders import Orders
from .people import empty_location, full_location, location
from .records import Location
from .replay import State

STORY: Mapping[str, str] = MappingProxyType(
    {
        "maria": "+14155550123",
        "tom": "+4915123456789",
        "priya": "+919812345678",
        "lucas": "+5511912345678",
        "spam": "+12125550199",
        "kenji": "+819012345678",
        "aroha": "+64211234567",
        "sita": "+9779801234567",
        "jack": "+61412345678",
    }
)
FIXTURE: Mapping[str, str] = MappingProxyType(
    {
        "dana": "+13125550142",
        "noah": "+12065550147",
        "helene": "+33612345678",
        "margaret": "+447700123456",
        "camila": "+525512345678",
        "oliver": "+447400123456",
    }
)
LONG_TEXT = (
    "Hi, I hope this is the right place to ask. I ordered two pairs of the Harbor Chelsea "
    "Boot three weeks ago, one in EU 39 for me and one in EU 42 for my husband, and only one "
    "box arrived. The packing slip lists both pairs, but the box only had mine, and the "
    "tracking page says the shipment is complete. I've already checked with the building "
    "concierge and my neighbours. His birthday is on Saturday, so I'd really appreciate it if "
    "you could send the second pair by express, or tell me what to do next. Thank you so much!"
)
BLACK_FRIDAY = "Black Friday Early Access"
EXPECTED: Mapping[str, tuple[str, bool, str | None, bool | None, str | None]] = MappingProxyType(
    {
        # key: consent, blocked, status, unread, attributed source (at load time)
        "maria": ("SUBSCRIBED", False, "open", True, BLACK_FRIDAY),
        "tom": ("SUBSCRIBED", False, "closed", False, None),
        "priya": ("SUBSCRIBED", False, "snoozed", False, None),
        "lucas": ("UNSUBSCRIBED", False, None, None, None),
        "spam": ("NEVER_SUBSCRIBED", True, "closed", False, None),
        "kenji": ("NEVER_SUBSCRIBED", False, "open", True, None),
        "aroha": ("SUBSCRIBED", False, "open", False, None),
        "sita": ("SUBSCRIBED", False, "open", True, None),
        "jack": ("SUBSCRIBED", False, None, None, None),
        "dana": ("SUBSCRIBED", False, "open", True, None),
        "noah": ("SUBSCRIBED", False, "open", True, None),
        "helene": ("SUBSCRIBED", False, "closed", False, None),
        "margaret": ("SUBSCRIBED", False, "open", False, None),
        "camila": ("SUBSCRIBED", False, "open", False, "Welcome Series"),
        "oliver": ("UNSUBSCRIBED", False, "closed", False, "Winter Sale"),
    }
)


class StoryRow(TypedDict):
    """A story or fixture profile's state at load time."""

    phone: str
    consent: str
    blocked: bool
    status: str | None
    unread: bool | None
    source: str | None
    """The name of the campaign or flow its conversation is attributed to."""
    refused: Block | None
    """Why a reply to it is refused at load time (core.replies), if it is."""
    texts: list[Mapping[str, Any]]
    """Its texts, oldest first."""


def number(key: str) -> str:
    return STORY[key] if key in STORY else FIXTURE[key]


def first_order_id(orders: Orders, key: str) -> str:
    return orders.of[number(key)][0][1].order_id


def add_profiles(demo: Demo) -> None:
    rng = demo.rng
    us, de, inn = "United States", "Germany", "India"
    rows: list[tuple[str, str, str, str, str | None, str, Location | None, str | None]] = [
        # key, iso, first, last, email, consent, location, city
        ("maria", "US", "Maria", "Silva", "maria.silva@example.com", "SUBSCRIBED",
         location("2150 Mission St", "San Francisco", "CA", us, "94110", "America/Los_Angeles",
             37.7627, -122.4194), "San Francisco"),
        ("tom", "DE", "Tom", "Becker", "tom.becker@example.net", "SUBSCRIBED",
         location("Oranienstraße 25", "Berlin", "Berlin", de, "10999", "Europe/Berlin",
             52.5016, 13.4180), "Berlin"),
        ("priya", "IN", "Priya", "Nair", "priya.nair@example.com", "SUBSCRIBED",
         location("14 MG Road", "Bengaluru", "Karnataka", inn, "560001", "Asia/Kolkata",
             12.9756, 77.6050), "Bengaluru"),
        ("lucas", "BR", "Lucas", "Pereira", "lucas.pereira@example.org", "SUBSCRIBED",
         location("Rua Augusta, 1500", "São Paulo", "SP", "Brazil", "01304-001",
             "America/Sao_Paulo", -23.5587, -46.6600), "São Paulo"),
        ("spam", "US", "Spam", "Sender", None, "NEVER_SUBSCRIBED", None, None),
        ("kenji", "JP", "Kenji", "Watanabe", "kenji.watanabe@example.com", "NEVER_SUBSCRIBED",
         location("1-9-1 Marunouchi", "Tokyo", "Tokyo", "Japan", "100-0005", "Asia/Tokyo",
             35.6812, 139.7671), "Tokyo"),
        ("aroha", "NZ", "Aroha", "Ngata", "aroha.ngata@example.net", "SUBSCRIBED",
         location("12 Ponsonby Road", "Auckland", "Auckland", "New Zealand", "1011",
             "Pacific/Auckland", -36.8560, 174.7460), "Auckland"),
        ("sita", "NP", "Sita", "Gurung", "sita.gurung@example.com", "SUBSCRIBED",
         location(None, None, None, None, None, None, 27.7172, 85.3240), None),
        ("jack", "AU", "Jack", "Wilson", "jack.wilson@example.com", "SUBSCRIBED",
         location("Lagoon Road", "Lord Howe Island", "NSW", "Australia", "2898",
             "Australia/Lord_Howe", -31.5553, 159.0821), "Lord Howe Island"),
    ]  # fmt: skip
    fixtures: list[tuple[str, str, str, str, str | None, str, Location, str]] = [
        ("dana", "US", "Dana", "Brooks", "dana.brooks@example.com", "SUBSCRIBED",
         full_location(rng, "US", COUNTRIES["US"].city("Chicago"), "1120 N State St"), "Chicago"),
        ("noah", "US", "Noah", "Kim", "noah.kim@example.org", "SUBSCRIBED",
         full_location(rng, "US", COUNTRIES["US"].city("Seattle"), "400 Pine St"), "Seattle"),
        ("helene", "FR", "Hélène", "Dubois", "helene.dubois@example.net", "SUBSCRIBED",
         full_location(rng, "FR", COUNTRIES["FR"].city("Paris"), "18 rue des Écouffes"), "Paris"),
        ("margaret", "GB", "Margaret", "O'Neill", "margaret.oneill@example.com", "SUBSCRIBED",
         full_location(rng, "GB", COUNTRIES["GB"].city("London"), "7 Coldbath Square"), "London"),
        ("camila", "MX", "Camila", "Rojas", "camila.rojas@example.com", "UNSUBSCRIBED",
         full_location(rng, "MX", COUNTRIES["MX"].city("Ciudad de México"), "Calle Colima 212"),
         "Ciudad de México"),
        ("oliver", "GB", "Oliver", "Grant", None, "SUBSCRIBED",
         {**empty_location(), "city": "Manchester", "country": "United Kingdom"}, "Manchester"),
    ]  # fmt: skip
    for key, iso, first, last, email, consent, where, city in rows + fixtures:
        phone = demo.phones.claim(number(key), iso)
        demo.profile(phone, first, last, email, consent, where, iso, city, fixed=True)


def add_orders(demo: Demo) -> None:
    rng, s, f = demo.rng, STORY, FIXTURE
    demo.orders.add(
        s["maria"],
        29_870,
        [line(rng, "Harbor Chelsea Boot", "USD", size="38")],
        "fulfilled",
        27_200,
    )
    demo.orders.add(s["tom"], 14_420, [line(rng, "Rain Shell Jacket", "EUR")], "fulfilled", 13_050)
    demo.orders.add(
        s["kenji"],
        4_200,
        [
            line(rng, "Everyday Knit Sneaker", "JPY", size="42"),
            line(rng, "Merino Crew Socks (3-pack)", "JPY"),
        ],
        "placed",
    )
    demo.orders.add(
        s["aroha"], 8_900, [line(rng, "Classic Aviator Sunglasses", "NZD")], "fulfilled", 5_950
    )
    demo.orders.add(s["priya"], 2_300, [line(rng, "Cashmere Beanie", "INR", quantity=2)], "placed")
    demo.orders.add(f["dana"], 7_300, [line(rng, "Summit Hiking Boot", "USD", size="40")], "placed")
    demo.orders.add(
        f["helene"], 11_600, [line(rng, "Suede Desert Boot", "EUR", size="37")], "fulfilled", 8_700
    )
    demo.orders.add(
        f["margaret"],
        31_000,
        [
            line(rng, "Harbor Chelsea Boot", "GBP", size="39"),
            line(rng, "Harbor Chelsea Boot", "GBP", size="42"),
        ],
        "fulfilled",
        27_900,
    )


def add_timeline(demo: Demo) -> None:
    t, s, f, flow = demo.timeline, STORY, FIXTURE, demo.sources.flow
    # Maria Silva: a campaign reply, two texts in a row (only the first attributed).
    campaign_send(demo, "New Arrivals: Boots", s["maria"], 43_530, status="delivered")
    campaign_send(demo, "Black Friday Early Access", s["maria"], 90, status="delivered")
    t.inbound(s["maria"], 30, "Do you have the boots in size 38?")
    t.inbound(s["maria"], 29, "Also in black?")

    # Tom Becker: question, chloe's answer, chloe closes it.
    campaign_send(demo, "Winter Sale", s["tom"], 20_350, status="delivered")
    t.send(
        s["tom"],
        13_048,
        flow["Shipping Update"],
        f"{PREFIX}: Good news, Tom! Your order has shipped. Track it: https://acme.example/t/k7p2qd",
        status="delivered",
        message_name="Shipped",
    )
    t.inbound(s["tom"], 4_320, "Hi! Can I wash the Rain Shell Jacket in the machine?")
    t.reply(
        s["tom"],
        4_290,
        "chloe",
        "Hi Tom! Yes: cold, gentle cycle, no fabric softener, then hang it to dry. "
        "Re-proof it with a spray every few washes.",
    )
    t.action(s["tom"], 2_880, "chloe", "close")

    # Priya Nair: dev reads it and snoozes it until tomorrow.
    campaign_send(demo, "Flash Sale: 24 Hours Only", s["priya"], 3_065, status="delivered")
    t.inbound(
        s["priya"], 300, "Hi, I placed an order 2 days back. Can I still add a second beanie?"
    )
    t.action(s["priya"], 242, "dev", "mark_read")
    t.action(s["priya"], 240, "dev", "snooze", snooze_minutes=1440)

    # Lucas Pereira: STOP after a campaign.
    campaign_send(demo, "Winter Sale", s["lucas"], 20_350, status="delivered")
    campaign_send(demo, "Flash Sale: 24 Hours Only", s["lucas"], 3_064, status="delivered")
    t.keyword(s["lucas"], 2_880, "STOP")

    # Spam Sender: junk, blocked by ben, junk again (stored, nothing else).
    t.inbound(
        s["spam"], 360, "CONGRATS!!! You WON a $1000 gift card. Claim now: http://bit.ly/cl4im-n0w"
    )
    t.action(s["spam"], 300, "ben", "block")
    t.inbound(s["spam"], 60, "Last chance!!! Your prize expires today, reply CLAIM to get it")

    # Kenji Watanabe: never subscribed, asks about his order.
    t.inbound(s["kenji"], 20, "Is my order shipped?")

    # Aroha Ngata: MMS of a broken item, ana answers with an MMS.
    t.send(
        s["aroha"],
        5_948,
        flow["Shipping Update"],
        f"{PREFIX}: Good news, Aroha! Your order has shipped. Track it: "
        "https://acme.example/t/x9f3ma",
        status="delivered",
        message_name="Shipped",
    )
    t.inbound(
        s["aroha"],
        40,
        "It arrived broken",
        [
            {
                "url": f"{CDN}/mms/inbound/aroha-ngata/IMG_4471.jpg",
                "content_type": "image/jpeg",
            }
        ],
    )
    t.reply(
        s["aroha"],
        35,
        "ana",
        "Oh no, so sorry Aroha! Here's a prepaid return label. A new pair ships today 📦",
        media("support/return-label-nz.png", "image/png"),
    )

    # Sita Gurung: texts 26 h after an abandoned-cart text, outside the window.
    t.event(
        s["sita"],
        1_800,
        "Started Checkout",
        {"$value": 18_990.0, "Currency": "NPR", "Items": ["Alpine Down Jacket"]},
    )
    t.send(
        s["sita"],
        1_620,
        flow["Abandoned Cart"],
        f"{PREFIX}: Still thinking about the Alpine Down Jacket, Sita? Your cart is saved: "
        "https://acme.example/cart/r8n2wq Reply STOP to opt out",
        media("products/alpine-down-jacket.jpg", "image/jpeg"),
        status="delivered",
        message_name="Cart reminder",
    )
    t.inbound(s["sita"], 120, "Does the jacket come in a smaller size? XS?")

    # Jack Wilson: HELP keyword only.
    t.keyword(s["jack"], 180, "HELP")

    # Fixtures: untrusted, accented, long, opt-in and opt-out texts.
    t.inbound(f["dana"], 180, "[bold red]URGENT[/] where is my order??")

    t.inbound(f["noah"], 420, "pls check \x1b[31mthis\x1b[0m")
    t.reply(
        f["noah"],
        400,
        "chloe",
        "Hi Noah, part of your text came through garbled. Could you resend your order number?",
    )
    t.action(f["noah"], 390, "chloe", "mark_unread")  # to follow up on it later

    campaign_send(demo, "Winter Sale", f["helene"], 20_349, status="delivered")
    t.inbound(
        f["helene"],
        1_500,
        "Bonjour ! Ma commande {order} n'est toujours pas arrivée… Pouvez-vous vérifier ? "
        "Merci beaucoup 🙏",
    )
    t.reply(
        f["helene"],
        1_460,
        "chloe",
        "Bonjour Hélène ! Votre colis est à Lyon, livraison prévue demain. "
        "Désolée pour l'attente 💐",
    )
    t.action(f["helene"], 1_400, "chloe", "close")

    t.inbound(f["margaret"], 600, LONG_TEXT)
    t.reply(
        f["margaret"],
        560,
        "ben",
        "Hi Margaret, I'm so sorry! The second pair (EU 42) ships today by express and will "
        "arrive before Saturday. No need to send anything back.",
    )

    t.keyword(f["camila"], 2_000, " Start ")
    t.send(
        f["camila"],
        1_997,
        flow["Welcome Series"],
        f"{PREFIX}: Welcome to {PREFIX} texts, Camila! 🎉 Here's 10% off your first order: "
        "WELCOME10 https://acme.example/s/welcome Reply STOP to opt out",
        media("flows/welcome/hello.gif", "image/gif"),
        status="delivered",
        message_name="Welcome #1",
    )
    t.inbound(f["camila"], 1_900, "Hola! Do you ship to Mexico City? 🇲🇽")
    t.reply(
        f["camila"],
        1_880,
        "ana",
        "¡Hola Camila! Yes, we ship to CDMX: 3-5 business days, free over $1,500 MXN.",
    )

    campaign_send(demo, "Winter Sale", f["oliver"], 20_348, status="delivered")
    # Flagged as a possible opt-out; his STOP then settles it (no agent may insist on
    # the keyword: 47 CFR 64.1200(a)(10)).
    t.inbound(f["oliver"], 20_200, "please remove me from this list")
    t.keyword(f["oliver"], 20_185, "STOP")
    t.action(f["oliver"], 20_181, "femi", "mark_read")
    t.action(f["oliver"], 20_180, "femi", "close")


def end_states(
    state: State, source_names: Mapping[str, str], timeline: Sequence[Mapping[str, Any]]
) -> list[StoryRow]:
    """Each story's and fixture's state at load time, asserted to be the documented one."""
    rows: list[StoryRow] = []
    for key, want in EXPECTED.items():
        phone = number(key)
        c = state.conv.get(phone)
        row: StoryRow = {
            "phone": phone,
            "consent": state.consent[phone],
            "blocked": phone in state.blocked,
            "status": c.status if c else None,
            "unread": c.unread if c else None,
            "source": source_names[c.source] if c and c.source else None,
            "refused": state.refusal(phone),
            "texts": [e for e in timeline if e["type"] == "inbound" and e["from"] == phone],
        }
        have = (row["consent"], row["blocked"], row["status"], row["unread"], row["source"])
        assert have == want, (key, have, want)
        rows.append(row)
    maria = [state.attributed[e["sid"]] for e in rows[0]["texts"]]
    assert [source_names[s] if s else None for s in maria] == [BLACK_FRIDAY, None], maria
    priya = state.conv[STORY["priya"]]
    assert priya.until == 240 - 1440
    return rows
