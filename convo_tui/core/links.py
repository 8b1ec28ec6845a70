"""Short links: URLs in outgoing texts become `{domain}/{code}`; clicks become activity.

The same URL sent to the same profile reuses its code. A click is recorded as
a "Clicked SMS" event with the message the link was last sent in; an order the
profile places within the attribution window after a click is attributed to
that message's campaign, flow or reply.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit, urlunsplit

from sqlmodel import Session, col, select

from convo_tui.store.models import ActivityEvent, Message, ShortLink, pk

CLICKED = "Clicked SMS"
CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 7
MAX_URL = 4096

# A URL runs to the next white space or quote; what trails it is cut below.
_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?…»”’"
_PAIRS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    url: str


def find_urls(text: str) -> list[Found]:
    """http(s) URLs in `text`, without the punctuation that ends a sentence around them."""
    found: list[Found] = []
    for match in _URL.finditer(text):
        url = match.group()
        while url:
            last = url[-1]
            if last in _TRAILING:
                url = url[:-1]
            elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
                url = url[:-1]  # "(see https://x.y/a)" keeps the paren outside
            else:
                break
        parts = urlsplit(url)
        if not parts.hostname or len(url) > MAX_URL:
            continue
        found.append(Found(match.start(), match.start() + len(url), url))
    return found


def to_ascii(url: str) -> str:
    """The URL as a redirect target: IDNA host, percent-encoded path and query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = quote(host)
    netloc = ascii_host
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(parts.path, safe="/%:@!$&'()*+,;=-._~"),
            quote(parts.query, safe="=&%/:?@!$'()*+,;-._~"),
            quote(parts.fragment, safe="%/:?@!$&'()*+,;=-._~"),
        )
    )


def preview(text: str, domain: str) -> str:
    """`text` as it will be sent, with a stand-in code of the real length (no store access)."""
    pieces: list[str] = []
    cursor = 0
    for found in find_urls(text):
        pieces.append(text[cursor : found.start])
        pieces.append(f"https://{domain}/" + "x" * CODE_LENGTH)
        cursor = found.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(ShortLink.id).where(ShortLink.code == code)).first() is None:
            return code


@dataclass(frozen=True)
class Shortened:
    text: str
    links: tuple[ShortLink, ...]


def shorten(
    session: Session, text: str, *, profile_id: int, domain: str, now: datetime
) -> Shortened:
    """`text` with each http(s) URL replaced by its short link for this profile."""
    pieces: list[str] = []
    links: list[ShortLink] = []
    cursor = 0
    for found in find_urls(text):
        target = to_ascii(found.url)
        link = session.exec(
            select(ShortLink).where(ShortLink.profile_id == profile_id, ShortLink.url == target)
        ).first()
        if link is None:
            link = ShortLink(
                code=_new_code(session), url=target, profile_id=profile_id, created_at=now
            )
            session.add(link)
            session.flush()
        links.append(link)
        pieces.append(text[cursor : found.start])
        pieces.append(f"https://{domain}/{link.code}")
        cursor = found.end
    pieces.append(text[cursor:])
    return Shortened("".join(pieces), tuple(links))


def attach(links: tuple[ShortLink, ...], message: Message) -> None:
    """Remember the message each link was (last) sent in, for click attribution."""
    for link in links:
        link.message_id = pk(message)


CLICK_WINDOW = timedelta(minutes=30)
"""A link opened again by the same client within this counts once: a phone that reloads,
a double tap, a client that fetches a page twice are one click."""

PREVIEW_BOTS = (
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "slackbot",
    "slack-imgproxy",
    "whatsapp",
    "telegrambot",
    "discordbot",
    "linkedinbot",
    "skypeuripreview",
    "applebot",
    "googlebot",
    "bingbot",
    "pinterest",
    "redditbot",
    "embedly",
    "iframely",
    "vkshare",
    "viber",
    "snapchat",
    "google-pagerenderer",
    "bitlybot",
)
"""User agents of link-preview fetchers and crawlers (lower case, matched anywhere):
they are redirected like anyone, but a preview is not a customer's click."""


def is_preview_bot(user_agent: str) -> bool:
    agent = user_agent.lower()
    return any(bot in agent for bot in PREVIEW_BOTS)


def record_click(
    session: Session, code: str, *, now: datetime, client: str = "", visitor: str = ""
) -> str | None:
    """The target URL for `code` (None if unknown), recording the click as activity
    once per `visitor` (a digest of the client's address and user agent) within
    CLICK_WINDOW, and not at all for a link-preview bot."""
    link = session.exec(select(ShortLink).where(ShortLink.code == code)).first()
    if link is None:
        return None
    if is_preview_bot(client) or _clicked_lately(session, link, visitor, now=now):
        return link.url
    link.clicks += 1
    session.add(
        ActivityEvent(
            profile_id=link.profile_id,
            metric=CLICKED,
            occurred_at=now,
            properties={"url": link.url, "code": code, "client": client[:100], "visitor": visitor},
            message_id=link.message_id,
        )
    )
    return link.url


def _clicked_lately(session: Session, link: ShortLink, visitor: str, *, now: datetime) -> bool:
    """Whether this visitor's click on this link is recorded within the window (the
    profile's few recent clicks, by the profile/metric/time index)."""
    recent = session.exec(
        select(ActivityEvent.properties).where(
            ActivityEvent.profile_id == link.profile_id,
            ActivityEvent.metric == CLICKED,
            col(ActivityEvent.occurred_at) > now - CLICK_WINDOW,
        )
    )
    return any(
        isinstance(props, dict)
        and props.get("code") == link.code
        and props.get("visitor", "") == visitor
        for props in recent
    )


def target(session: Session, code: str) -> str | None:
    link = session.exec(select(ShortLink).where(ShortLink.code == code)).first()
    return link.url if link else None


def click_attribution(
    session: Session, profile_id: int, placed_at: datetime, window_hours: int
) -> tuple[int | None, int | None]:
    """(source id, message id) an order placed at `placed_at` is attributed to by a click."""
    row = session.exec(
        select(ActivityEvent.message_id, Message.source_id)
        .join(Message, col(Message.id) == col(ActivityEvent.message_id))
        .where(
            ActivityEvent.profile_id == profile_id,
            ActivityEvent.metric == CLICKED,
            col(ActivityEvent.occurred_at) <= placed_at,
            col(ActivityEvent.occurred_at) >= placed_at - timedelta(hours=window_hours),
        )
        .order_by(col(ActivityEvent.occurred_at).desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None
    message_id, source_id = row
    return source_id, message_id
