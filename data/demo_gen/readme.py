"""data/demo/README.md: what the files hold, their counts, and the stories' end states."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from convo_tui.core.replies import Block

from .orders import Orders
from .people import People
from .stats import Stats
from .stories import FIXTURE, LONG_TEXT, STORY, StoryRow, first_order_id

REFUSED: Mapping[Block, str] = MappingProxyType(
    {
        Block.BLOCKED: "blocked",
        Block.OPTED_OUT: "opted out",
        Block.POSSIBLE_OPT_OUT: "possible opt-out",
        Block.NOT_CONSENTED: "not consented",
        Block.NO_CONVERSATION: "has not texted",
        Block.ALPHANUMERIC_SENDER: "alphanumeric sender",
    }
)
"""Why core.replies refuses a reply, in the README's words."""


STORY_TEXT: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "maria": (
            "America/Los_Angeles (San Francisco, full location)",
            "Received campaign “Black Friday Early Access” 90 min ago; texted “Do you have the "
            "boots in size 38?” 30 min ago and “Also in black?” 29 min ago.",
            "first text attributed to Black Friday Early Access, second not",
        ),
        "tom": (
            "Europe/Berlin (full location)",
            "Texted a question 72 h ago (4,320 min); chloe replied 4,290 min ago; chloe closed the "
            "conversation 48 h ago (2,880 min).",
            "",
        ),
        "priya": (
            "Asia/Kolkata (Bengaluru, full location)",
            "Texted 5 h ago (300 min); dev marked it read 242 min ago and snoozed it 240 min ago "
            "with snooze_minutes 1440, so the snooze ends 1,200 min (20 h) after load.",
            "",
        ),
        "lucas": (
            "America/Sao_Paulo (full location)",
            "Got “Flash Sale: 24 Hours Only” 3,064 min ago; texted “STOP” 48 h ago (2,880 min); "
            "keyword reply (opt-out confirmation) 2,879 min ago. No campaign after that.",
            "",
        ),
        "spam": (
            "no location, no email",
            "Texted junk 6 h ago (360 min); ben blocked it 5 h ago (300 min); texted junk again "
            "60 min ago (stored, no reopen, no notification).",
            "",
        ),
        "kenji": (
            "Asia/Tokyo (full location)",
            "Texted “Is my order shipped?” 20 min ago. Has order {kenji_order} (JPY, placed). "
            "The loader's auto-reply (audience non_consented) answers it.",
            "",
        ),
        "aroha": (
            "Pacific/Auckland (full location)",
            "Sent an MMS (image/jpeg) “It arrived broken” 40 min ago; ana replied 35 min ago with "
            "an MMS (image/png return label).",
            "",
        ),
        "sita": (
            "lat/long only (27.7172, 85.324), no timezone, no country: Asia/Kathmandu by "
            "coordinates",
            "Flow “Abandoned Cart” text (MMS) 27 h ago (1,620 min); texted a question 2 h ago "
            "(120 min): 25 h after the send, outside the 24 h window.",
            "",
        ),
        "jack": (
            "Australia/Lord_Howe (full location)",
            "Texted the keyword “HELP” 3 h ago (180 min); got the help keyword reply 179 min ago.",
            "",
        ),
        "dana": (
            "America/Chicago (full location)",
            "Untrusted markup: texted `[bold red]URGENT[/] where is my order??` 180 min ago "
            "(must show literally).",
            "",
        ),
        "noah": (
            "America/Los_Angeles (Seattle, full location)",
            "Untrusted escapes: texted `pls check \\u001b[31mthis\\u001b[0m` (real ESC characters) "
            "420 min ago; chloe replied 400 min ago, then marked it unread 390 min ago.",
            "",
        ),
        "helene": (
            "Europe/Paris (full location)",
            "Accented text with emoji 1,500 min ago (“Bonjour ! Ma commande {helene_order} n'est "
            "toujours pas arrivée…”); chloe replied in French 1,460 min ago and closed it "
            "1,400 min ago.",
            "",
        ),
        "margaret": (
            "Europe/London (full location)",
            "Long text ({long} characters) 600 min ago about a missing pair "
            "(order {margaret_order}); ben replied 560 min ago.",
            "",
        ),
        "camila": (
            "America/Mexico_City (full location)",
            "Was UNSUBSCRIBED; texted “ Start ” (spaces around) 2,000 min ago → keyword reply, "
            "then flow “Welcome Series” MMS 1,997 min ago; texted a question with emoji 1,900 min "
            "ago; "
            "ana replied 1,880 min ago.",
            "the question came 97 min after the Welcome Series text",
        ),
        "oliver": (
            "city/country only (Manchester, United Kingdom), no email",
            "Got “Winter Sale” 20,348 min ago; texted “please remove me from this list” (not a "
            "keyword: a possible opt-out, replies held) 20,200 min ago; he texted “STOP” 20,185 "
            "min ago, which settles it; femi closed the conversation 20,180 min ago.",
            "",
        ),
    }
)


