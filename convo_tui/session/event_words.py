"""A customer's activity in words: what an event's properties say, by label, for the agent.

The properties are Klaviyo's `event_properties` as the sender gave them. Keys that
start with "$" are Klaviyo's own: `$value` is the event's amount in the event's
currency, in whole units (17800.0 for ¥17,800, 68.0 for $68.00, as the demo's
Placed Order and Started Checkout carry it); `$event_id` is an id for de-duplication,
`$extra` nested data for templates, and the others (`$flow`, `$message`,
`$attributed_*`…) are ids: none of those is anything an agent can read, so a "$" key
is shown only when it has a label here. Other keys are shown by their own names, the
known ones first and under shorter labels; ids meant for machines ("Campaign ID",
"Message Sid") are left out, and so is the text of a message, which the thread shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from convo_tui.display import money

LABELS = {
    "OrderId": "Order",
    "Campaign Name": "Campaign",
    "Flow Name": "Flow",
    "Message Name": "Message",
    "ProductName": "Product",
    "$value": "Value",
    "Price": "Price",
    "Items": "Items",
    "Status": "Status",
    "Error Code": "Error",
    "URL": "Link",
    "url": "Link",
}
"""Known keys in the order they are shown, with their labels."""
AMOUNTS = {"$value", "Price"}
"""Keys whose number is an amount in the event's currency."""
CURRENCY_KEYS = ("Currency", "$currency_code")
HIDDEN = {"Message Body", *CURRENCY_KEYS}
"""Keys not shown as such (the currency goes with the amount)."""
SEPARATOR = " · "


def detail(properties: Mapping[str, Any] | None) -> str:
    """One line of what the event says: "Order: #1069 · Value: 17,800 JPY · Items: …"."""
    props = properties or {}
    currency = next((str(props[k]) for k in CURRENCY_KEYS if props.get(k)), None)
    known = [k for k in LABELS if k in props]
    others = [k for k in props if k not in LABELS and _shown(k)]
    parts = []
    for key in (*known, *others):
        value = _amount(props[key], currency) if key in AMOUNTS else _words(props[key])
        if value:
            parts.append(f"{LABELS.get(key, key)}: {value}")
    return SEPARATOR.join(parts)


def _shown(key: str) -> bool:
    if key.startswith("$") or key in HIDDEN:
        return False
    return not key.endswith((" ID", " Id", " Sid", " SID"))


def _amount(value: Any, currency: str | None) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and currency:
        return money(round(value * 100), currency)  # money() takes hundredths of the unit
    return _words(value)


def _words(value: Any) -> str:
    """A property value as text: numbers without a spurious ".0", lists joined."""
    if value is None or isinstance(value, dict):
        return ""  # nested data has no one-line form
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(round(value, 6))
    if isinstance(value, list | tuple):
        return ", ".join(w for w in (_item(v) for v in value) if w)
    return str(value)


def _item(value: Any) -> str:
    """One item of a list: an order line ({"ProductName", "Quantity"…}) by its name."""
    if not isinstance(value, dict):
        return _words(value)
    name = next((value[k] for k in ("ProductName", "Name", "name", "title") if value.get(k)), "")
    quantity = value.get("Quantity")
    count = _words(quantity) if isinstance(quantity, int | float) and quantity != 1 else ""
    return f"{count} × {name}" if count and name else str(name)
