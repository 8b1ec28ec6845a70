"""A Klaviyo-compatible client (JSON:API): profiles with SMS consent, events, metrics,
and the one write convo makes: unsubscribing a number that opted out here."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from convo_tui.providers.http import (
    DEFAULT_TIMEOUT,
    BadResponse,
    OnBad,
    RetryPolicy,
    Transport,
    error_from,
    parse_each,
    short_repr,
)

REVISION = "2025-10-15"
UNSUBSCRIBE_AT_MOST = 100
"""Profiles per Bulk Unsubscribe call (the API's limit)."""


def _when(value: Any, name: str = "date") -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadResponse(f"Klaviyo sent a {name} that is not a date: {short_repr(value)}", "")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadResponse(
            f"Klaviyo sent a {name} that is not ISO 8601: {short_repr(value)}", ""
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _float(value: Any) -> float | None:
    if value in (None, "") or isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)  # latitude and longitude come as strings or numbers
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _object(value: Any, what: str) -> dict[str, Any]:
    """A JSON object, or {} for null; anything else is a bad answer."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadResponse(f"Klaviyo sent {what} that is not an object: {short_repr(value)}", "")
    return value


def _text(data: dict[str, Any], key: str, what: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadResponse(f"Klaviyo sent a {what} whose {key} is not text: {short_repr(value)}", "")


@dataclass(frozen=True)
class KlaviyoProfile:
    id: str
    phone_number: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    location: dict[str, Any]
    consent: str | None
    """SUBSCRIBED, UNSUBSCRIBED or NEVER_SUBSCRIBED (None when not asked for)."""
    consent_timestamp: datetime | None
    updated: datetime | None
    locale: str | None = None
    """The profile's language and region ("en-US"), when Klaviyo has one."""

    @property
    def latitude(self) -> float | None:
        return _float(self.location.get("latitude"))

    @property
    def longitude(self) -> float | None:
        return _float(self.location.get("longitude"))


@dataclass(frozen=True)
class KlaviyoEvent:
    id: str
    metric: str
    """The metric's name ("Received SMS", "Placed Order"...)."""
    profile_id: str | None
    phone_number: str | None
    at: datetime
    properties: dict[str, Any] = field(default_factory=dict)


def parse_profile(item: Any) -> KlaviyoProfile:
    """A profile resource; BadResponse naming the field when it is not one."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise BadResponse(f"Klaviyo sent a profile without an id: {short_repr(item)}", "")
    attributes = _object(item.get("attributes"), "profile attributes")
    subscriptions = _object(attributes.get("subscriptions"), "subscriptions")
    sms = _object(_object(subscriptions.get("sms"), "SMS subscriptions").get("marketing"),
                  "SMS marketing consent")  # fmt: skip
    consent = sms.get("consent")
    return KlaviyoProfile(
        id=item["id"],
        phone_number=_text(attributes, "phone_number", "profile"),
        email=_text(attributes, "email", "profile"),
        first_name=_text(attributes, "first_name", "profile"),
        last_name=_text(attributes, "last_name", "profile"),
        location=dict(_object(attributes.get("location"), "location")),
        consent=consent if isinstance(consent, str) else None,
        consent_timestamp=_when(sms.get("consent_timestamp"), "consent_timestamp"),
        updated=_when(attributes.get("updated"), "profile's updated"),
        locale=(_text(attributes, "locale", "profile") or "")[:35] or None,
    )


def parse_event(item: Any, metrics: dict[str, str], phones: dict[str, str | None]) -> KlaviyoEvent:
    """An event resource, named by its included metric and profile."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise BadResponse(f"Klaviyo sent an event without an id: {short_repr(item)}", "")
    relationships = _object(item.get("relationships"), "event relationships")
    metric = _object(_object(relationships.get("metric"), "metric relationship").get("data"),
                     "metric relationship")  # fmt: skip
    profile = _object(_object(relationships.get("profile"), "profile relationship").get("data"),
                      "profile relationship")  # fmt: skip
    metric_id = str(metric.get("id"))
    profile_id = profile.get("id")
    if profile_id is not None and not isinstance(profile_id, str):
        raise BadResponse(f"Klaviyo sent an event profile id that is not text: "
                          f"{short_repr(profile_id)}", "")  # fmt: skip
    attributes = _object(item.get("attributes"), "event attributes")
    at = _when(attributes.get("datetime"), "event datetime")
    if at is None:
        raise BadResponse("Klaviyo sent an event without a datetime", "")
    return KlaviyoEvent(
        id=item["id"],
        metric=metrics.get(metric_id, metric_id),
        profile_id=profile_id,
        phone_number=phones.get(profile_id) if profile_id else None,
        at=at,
        properties=dict(_object(attributes.get("event_properties"), "event_properties")),
    )


class KlaviyoClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        revision: str = REVISION,
        policy: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        client = httpx.Client(
            timeout=timeout,
            headers={
                "Authorization": f"Klaviyo-API-Key {api_key}",
                "revision": revision,
                "Accept": "application/vnd.api+json",
                "User-Agent": "convo",
            },
            transport=transport,
        )
        self.http = Transport(base_url, client, "Klaviyo", policy or RetryPolicy())

    def close(self) -> None:
        self.http.client.close()

    def _pages(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        """The answers of a listing, following links.next; a next link seen before
        ends the stream with BadResponse (a loop)."""
        url: str | None = path
        kwargs: dict[str, Any] = {"params": params}
        seen: set[str] = set()
        while url:
            data = self.http.get_json(url, **kwargs)
            kwargs = {}  # links.next carries the cursor and every parameter
            if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                raise BadResponse(f"Klaviyo's answer for {path} has no 'data' list", "")
            following = _object(data.get("links"), "links").get("next")
            if following is not None and not isinstance(following, str):
                raise BadResponse(f"Klaviyo sent a links.next that is not text: "
                                  f"{short_repr(following)}", "")  # fmt: skip
            yield data
            seen.add(self.http.url(url))
            if following and self.http.url(following) in seen:
                raise BadResponse(
                    f"Klaviyo's links.next for {path} points to a page already read",
                    "stopped paging there (a loop); the next round tries again",
                )
            url = following

    def profile_pages(
        self, *, updated_after: datetime | None = None, on_bad: OnBad | None = None
    ) -> Iterator[list[KlaviyoProfile]]:
        # Sorted by `updated` so that the cursor saved after each page covers it.
        params = {
            "additional-fields[profile]": "subscriptions",
            "page[size]": "100",
            "sort": "updated",
        }
        if updated_after is not None:
            params["filter"] = f"greater-than(updated,{_iso(updated_after)})"
        for page in self._pages("/api/profiles", params):
            yield parse_each(page["data"], parse_profile, on_bad)

    def metrics(self) -> dict[str, str]:
        """Metric id → name (metrics cannot be filtered by name: list them all)."""
        found: dict[str, str] = {}
        for page in self._pages("/api/metrics", {}):
            for item in page["data"]:
                item = _object(item, "a metric")
                name = _object(item.get("attributes"), "metric attributes").get("name")
                found[str(item.get("id"))] = str(name)
        return found

    def event_pages(
        self, *, after: datetime | None = None, on_bad: OnBad | None = None
    ) -> Iterator[list[KlaviyoEvent]]:
        """Events oldest first, with their metric name and the profile's phone number."""
        params = {"include": "metric,profile", "sort": "datetime"}
        if after is not None:
            params["filter"] = f"greater-than(datetime,{_iso(after)})"
        for page in self._pages("/api/events", params):
            metrics: dict[str, str] = {}
            phones: dict[str, str | None] = {}
            included = page.get("included") or []
            if not isinstance(included, list):
                raise BadResponse(f"Klaviyo sent an 'included' that is not a list: "
                                  f"{short_repr(included)}", "")  # fmt: skip
            for inc in included:
                inc = _object(inc, "an included resource")
                attributes = _object(inc.get("attributes"), "included attributes")
                if inc.get("type") == "metric":
                    metrics[str(inc.get("id"))] = str(attributes.get("name"))
                elif inc.get("type") == "profile":
                    phones[str(inc.get("id"))] = _text(attributes, "phone_number", "profile")
            parse = functools.partial(parse_event, metrics=metrics, phones=phones)
            yield parse_each(page["data"], parse, on_bad)

    def unsubscribe_sms(self, phones: list[str]) -> None:
        """Unsubscribe these E.164 numbers from SMS marketing (Bulk Unsubscribe Profiles,
        `POST /api/profile-subscription-bulk-delete-jobs`, at most 100 a call). Without a
        list it is global, which is what an opt-out means. Asking twice leaves the same
        state, so a lost answer is simply asked again. A key without the write scopes is
        answered 403: ProviderError with status 403."""
        if not 0 < len(phones) <= UNSUBSCRIBE_AT_MOST:
            raise ValueError(f"1 to {UNSUBSCRIBE_AT_MOST} numbers a call, not {len(phones)}")
        body = {
            "data": {
                "type": "profile-subscription-bulk-delete-job",
                "attributes": {
                    "profiles": {
                        "data": [
                            {
                                "type": "profile",
                                "attributes": {
                                    "phone_number": phone,
                                    "subscriptions": {
                                        "sms": {"marketing": {"consent": "UNSUBSCRIBED"}}
                                    },
                                },
                            }
                            for phone in phones
                        ]
                    }
                },
            }
        }
        response = self.http.request(
            "POST",
            "/api/profile-subscription-bulk-delete-jobs",
            idempotent=True,
            json=body,
            headers={"Content-Type": "application/vnd.api+json"},
        )
        if response.status_code != 202:
            raise error_from("Klaviyo", response)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
