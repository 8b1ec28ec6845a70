"""What customers and agents say to each other: the dialogues conversations are drawn from.

Placeholders: {first} and {comma_first} (the customer's name), {order} (their latest
order's id, filled once orders are numbered), {footwear}, {product}, {size}, {city},
{country} and {address} (conversations.context).
"""

from __future__ import annotations

from .business import CDN, media
from .records import MediaItem

PHOTO_SCUFF: MediaItem = {
    "url": f"{CDN}/mms/inbound/scuffed-boot.jpg",
    "content_type": "image/jpeg",
}
PHOTO_BOX: MediaItem = {"url": f"{CDN}/mms/inbound/crushed-box.jpg", "content_type": "image/jpeg"}
SIZE_CHART = media("support/size-chart-jackets.png", "image/png")

Turn = tuple[str, str] | tuple[str, str, list[MediaItem]]
"""Who speaks ("c" the customer, "a" the agent), the text, and its pictures if any."""
Dialogue = tuple[tuple[str, ...], list[Turn]]
"""What the text needs ("order": an earlier order, "city": a known city), and its turns."""

SUBSCRIBED_DIALOGUES: tuple[Dialogue, ...] = (
    ((), [
        ("c", "Hi! Does the {footwear} run true to size? I'm usually {size}"),
        ("a", "Hi {first}! It runs true to size. If you're between sizes or wear thick socks, "
              "go half a size up."),
        ("c", "Perfect, thank you!"),
    ]),
    ((), [
        ("c", "what size should I get in the Alpine Down Jacket? I'm 5'9 and 160 lbs"),
        ("a", "Hi {first}, a Medium should fit you well. Here's the size chart 📏", SIZE_CHART),
        ("c", "M it is, thanks"),
    ]),
    (("order",), [
        ("c", "Hey, when will {order} ship?"),
        ("a", "Hi {first}! {order} is packed and leaves our warehouse today. You'll get a "
              "tracking link by text."),
        ("c", "Great 👍"),
    ]),
    (("order",), [
        ("c", "My tracking hasn't updated in 4 days. Order {order}"),
        ("c", "Is it lost??"),
        ("a", "Sorry about that{comma_first}! I've opened a trace with the carrier and will "
              "text you tomorrow with an update."),
        ("c", "ok thanks"),
    ]),
    ((), [
        ("c", "How do I return something? The jacket is too big"),
        ("a", "Hi {first}, returns are free within 30 days: https://acme.example/returns. Want me "
              "to email you a prepaid label?"),
        ("c", "Yes please"),
        ("a", "Done! The label is in your inbox. Drop the parcel at any post office."),
    ]),
    ((), [
        ("c", "The code WELCOME10 isn't working at checkout"),
        ("a", "Hi {first}! That code works on full-price items only. I've applied 10% to your "
              "cart manually, just refresh the page."),
        ("c", "It worked!! thank you 🙌"),
    ]),
    (("order",), [
        ("c", "Can I change the shipping address on {order}? I moved last week"),
        ("a", "Sure{comma_first}. Reply with the new address and I'll update it before it ships."),
        ("c", "{address}"),
        ("a", "Updated ✅ You're all set."),
    ]),
    ((), [
        ("c", "Will the {footwear} in {size} be back in stock?"),
        ("a", "Hi {first}, we expect a restock next week. I can text you when it lands!"),
        ("c", "yes please!"),
    ]),
    ((), [
        ("c", "Do you do gift wrapping? It's for my mom's birthday"),
        ("a", "We do! Tick 'gift wrap' at checkout and add a note, it's free this month 🎁"),
    ]),
    (("order",), [
        ("c", "I got the wrong color. Ordered black but got brown"),
        ("c", "order {order}"),
        ("a", "So sorry{comma_first}! A black pair ships today by express. Keep the brown ones or "
              "send them back for free, your call."),
        ("c", "wow ok, thanks a lot"),
    ]),
    (("country",), [
        ("c", "Do you ship to {country}? How long does it take?"),
        ("a", "Yes! Standard delivery to {country} takes 5-8 business days, express 2-3."),
    ]),
    (("order",), [
        ("c", "I bought the {product} last week and now it's on sale. Can I get the difference "
              "back?"),
        ("a", "Of course{comma_first}. I've refunded the difference to your card, it shows up "
              "in 3-5 days."),
    ]),
    ((), [
        ("c", "Just got my boots and I love them! 😍"),
        ("a", "That makes our day{comma_first}! Enjoy them 🥾"),
    ]),
    ((), [
        ("c", "how do i clean suede?? got a coffee stain already 😬"),
        ("a", "Oh no! Let it dry, then brush gently with a suede brush. Our Leather Care Kit "
              "works on suede too."),
        ("c", "thx"),
    ]),
    (("order",), [
        ("c", "Please cancel {order}, I ordered twice by mistake"),
        ("a", "No problem{comma_first}. The duplicate is cancelled and the refund shows up in 3-5 "
              "business days."),
    ]),
    ((), [
        ("c", "Tracking says delivered but nothing's here"),
        ("c", "I checked with the neighbours too"),
        ("a", "Sorry{comma_first}! Carriers sometimes mark parcels delivered a day early. If it "
              "hasn't shown up by tomorrow evening, text me and I'll reship it."),
        ("c", "ok will do"),
    ]),
    (("city",), [
        ("c", "Is your store in {city} open on Sunday?"),
        ("a", "Hi {first}, we're online-only for now, but we answer texts 7 days a week 🙂"),
    ]),
    ((), [
        ("c", "", [PHOTO_SCUFF]),
        ("c", "this is how the left boot arrived, scuffed on the toe"),
        ("a", "Thanks for the photo{comma_first}. That shouldn't happen! A new pair is on its way, "
              "no need to return these."),
        ("c", "amazing, thank you"),
    ]),
    ((), [
        ("c", "are boots included in the sale?"),
        ("a", "Yes! Every boot is 25% off until Sunday, no code needed."),
        ("c", "🔥🔥🔥"),
    ]),
    (("order",), [
        ("c", "Will {order} arrive before Friday? It's a gift"),
        ("a", "Hi {first}, it's out for delivery tomorrow, so yes! 🎉"),
        ("c", "phew 😅 thanks"),
    ]),
    ((), [
        ("c", "what's your return window?"),
        ("a", "Hi {first}! 30 days from delivery, and returns are free 🙂"),
    ]),
    ((), [
        ("c", "Hi, I need to exchange the Harbor Chelsea Boot for a bigger size"),
        ("c", "EU 42 instead of 41"),
        ("a", "No problem{comma_first}! I've reserved a pair in EU 42. Start the exchange here and "
              "we'll ship it as soon as the carrier scans your return: "
              "https://acme.example/exchange"),
        ("c", "Done, thanks!"),
    ]),
    ((), [
        ("c", "Is the Summit Hiking Boot waterproof? Going to Iceland in March"),
        ("a", "Hi {first}! Yes, it has a waterproof membrane and sealed seams. Perfect for "
              "Iceland 🏔️"),
    ]),
)  # fmt: skip

OTHER_DIALOGUES: tuple[Dialogue, ...] = (
    ((), [("c", "Hi, is this ACME? I have a question about my order")]),
    ((), [("c", "How do I track my package?")]),
    ((), [("c", "Who is this?")]),
    (("city",), [("c", "Do you have a store near {city}?")]),
    ((), [("c", "can someone call me back please"), ("c", "it's about a refund")]),
    ((), [("c", "Hello? My package is damaged"), ("c", "", [PHOTO_BOX])]),
    ((), [("c", "Do you price match?")]),
    ((), [("c", "Is the Summit Hiking Boot waterproof?")]),
)
FOLLOW_UP = (
    "Hi {first}, just checking in: did everything arrive OK?",
    "Hi {first}, following up: the replacement was delivered this morning. Anything else?",
)
