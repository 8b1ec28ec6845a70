"""The generator's state, passed to every step: one seeded random generator and what
has been made so far."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from .ids import Ids
from .orders import Orders
from .people import People
from .phonebook import PhoneBook
from .records import Location
from .sources import Sources
from .timeline import Timeline

SEED = 2026


@dataclass
class Demo:
    rng: random.Random
    ids: Ids
    sources: Sources
    phones: PhoneBook
    people: People
    timeline: Timeline
    orders: Orders
    campaign_forced: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """campaign name -> profiles it must text (they answer it with a STOP)."""
    opt_ins: list[tuple[str, int]] = field(default_factory=list)
    """(phone, minute of the keyword reply) of each opt-in by keyword: welcome flows follow."""

    @classmethod
    def new(cls, seed: int = SEED) -> Demo:
        rng = random.Random(seed)
        ids = Ids(rng)
        sources = Sources(ids)  # the first draws: the campaign and flow ids
        people = People()
        timeline = Timeline(rng, ids, people, sources.names)
        return cls(
            rng=rng,
            ids=ids,
            sources=sources,
            phones=PhoneBook(rng),
            people=people,
            timeline=timeline,
            orders=Orders(rng, people, timeline),
        )

    def profile(
        self,
        phone: str,
        first: str | None,
        last: str | None,
        email: str | None,
        consent: str,
        location: Location | None,
        iso: str,
        city: str | None,
        *,
        fixed: bool = False,
    ) -> None:
        """Add a profile; its id is drawn here."""
        self.people.add(
            {
                "id": self.ids.ulid(),
                "phone": phone,
                "email": email,
                "first_name": first,
                "last_name": last,
                "consent": consent,
                "location": location,
            },
            iso,
            city,
            fixed=fixed,
        )
