"""A Twilio-compatible messaging client (API 2010-04-01): list, create, fetch, media."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from convo_tui.providers.http import (
    DEFAULT_TIMEOUT,
    Ambiguous,
    BadResponse,
    OnBad,
    ProviderError,
    RetryPolicy,
    Transport,
    error_from,
    parse_each,
    short_repr,
)

API = "/2010-04-01"


class Accepted(Ambiguous):
    """A send the provider answered 2xx for, with an answer that cannot be read: the text
    went out and is never sent again. `sid` is set when the answer still named one."""

    def __init__(self, what: str, *, sid: str | None, status: str = "queued") -> None:
        super().__init__(what, "it is not sent again; its id is found in the provider's list")
        self.sid = sid
        self.accepted_status = status


@dataclass(frozen=True)
class TwilioMessage:
    sid: str
    from_number: str
    to_number: str
    body: str
    direction: str
    """inbound, outbound-api, outbound-call or outbound-reply."""
    status: str
    num_segments: int
    num_media: int
    error_code: int | None
    error_message: str | None
    date_created: datetime | None
    date_sent: datetime | None
    date_updated: datetime | None

    @property
    def when(self) -> datetime | None:
        """The time the message happened: sent, else created."""
        return self.date_sent or self.date_created

    @property
    def inbound(self) -> bool:
        return self.direction == "inbound"


@dataclass(frozen=True)
class TwilioMedia:
    sid: str
    content_type: str
    url: str
    """The absolute URL of the content (it needs the same Basic auth)."""


def _date(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadResponse(f"Twilio sent a {name} that is not a date: {short_repr(value)}", "")
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise BadResponse(
            f"Twilio sent a {name} that is not an RFC 2822 date: {short_repr(value)}", ""
        ) from None
    # "-0000" (UTC, as RFC 2822 allows) parses naive; the store wants aware UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _int(value: Any, name: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadResponse(f"Twilio sent a {name} that is not a number: {short_repr(value)}", "")
    try:
        number = int(value)
    except ValueError:
        raise BadResponse(
            f"Twilio sent a {name} that is not a number: {short_repr(value)}", ""
        ) from None
    if not 0 <= number < 2**31:
        raise BadResponse(f"Twilio sent a {name} out of range: {short_repr(value)}", "")
    return number


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadResponse(f"Twilio sent a message whose {key} is not text: {short_repr(value)}", "")
    return value


def parse_message(data: Any) -> TwilioMessage:
    """A Message resource; BadResponse naming the field when it is not one."""
    if not isinstance(data, dict):
        raise BadResponse(f"Twilio sent a message that is not an object: {short_repr(data)}", "")
    sid = data.get("sid")
    if not isinstance(sid, str) or not sid or len(sid) > 64:
        raise BadResponse(f"Twilio sent a message without a valid sid: {short_repr(sid)}", "")
    code = data.get("error_code")
    message = data.get("error_message")
    if message is not None and not isinstance(message, str):
        raise BadResponse(
            f"Twilio sent an error_message that is not text: {short_repr(message)}", ""
        )
    return TwilioMessage(
        sid=sid,
        from_number=_text(data, "from"),
        to_number=_text(data, "to"),
        body=_text(data, "body"),
        direction=_text(data, "direction"),
        status=_text(data, "status"),
        num_segments=_int(data.get("num_segments"), "num_segments"),
        num_media=_int(data.get("num_media"), "num_media"),
        error_code=_int(code, "error_code") if code not in (None, "") else None,
        error_message=message,
        date_created=_date(data.get("date_created"), "date_created"),
        date_sent=_date(data.get("date_sent"), "date_sent"),
        date_updated=_date(data.get("date_updated"), "date_updated"),
    )


class TwilioClient:
    """Messages of one account, with Basic auth (account SID + token, or API key + secret)."""

    def __init__(
        self,
        base_url: str,
        account_sid: str,
        username: str,
        password: str,
        *,
        from_number: str = "",
        messaging_service_sid: str = "",
        policy: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        client = httpx.Client(
            auth=(username, password),
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": "convo"},
            transport=transport,
        )
        self.http = Transport(base_url, client, "Twilio", policy or RetryPolicy())

    @property
    def _messages(self) -> str:
        return f"{API}/Accounts/{self.account_sid}/Messages"

    def close(self) -> None:
        self.http.client.close()

    def list_pages(
        self,
        *,
        sent_on_or_after: date | None = None,
        to: str | None = None,
        from_: str | None = None,
        page_size: int = 1000,
        on_bad: OnBad | None = None,
    ) -> Iterator[list[TwilioMessage]]:
        """Pages of messages, newest first, following next_page_uri until it is null.
        A message that does not parse raises BadResponse, or with `on_bad` is handed
        to it and skipped; a next page seen before ends the stream with BadResponse."""
        params: dict[str, str] = {"PageSize": str(page_size)}
        if sent_on_or_after is not None:
            # The document's schema gives this filter the date-time format (its prose says
            # YYYY-MM-DD); the official library sends ISO 8601 UTC. Twilio filters whole days.
            params["DateSent>"] = f"{sent_on_or_after.isoformat()}T00:00:00Z"
        if to:
            params["To"] = to
        if from_:
            params["From"] = from_
        url: str | None = f"{self._messages}.json"
        kwargs: dict[str, Any] = {"params": params}
        seen: set[str] = set()
        while url:
            data = self.http.get_json(url, **kwargs)
            kwargs = {}  # next_page_uri carries every parameter
            if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
                raise BadResponse("Twilio's message list has no 'messages'", "")
            following = data.get("next_page_uri")
            if following is not None and not isinstance(following, str):
                raise BadResponse(f"Twilio sent a next_page_uri that is not text: "
                                  f"{short_repr(following)}", "")  # fmt: skip
            yield parse_each(data["messages"], parse_message, on_bad)
            seen.add(url)
            if following and self.http.url(following) in {self.http.url(u) for u in seen}:
                raise BadResponse(
                    "Twilio's next_page_uri points to a page already read "
                    f"({short_repr(following)})",
                    "stopped paging there (a loop); the next round tries again",
                )
            url = following

    def fetch(self, sid: str) -> TwilioMessage:
        found = parse_message(self.http.get_json(f"{self._messages}/{sid}.json"))
        if found.sid != sid:
            # Stored, it would be a stranger's text under the wrong id (and a profile).
            raise BadResponse(f"Twilio answered message {found.sid} when asked for {sid}", "")
        return found

    def media(self, sid: str) -> list[TwilioMedia]:
        data = self.http.get_json(f"{self._messages}/{sid}/Media.json")
        items = data.get("media_list") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BadResponse("Twilio's media list has no 'media_list'", "")
        found = []
        for item in items:
            if not isinstance(item, dict):
                raise BadResponse(f"Twilio sent a media item that is not an object: "
                                  f"{short_repr(item)}", "")  # fmt: skip
            uri, media_sid, kind = (_text(item, k) for k in ("uri", "sid", "content_type"))
            content = uri[: -len(".json")] if uri.endswith(".json") else uri
            found.append(TwilioMedia(sid=media_sid, content_type=kind, url=self.http.url(content)))
        return found

    def create(
        self,
        to: str,
        body: str,
        *,
        media_urls: Sequence[str] = (),
        send_at: datetime | None = None,
    ) -> TwilioMessage:
        """Send a text (form-encoded, as the API requires). Raises ProviderError with
        Twilio's code on refusal (21610 opted out, 21211 bad number...) and Ambiguous
        when the answer was lost."""
        form: dict[str, str | list[str]] = {"To": to, "Body": body}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.from_number
        if media_urls:
            form["MediaUrl"] = list(media_urls)  # repeated: MediaUrl=a&MediaUrl=b
        if send_at is not None:
            form["ScheduleType"] = "fixed"
            form["SendAt"] = send_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        response = self.http.request("POST", f"{self._messages}.json", idempotent=False, data=form)
        if response.status_code >= 400:
            raise error_from("Twilio", response)
        if not 200 <= response.status_code < 300:
            raise Ambiguous(
                f"Twilio answered {response.status_code} to a send",
                "its outcome is checked against the provider before any retry",
                status=response.status_code,
            )
        # Any 2xx means the provider took the text: whatever the body says, it is never
        # sent again. An answer that cannot be read is settled by looking it up.
        try:
            data = response.json()
        except (ValueError, RecursionError):
            raise Accepted("Twilio accepted the text; its answer is not JSON", sid=None) from None
        try:
            return parse_message(data)
        except BadResponse as exc:
            sid = data.get("sid") if isinstance(data, dict) else None
            status = data.get("status") if isinstance(data, dict) else None
            raise Accepted(
                f"Twilio accepted the text but its answer is unreadable ({exc.what})",
                sid=sid if isinstance(sid, str) and sid else None,
                status=status if isinstance(status, str) and status else "queued",
            ) from None


PERMANENT_SEND_ERRORS = {
    21610: "the recipient has opted out (STOP)",
    21211: "the 'To' number is not a valid phone number",
    21212: "the 'From' number is not valid",
    21401: "the number is not valid",
    21612: "texts cannot be sent between these two numbers",
    21614: "the 'To' number cannot receive texts",
    21602: "the message has no body or media",
    21617: "the body is too long",
    21623: "too many media URLs",
}


def is_permanent(error: ProviderError) -> bool:
    """A refusal that retrying cannot fix."""
    if error.code in PERMANENT_SEND_ERRORS:
        return True
    return error.status is not None and 400 <= error.status < 500 and error.status != 429
