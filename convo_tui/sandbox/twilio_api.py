"""Twilio's Programmable Messaging API (2010-04-01), as the sandbox serves it.

Paths, parameters, bodies, codes and error bodies follow the official
OpenAPI document (shared/specs/twilio_api_v2010.json); tests validate the
answers against it and drive this server with the official `twilio` client.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from convo_tui import phones
from convo_tui.core import smart_encoding
from convo_tui.core.sms_cost import cost
from convo_tui.sandbox.wire import Answer, Request, json_answer
from convo_tui.sandbox.world import Media, Message, World, rfc2822

API = "/2010-04-01"
MAX_BODY, MAX_MEDIA = 1600, 10
DEFAULT_PAGE, MAX_PAGE = 50, 1000

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")
MESSAGE = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json$")
MEDIA_LIST = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)/Media\.json$"
)
MEDIA_ONE = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)/Media/"
    r"(?P<media>ME[0-9a-f]+)(?P<json>\.json)?$"
)

# A 1x1 PNG: what a media URL serves, whatever the type (enough to be fetched).
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def error(status: int, code: int, message: str) -> Answer:
    """Twilio's error body: {"code", "message", "more_info", "status"}."""
    return json_answer(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def not_found(path: str) -> Answer:
    return error(404, 20404, f"The requested resource {path} was not found")


class TwilioApi:
    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request, now: datetime) -> Answer:
        path = request.path
        for pattern, handler in (
            (MESSAGES, self._messages),
            (MESSAGE, self._message),
            (MEDIA_LIST, self._media_list),
            (MEDIA_ONE, self._media_one),
        ):
            match = pattern.match(path)
            if match is None:
                continue
            if match["account"] != self.world.account_sid:
                return not_found(path)
            return handler(request, match.groupdict(), now)
        if path.startswith(API + "/Accounts/") and not path.endswith(".json"):
            return not_found(path)  # only .json paths answer JSON
        return not_found(path)

    # Messages -----------------------------------------------------------------

    def _messages(self, request: Request, _m: dict[str, str], now: datetime) -> Answer:
        if request.method == "POST":
            return self._create(request, now)
        if request.method == "GET":
            return self._list(request, now)
        return error(405, 20004, "Method not allowed")

    def _list(self, request: Request, now: datetime) -> Answer:
        try:
            size = int(request.param("PageSize") or DEFAULT_PAGE)
            page = int(request.param("Page") or 0)
        except ValueError:
            return error(400, 20001, "PageSize and Page must be integers")
        if not 1 <= size <= MAX_PAGE or page < 0:
            return error(400, 20001, f"PageSize must be between 1 and {MAX_PAGE}")
        try:
            selected = self._filtered(request, now)
        except ValueError as exc:
            return error(400, 20001, str(exc))
        start = page * size
        token = request.param("PageToken")
        if token and token.startswith("PA") and not request.headers.get("x-sandbox-shift"):
            # Keyset paging: the next page starts after the last sid of the previous one,
            # so new arrivals never shift it (the shift fault pages by offset instead).
            sids = [m.sid for m in selected]
            if token[2:] in sids:
                start = sids.index(token[2:]) + 1
        if request.headers.get("x-sandbox-duplicate") and start > 0:
            start -= 1  # the duplicate fault: the last message of a page starts the next
        chunk = selected[start : start + size]
        base = f"{API}/Accounts/{self.world.account_sid}/Messages.json"
        kept = [(k, v) for k, v in request.query if k not in ("Page", "PageSize", "PageToken")]

        def uri(number: int, last: str | None) -> str:
            params = [*kept, ("PageSize", str(size)), ("Page", str(number))]
            if last:
                params.append(("PageToken", "PA" + last))
            return f"{base}?{urlencode(params)}"

        more = start + size < len(selected)
        return json_answer(
            200,
            {
                "messages": [self.message_json(m) for m in chunk],
                "end": start + max(len(chunk) - 1, 0),
                "first_page_uri": uri(0, None),
                "next_page_uri": uri(page + 1, chunk[-1].sid) if more and chunk else None,
                "previous_page_uri": uri(page - 1, None) if page > 0 else None,
                "page": page,
                "page_size": size,
                "start": start,
                "uri": uri(page, token[2:] if token else None),
            },
        )

    def _filtered(self, request: Request, now: datetime) -> list[Message]:
        to, from_ = request.param("To"), request.param("From")
        exact = _day(request.param("DateSent"))
        after, before = _day(request.param("DateSent>")), _day(request.param("DateSent<"))
        lag = float(request.headers.get("x-sandbox-lag") or 0)
        found = []
        for message in self.world.listed(now):
            day = message.when.astimezone(UTC).date()
            young = lag > 0 and (now - message.created).total_seconds() < lag
            if young and message.direction != "inbound":
                continue  # the lag fault: a new send is not in the list yet
            if to and message.to_number != to:
                continue
            if from_ and message.from_number != from_:
                continue
            if exact and day != exact:
                continue
            if after and day < after:
                continue
            if before and day > before:
                continue
            found.append(message)
        return found

    def _create(self, request: Request, now: datetime) -> Answer:
        form = request.form()
        fields: dict[str, str] = {}
        media: list[str] = []
        for key, value in form:
            if key == "MediaUrl":
                media.append(value)
            else:
                fields[key] = value
        to, body = fields.get("To", "").strip(), fields.get("Body", "")
        if self.world.smart_encoding or fields.get("SmartEncoded", "").lower() == "true":
            body = smart_encoding.encode(body)  # stored and listed as rewritten
        sender, service = fields.get("From", "").strip(), fields.get("MessagingServiceSid", "")
        if not to:
            return error(400, 21604, "A 'To' phone number is required.")
        if not _is_e164(to):
            return error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender and not service:
            return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if service and service != self.world.messaging_service_sid:
            return error(400, 21701, f"The Messaging Service Sid {service} is invalid.")
        if sender:
            if not _is_e164(sender):
                return error(400, 21212, f"The 'From' number {sender} is not a valid number.")
            if sender != self.world.business_number:
                return error(
                    400,
                    21606,
                    f"The From phone number {sender} is not a valid, SMS-capable inbound "
                    "phone number or short code for your account.",
                )
        if not body and not media:
            return error(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if len(media) > MAX_MEDIA:
            return error(400, 21623, "The number of media files exceeds the allowed limit of 10.")
        send_at = None
        if fields.get("ScheduleType"):
            if fields["ScheduleType"] != "fixed":
                return error(400, 35111, "ScheduleType must be 'fixed'.")
            if not service:
                return error(400, 35118, "MessagingServiceSid is required to schedule a message.")
            send_at = _instant(fields.get("SendAt", ""))
            if send_at is None or not (
                now + timedelta(seconds=300) < send_at <= now + timedelta(days=35)
            ):
                return error(
                    400,
                    35114,
                    "SendAt must be between 300 seconds (5 minutes) and 35 days from now.",
                )
        if to in self.world.opted_out:
            return error(400, 21610, "Attempt to send to unsubscribed recipient")
        message = self.world.send(
            to=to,
            body=body,
            media_urls=media,
            now=now,
            from_number=sender or None,
            service=service or None,
            send_at=send_at,
        )
        return json_answer(201, self.message_json(message))

    def _message(self, request: Request, match: dict[str, str], now: datetime) -> Answer:
        if request.method not in ("GET", "POST", "DELETE"):
            return error(405, 20004, "Method not allowed")
        with self.world.lock:
            self.world.settle(now)
            message = self.world.messages.get(match["sid"])
            if message is None:
                return not_found(request.path)
            if request.method == "DELETE":
                del self.world.messages[message.sid]
                return Answer(204, b"")
            if request.method == "POST":  # update: cancel a scheduled text, or redact
                fields = dict(request.form())
                if fields.get("Status") == "canceled" and message.status == "scheduled":
                    message.status, message.updated = "canceled", now
                if "Body" in fields and fields["Body"] == "":
                    message.body = ""
            return json_answer(200, self.message_json(message))

    # Media --------------------------------------------------------------------

    def _media_list(self, request: Request, match: dict[str, str], now: datetime) -> Answer:
        with self.world.lock:
            message = self.world.messages.get(match["sid"])
            if message is None:
                return not_found(request.path)
            items = [self.media_json(message, m) for m in message.media]
        base = f"{API}/Accounts/{self.world.account_sid}/Messages/{message.sid}/Media.json"
        first = f"{base}?PageSize=50&Page=0"
        return json_answer(
            200,
            {
                "media_list": items,
                "end": max(len(items) - 1, 0),
                "first_page_uri": first,
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": 50,
                "start": 0,
                "uri": first,
            },
        )

    def _media_one(self, request: Request, match: dict[str, str], now: datetime) -> Answer:
        with self.world.lock:
            message = self.world.messages.get(match["sid"])
            item = (
                next((m for m in message.media if m.sid == match["media"]), None)
                if message
                else None
            )
            if message is None or item is None:
                return not_found(request.path)
            if match.get("json"):
                return json_answer(200, self.media_json(message, item))
        return Answer(200, PIXEL, item.content_type)

    # Serialisation ------------------------------------------------------------

    def message_json(self, message: Message) -> dict[str, object]:
        account = self.world.account_sid
        uri = f"{API}/Accounts/{account}/Messages/{message.sid}.json"
        segments = cost(message.body).segments if message.body else 1
        outbound = message.direction != "inbound"
        priced = message.status in ("sent", "delivered", "undelivered", "received", "failed")
        return {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": message.body,
            "date_created": rfc2822(message.created),
            "date_sent": rfc2822(message.sent),
            "date_updated": rfc2822(message.updated),
            "direction": message.direction,
            "error_code": message.error_code,
            "error_message": _error_text(message.error_code),
            "from": message.from_number,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": str(len(message.media)),
            "num_segments": str(segments if outbound or message.body else 1),
            "price": f"-{0.0079 * segments:.5f}" if priced else None,
            "price_unit": "USD",
            "sid": message.sid,
            "status": message.status,
            "subresource_uris": {
                "media": f"{API}/Accounts/{account}/Messages/{message.sid}/Media.json",
                "feedback": f"{API}/Accounts/{account}/Messages/{message.sid}/Feedback.json",
            },
            "to": message.to_number,
            "uri": uri,
        }

    def media_json(self, message: Message, item: Media) -> dict[str, object]:
        account = self.world.account_sid
        return {
            "account_sid": account,
            "content_type": item.content_type,
            "date_created": rfc2822(item.created),
            "date_updated": rfc2822(item.created),
            "parent_sid": message.sid,
            "sid": item.sid,
            "uri": f"{API}/Accounts/{account}/Messages/{message.sid}/Media/{item.sid}.json",
        }


ERROR_TEXTS = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}


def _error_text(code: int | None) -> str | None:
    return ERROR_TEXTS.get(code, "Delivery failed") if code else None


def _is_e164(number: str) -> bool:
    if not number.startswith("+"):
        return False
    try:
        return phones.normalize(number) == number
    except phones.BadPhoneNumber:
        return False


def _day(value: str | None) -> datetime.date | None:  # type: ignore[valid-type]
    """A DateSent filter: YYYY-MM-DD (the document's prose and example) or an ISO 8601
    UTC date-time (its schema's format, and what the official library sends); whole days
    either way, as Twilio filters. Anything else is refused."""
    if not value:
        return None
    for form in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(value, form).date()
        except ValueError:
            continue
    raise ValueError(
        f"DateSent must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not {value!r}"
    ) from None


def _instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
