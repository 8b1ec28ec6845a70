"""Activity properties as an agent reads them (convo_tui.session.event_words)."""

from __future__ import annotations

from convo_tui.session.event_words import detail


def test_an_order_shows_its_amount_in_its_currency() -> None:
    # The demo's Placed Order for Kenji: $value in whole yen.
    props = {
        "$value": 17800.0,
        "Currency": "JPY",
        "Items": ["Everyday Knit Sneaker", "Merino Crew Socks (3-pack)"],
        "OrderId": "#1069",
    }
    assert detail(props) == (
        "Order: #1069 · Value: 17,800 JPY · "
        "Items: Everyday Knit Sneaker, Merino Crew Socks (3-pack)"
    )
    assert detail({"$value": 68.0, "Currency": "USD", "Items": ["Tote"]}) == (
        "Value: 68.00 USD · Items: Tote"
    )


def test_klaviyos_own_keys_are_labelled_or_left_out() -> None:
    props = {
        "$event_id": "01JX",
        "$extra": {"a": 1},
        "$flow": "XyZ",
        "$value": 5.5,
        "Keyword": "STOP",
    }
    assert detail(props) == "Value: 5.5 · Keyword: STOP"  # no currency: a plain number


def test_counts_lose_the_spurious_point_zero() -> None:
    assert detail({"Quantity": 3.0, "Rating": 4.5, "Error Code": 30006}) == (
        "Error: 30006 · Quantity: 3 · Rating: 4.5"
    )


def test_order_lines_machine_ids_and_message_texts() -> None:
    props = {
        "Campaign Name": "Black Friday",
        "Campaign ID": "cmp_01",
        "Message Sid": "SM0123",
        "Message Body": "ACME: 25% off…",
        "Items": [
            {"ProductName": "Boot", "Quantity": 2, "ItemPrice": 99.0},
            {"ProductName": "Sock"},
        ],
        "Price": 7390.0,
        "Currency": "INR",
        "Gift": True,
    }
    assert detail(props) == (
        "Campaign: Black Friday · Price: 7,390.00 INR · Items: 2 × Boot, Sock · Gift: yes"
    )
    assert detail(None) == "" and detail({"$event_id": "x"}) == ""
