"""A Twilio-compatible messaging client (API 2010-04-01): list, create, fetch, media."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from convo_tui.providers.http import (
    DEFAULT_TIMEOUT,
    Ambiguous,
    BadResponse,
    ProviderError,
    RetryPolicy,
    Transport,
    error_from,
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


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        raise BadResponse(f"Twilio sent a date that is not RFC 2822: {value!r}", "") from None


def _int(value: Any) -> int:
    try:
        return int(value) if value not in (None, "") else 0
    except (TypeError, ValueError):
        raise BadResponse(f"Twilio sent a count that is not a number: {value!r}", "") from None


def parse_message(data: Any) -> TwilioMessage:
    if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
        raise BadResponse("Twilio sent a message without a sid", "")
    code = data.get("error_code")
    return TwilioMessage(
        sid=data["sid"],
        from_number=str(data.get("from") or ""),
        to_number=str(data.get("to") or ""),
        body=str(data.get("body") or ""),
        direction=str(data.get("direction") or ""),
        status=str(data.get("status") or ""),
        num_segments=_int(data.get("num_segments")),
        num_media=_int(data.get("num_media")),
        error_code=int(code) if code not in (None, "") else None,
        error_message=data.get("error_message"),
        date_created=_date(data.get("date_created")),
        date_sent=_date(data.get("date_sent")),
        date_updated=_date(data.get("date_updated")),
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
    ) -> Iterator[list[TwilioMessage]]:
        """Pages of messages, newest first, following next_page_uri until it is null."""
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
        while url:
            data = self.http.get_json(url, **kwargs)
            kwargs = {}  # next_page_uri carries every parameter
            if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
                raise BadResponse("Twilio's message list has no 'messages'", "")
            yield [parse_message(item) for item in data["messages"]]
            url = data.get("next_page_uri")

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
            uri = str(item.get("uri") or "")
            content = uri[: -len(".json")] if uri.endswith(".json") else uri
            found.append(
                TwilioMedia(
                    sid=str(item.get("sid") or ""),
                    content_type=str(item.get("content_type") or ""),
                    url=self.http.url(content),
                )
            )
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
        except ValueError:
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