def readme(people: People, orders: Orders, rows: Sequence[StoryRow], stats: Stats) -> str:
    """README.md: the files, their conventions, the counts and the stories' end states."""
    keys = list(STORY) + list(FIXTURE)
    order_of = {k: first_order_id(orders, k) for k in ("kenji", "helene", "margaret")}
    fill_in: dict[str, object] = {
        "kenji_order": order_of["kenji"],
        "helene_order": order_of["helene"].replace("#", "n°"),
        "margaret_order": order_of["margaret"],
        "long": len(LONG_TEXT),
    }

    def state_cell(key: str, row: StoryRow) -> str:
        parts = []
        if row["status"] is None:
            parts.append("**no conversation**")
        else:
            parts.append(f"**{row['status']}**, {'unread' if row['unread'] else 'read'}")
            parts.append(f"attributed to {row['source']}" if row["source"] else "not attributed")
        parts.append(row["consent"])
        if row["blocked"]:
            parts.append("**blocked**")
        refused = row["refused"]
        parts.append("reply allowed" if refused is None else f"reply refused ({REFUSED[refused]})")
        note = STORY_TEXT[key][2]
        return "; ".join(parts) + (f" ({note})" if note else "")

    def table(selection: list[str]) -> list[str]:
        out = [
            "| # | Name | Phone | Location | Consent before | Timeline | Expected end state |",
            "|---|---|---|---|---|---|---|",
        ]
        for key in selection:
            n = keys.index(key)
            row = rows[n]
            profile = people.by_phone[row["phone"]]
            name = f"{profile['first_name']} {profile['last_name']}"
            where, what, _ = STORY_TEXT[key]
            out.append(
                f"| {n + 1} | {name} | `{row['phone']}` | {where} | {profile['consent']} | "
                f"{what.format(**fill_in)} | {state_cell(key, row)} |"
            )
        return out

    def counter(d: Mapping[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(d.items(), key=lambda kv: -kv[1]))

    zones = sorted(
        {
            p["location"]["timezone"]
            for p in people.profiles
            if p["location"] and p["location"]["timezone"]
        }
    )
    lines = [
        "# Demo data set",
        "",
        "Generated by `data/make_demo.py` (deterministic: `random.Random(2026)`, no network, no "
        "clock). Do not edit the JSON by hand: change the generator and run",
        "`.venv/bin/python data/make_demo.py` (it replays the timeline with the SMS rules and "
        "asserts them, and the story end states below, before writing anything).",
        "`convo demo` loads it (`convo_tui/demo.py`).",
        "",
        "## Files",
        "",
        "All UTF-8 JSON, `indent=1`, `ensure_ascii=False`.",
        "",
        "- `agents.json`: the support team: ana (owner), ben (admin), femi (manager), chloe and "
        "dev (support), eve (analyst: may not use the inbox, so she never acts).",
        "- `settings.json`: organization prefix/email, business number `+14155550100`, "
        "auto-reply on for non-consented profiles, notification address.",
        "- `sources.json`: the campaigns and flows (ids `cmp_…` / `flw_…` + a 26-character "
        "ULID-like id).",
        "- `profiles.json`: the profiles, story profiles first. `consent` is the state "
        "*before* the timeline; keyword texts in the timeline change it. `country` is an "
        "English country name (Klaviyo style) that always matches the phone number's country.",
        "- `timeline.json`: everything that happened, oldest first (`minutes_ago` descending; "
        "ties keep file order). Entry types: `send` (campaign, flow or keyword reply), "
        "`inbound` (customer text), `reply` (agent), `action` (agent), `event` (Klaviyo "
        "activity), `order` (shop order).",
        "",
        "Conventions:",
        "",
        "- Times are integer minutes before load time; the loader maps them to `now - minutes`.",
        "- A profile never has two messages/actions in the same minute, so replaying in file "
        "order and ordering by time agree (this matters for attribution).",
        "- `unit_price_cents` is always hundredths of the currency unit, JPY included "
        "(¥12,800 → 1280000); amounts in event properties (`$value`, `Price`) are in units.",
        "- Order ids are numbered in time order (`#1001` is the oldest). `Placed Order` and "
        "`Fulfilled Order` events exist only for profiles with an email.",
        "- The loader itself adds, while replaying: auto-replies to non-keyword texts from "
        "non-consented profiles, the consent activity events of keyword texts "
        "(`Unsubscribed from SMS`, `Consented to Receive SMS`, `Requested SMS Help`) and "
        "notifications. They are not in the JSON.",
        "- Phone numbers are valid for `phonenumbers`: US/Canada numbers are the fictional "
        "555-01XX range; other countries use valid mobile ranges.",
        "- Media URLs are under `https://cdn.acme.example/` (business MMS and customer photos).",
        "",
        "## Counts",
        "",
        f"- Profiles: {stats['profiles']} in {stats['countries']} countries; "
        f"{stats['timezones']} IANA zones on {len(stats['continents'])} continents "
        f"({', '.join(stats['continents'])}).",
        f"- Zones: {', '.join(zones)}.",
        f"- Locations: {counter(stats['location_kinds'])}. Without email: {stats['no_email']}; "
        f"without a name: {stats['no_name']} (a few more have no last name).",
        f"- SMS consent before the timeline: {counter(stats['consent_before'])}; after it: "
        f"{counter(stats['consent_after'])}. Blocked: 1 (Spam Sender).",
        f"- Timeline: {stats['timeline_entries']} entries "
        f"({counter(stats['entries_by_type'])}), {stats['entries_last_48h']} of them in the last "
        f"48 hours; the oldest is {stats['oldest_minutes_ago']} minutes (about "
        f"{stats['oldest_minutes_ago'] // 1440} days) before load.",
        f"- Business texts by source: {counter(stats['sends_by_source'])}. "
        f"Delivery: {counter(stats['send_statuses'])} (errors 30003, 30004, 30006, 30007). "
        f"MMS: {stats['mms_sends']} sent, {stats['mms_inbound']} received.",
        f"- Keyword texts: {stats['keyword_texts']}. Events: "
        f"{counter(stats['events_by_metric'])}. Agent actions: {counter(stats['actions'])}.",
        f"- Conversations at load: {stats['conversations']} "
        f"({counter(stats['conversations_by_status'])}), {stats['unread_conversations']} unread. "
        f"Attributed: {counter(stats['attributed_conversations'])}.",
        "",
        "## Story profiles",
        "",
        "Hand-written (fixed data, not random); the generator asserts these end states. "
        "“Attributed” is the conversation's campaign/flow (the attribution window is 24 h; only "
        "the first text after a send counts). Snoozes whose time has passed count as open.",
        "",
        *table(list(STORY)),
        "",
        "## Fixture profiles",
        "",
        "Also hand-written, for texts that must survive display literally and for keyword "
        "edge cases. Keyword texts in the whole timeline, as sent (JSON-quoted): "
        + ", ".join(f"`{json.dumps(k, ensure_ascii=False)}`" for k in stats["keyword_bodies"])
        + ".",
        "",
        *table(list(FIXTURE)),
        "",
    ]
    return "\n".join(lines)
