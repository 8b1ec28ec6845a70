"""The campaigns and flows the business texts from (sources.json)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .business import PREFIX, media
from .ids import Ids
from .records import MediaItem, Source


@dataclass(frozen=True)
class Campaign:
    name: str
    at: int
    """When it went out (minutes before load)."""
    share: float
    """The share of the profiles it may text that it texted."""
    body: str
    """With {first} and {comma_first} (people.People.names)."""
    media: tuple[MediaItem, ...]
    link: str


CAMPAIGNS = (
    Campaign(
        "Fall Favorites",
        63_950,
        0.40,
        PREFIX + ": Hi {first}! Fall favorites are here 🍂 Cozy knits & trail boots, "
        "up to 30% off this week: https://acme.example/s/fall Reply STOP to opt out",
        (),
        "https://acme.example/s/fall",
    ),
    Campaign(
        "New Arrivals: Boots",
        43_530,
        0.45,
        PREFIX + ": New boots just landed{comma_first}: Chelsea, hiking & suede. "
        "Shop the drop: https://acme.example/s/boots Reply STOP to opt out",
        tuple(media("campaigns/new-arrivals-boots/hero.jpg", "image/jpeg")),
        "https://acme.example/s/boots",
    ),
    Campaign(
        "Winter Sale",
        20_350,
        0.45,
        PREFIX + ": Winter Sale starts now! 40% off jackets & beanies until Sunday. "
        "https://acme.example/s/winter Reply STOP to opt out",
        (),
        "https://acme.example/s/winter",
    ),
    Campaign(
        "Flash Sale: 24 Hours Only",
        3_065,
        0.40,
        PREFIX + ": ⚡ 24h flash sale{comma_first}: 25% off everything with code FLASH25. "
        "https://acme.example/s/flash Reply STOP to opt out",
        (),
        "https://acme.example/s/flash",
    ),
    Campaign(
        "Black Friday Early Access",
        93,
        0.55,
        PREFIX + ": You're in{comma_first}! Black Friday Early Access is open: 25% off "
        "every boot before anyone else 🖤 https://acme.example/s/bf Reply STOP to opt out",
        tuple(media("campaigns/black-friday/early-access.gif", "image/gif")),
        "https://acme.example/s/bf",
    ),
)
FLOW_NAMES = ("Welcome Series", "Abandoned Cart", "Shipping Update", "Win-back", "Back in Stock")


class Sources:
    """Each campaign's and flow's id, drawn in the order above."""

    def __init__(self, ids: Ids) -> None:
        self.records: list[Source] = []
        self.names: dict[str, str] = {}
        self.campaign_id = {c.name: self._add(ids, "campaign", c.name) for c in CAMPAIGNS}
        self.flow = {name: self._add(ids, "flow", name) for name in FLOW_NAMES}

    def _add(self, ids: Ids, kind: Literal["campaign", "flow"], name: str) -> str:
        sid = ("cmp_" if kind == "campaign" else "flw_") + ids.ulid()
        self.records.append({"id": sid, "kind": kind, "name": name})
        self.names[sid] = name
        return sid

    @staticmethod
    def campaign(name: str) -> Campaign:
        return next(c for c in CAMPAIGNS if c.name == name)
