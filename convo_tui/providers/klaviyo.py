"""A Klaviyo-compatible client (JSON:API): profiles with SMS consent, events, metrics."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from convo_tui.providers.http import DEFAULT_TIMEOUT, BadResponse, RetryPolicy, Transport

REVISION = "2025-10-15"


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadResponse(f"Klaviyo sent a date that is not ISO 8601: {value!r}", "") from None


def _float(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)  # latitude and longitude come as strings or numbers
    except (TypeError, ValueError):
        return None


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
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise BadResponse("Klaviyo sent a profile without an id", "")
    attributes = item.get("attributes") or {}
    sms = ((attributes.get("subscriptions") or {}).get("sms") or {}).get("marketing") or {}
    return KlaviyoProfile(
        id=item["id"],
        phone_number=attributes.get("phone_number"),
        email=attributes.get("email"),
        first_name=attributes.get("first_name"),
        last_name=attributes.get("last_name"),
        location=dict(attributes.get("location") or {}),
        consent=sms.get("consent"),
        consent_timestamp=_when(sms.get("consent_timestamp")),
        updated=_when(attributes.get("updated")),
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
        url: str | None = path
        kwargs: dict[str, Any] = {"params": params}
        while url:
            data = self.http.get_json(url, **kwargs)
            kwargs = {}  # links.next carries the cursor and every parameter
            if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                raise BadResponse(f"Klaviyo's answer for {path} has no 'data' list", "")
            yield data
            url = (data.get("links") or {}).get("next")

    def profile_pages(
        self, *, updated_after: datetime | None = None
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
            yield [parse_profile(item) for item in page["data"]]

    def metrics(self) -> dict[str, str]:
        """Metric id → name (metrics cannot be filtered by name: list them all)."""
        found: dict[str, str] = {}
        for page in self._pages("/api/metrics", {}):
            for item in page["data"]:
                found[str(item.get("id"))] = str((item.get("attributes") or {}).get("name"))
        return found

    def event_pages(self, *, after: datetime | None = None) -> Iterator[list[KlaviyoEvent]]:
        """Events oldest first, with their metric name and the profile's phone number."""
        params = {"include": "metric,profile", "sort": "datetime"}
        if after is not None:
            params["filter"] = f"greater-than(datetime,{_iso(after)})"
        for page in self._pages("/api/events", params):
            metrics: dict[str, str] = {}
            phones: dict[str, str | None] = {}
            for inc in page.get("included") or []:
                attributes = inc.get("attributes") or {}
                if inc.get("type") == "metric":
                    metrics[str(inc.get("id"))] = str(attributes.get("name"))
                elif inc.get("type") == "profile":
                    phones[str(inc.get("id"))] = attributes.get("phone_number")
            events = []
            for item in page["data"]:
                relationships = item.get("relationships") or {}
                metric_id = str(((relationships.get("metric") or {}).get("data") or {}).get("id"))
                profile_id = ((relationships.get("profile") or {}).get("data") or {}).get("id")
                attributes = item.get("attributes") or {}
                at = _when(attributes.get("datetime"))
                if at is None:
                    raise BadResponse("Klaviyo sent an event without a datetime", "")
                events.append(
                    KlaviyoEvent(
                        id=str(item.get("id")),
                        metric=metrics.get(metric_id, metric_id),
                        profile_id=profile_id,
                        phone_number=phones.get(profile_id) if profile_id else None,
                        at=at,
                        properties=dict(attributes.get("event_properties") or {}),
                    )
                )
            yield events


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
