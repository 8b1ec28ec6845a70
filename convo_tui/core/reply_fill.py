"""Saved replies filled in and found, with no store: the records the picker gets, the
filling-in of a reply for one customer and the picker's fuzzy search. Pure, so the
terminal UI runs them on every key (core.saved_replies keeps the library)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from convo_tui.core.templates import render_template, substitute, template_variables

PERSON = ("person.first_name", "person.last_name")
ORDER = ("order.number", "order.status", "order.total", "order.items", "order.tracking_url")
VARIABLES = (*PERSON, "organization.name", "agent.first_name", *ORDER)


@dataclass(frozen=True)
class Reply:
    """A saved reply as the picker and the CLI show it (no ORM object crosses layers)."""

    id: int
    name: str
    category: str
    language: str
    body: str
    actions: Mapping[str, Any] = field(default_factory=dict)

    def action_words(self) -> str:
        """What sending it also does, in words ("close, tag wismo")."""
        return action_words(self.actions)


def action_words(actions: Mapping[str, Any]) -> str:
    words = []
    if actions.get("close"):
        words.append("close")
    if actions.get("snooze"):
        words.append(f"snooze {actions['snooze']}")
    if actions.get("tag"):
        words.append(f"tag {actions['tag']}")
    if actions.get("assign"):
        words.append(f"assign {actions['assign']}")
    return ", ".join(words)


@dataclass(frozen=True)
class Context:
    """What a saved reply's variables can be filled from, for one customer."""

    values: Mapping[str, str]
    has_order: bool
    language: str
    """The customer's language ("" when unknown)."""


@dataclass(frozen=True)
class Filled:
    """A saved reply filled in for one customer."""

    text: str
    """Ready to send when nothing is missing; else with each missing variable shown as
    [name?] (never sent like that)."""
    missing: tuple[str, ...]
    refusal: str | None
    """Why it cannot be used for this customer at all (no order behind order.*)."""

    @property
    def ready(self) -> bool:
        return not self.missing and self.refusal is None


def fill(body: str, found: Context, given: Mapping[str, str] | None = None) -> Filled:
    values = {k: v for k, v in found.values.items() if v}
    values.update({k: v.strip() for k, v in (given or {}).items() if v.strip()})
    used = template_variables(body)
    missing = tuple(name for name in used if name not in values)
    orders = [name for name in missing if name in ORDER]
    refusal = None
    if orders and not found.has_order:
        refusal = f"this customer has no order to fill {{{{ {orders[0]} }}}} from"
    shown = dict(values)
    shown.update({name: f"[{name}?]" for name in missing})
    text = render_template(body, shown) if not missing else substitute(body, shown)
    return Filled(text, missing, refusal)


# -- the picker -----------------------------------------------------------------------


def search(
    replies: Sequence[Reply], query: str, *, language: str = "", limit: int = 50
) -> list[Reply]:
    """The picker's list: fuzzy over name, category and text as typed; the customer's
    language first (then the default ones, then others); by category and name with no
    query."""

    def preference(reply: Reply) -> int:
        if language and reply.language == language:
            return 0
        return 1 if not reply.language else 2

    if not query.strip():
        return sorted(replies, key=lambda r: (preference(r), r.category, r.name))[:limit]
    from rapidfuzz import fuzz, process, utils  # only when searching: not on every CLI start

    # The name counts most, then the category, then the text (a word found in it).
    best: dict[int, float] = {}
    for texts, scorer, weight in (
        ([r.name for r in replies], fuzz.WRatio, 1.0),
        ([r.category for r in replies], fuzz.WRatio, 0.9),
        ([r.body for r in replies], fuzz.partial_ratio, 0.85),
    ):
        for _, score, index in process.extract(
            query,
            texts,
            scorer=scorer,
            processor=utils.default_process,
            limit=None,
            score_cutoff=60,
        ):
            best[index] = max(best.get(index, 0.0), score * weight)
    ranked = sorted(
        best, key=lambda i: (-round(best[i] / 5), preference(replies[i]), replies[i].name)
    )
    return [replies[index] for index in ranked][:limit]


def for_language(replies: Sequence[Reply], name: str, language: str) -> Reply | None:
    """The reply of that name in the customer's language, else the default one."""
    same = [r for r in replies if r.name == name]
    for wanted in (language, ""):
        for reply in same:
            if reply.language == wanted:
                return reply
    return same[0] if same else None
