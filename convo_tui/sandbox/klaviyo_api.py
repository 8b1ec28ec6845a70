"""Klaviyo's profiles, events and metrics APIs (JSON:API), as the sandbox serves them.

Shapes follow the official OpenAPI slices in shared/specs/ (klaviyo_profiles,
klaviyo_events, klaviyo_metrics); tests validate the answers against them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from convo_tui.sandbox.wire import Answer, Request, json_answer
from convo_tui.sandbox.world import Event, Profile, World, iso

JSONAPI = "application/vnd.api+json"
UNSUBSCRIBE = "/api/profile-subscription-bulk-delete-jobs"
UNSUBSCRIBE_TYPE = "profile-subscription-bulk-delete-job"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
REVISION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.pre)?$")
T = TypeVar("T")


def errors(status: int, code: str, title: str, detail: str, **source: str) -> Answer:
    body: dict[str, Any] = {
        "errors": [
            {
                "id": f"sandbox-{status}-{code}",
                "status": status,
                "code": code,
                "title": title,
                "detail": detail,
                "source": source or {"pointer": "/data/"},
            }
        ]
    }
    return json_answer(status, body, JSONAPI)


def bad(detail: str, parameter: str) -> Answer:
    return errors(400, "invalid", "Invalid input.", detail, parameter=parameter)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError("page[cursor] is not a cursor this API gave") from None
    if not text.startswith("o:") or not text[2:].isdigit():
        raise ValueError("page[cursor] is not a cursor this API gave")
    return int(text[2:])


# Filters: `greater-than(datetime,2026-01-01T00:00:00Z)`, combined with and(...).
CONDITION = re.compile(r"(?P<op>[a-z-]+)\((?P<field>[a-z_]+),(?P<value>[^()]*)\)")


def parse_filter(text: str | None, allowed: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    if not text:
        return []
    inner = text.strip()
    if inner.startswith("and(") and inner.endswith(")"):
        inner = inner[4:-1]
    found = []
    position = 0
    for match in CONDITION.finditer(inner):
        gap = inner[position : match.start()].strip().strip(",")
        if gap:
            raise ValueError(f"cannot parse the filter near {gap!r}")
        position = match.end()
        op, name, value = match["op"], match["field"], match["value"].strip().strip("'\"")
        if name not in allowed or op not in allowed[name]:
            raise ValueError(f"'{op}' is not a valid operator for '{name}'")
        found.append((op, name, value))
    if inner[position:].strip().strip(","):
        raise ValueError(f"cannot parse the filter {text!r}")
    if not found:
        raise ValueError(f"cannot parse the filter {text!r}")
    return found


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "equals":
        return bool(left == right)
    if left is None:
        return False
    return bool(
        {
            "greater-than": left > right,
            "greater-or-equal": left >= right,
            "less-than": left < right,
            "less-or-equal": left <= right,
        }[op]
    )


def _when(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 datetime") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class KlaviyoApi:
    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request, now: datetime, *, may_write: bool = True) -> Answer:
        path = request.path.rstrip("/")
        if request.method == "POST" and path == UNSUBSCRIBE:
            if not may_write:
                return errors(
                    403,
                    "permission_denied",
                    "You do not have permission to perform this action.",
                    "This API key is missing required scopes: subscriptions:write, "
                    "profiles:write, lists:write.",
                )
            return self._unsubscribe(request, now)
        if request.method != "GET":
            return errors(
                405,
                "method_not_allowed",
                "Method not allowed.",
                f"{request.method} is not allowed on this sandbox.",
            )
        try:
            if path == "/api/profiles":
                return self._profiles(request)
            if path.startswith("/api/profiles/"):
                return self._profile(request, path.rsplit("/", 1)[1])
            if path == "/api/events":
                return self._events(request)
            if path == "/api/metrics":
                return self._metrics(request)
        except ValueError as exc:
            return bad(str(exc), "filter")
        return errors(404, "not_found", "Not found.", f"{request.path} was not found.")

    # Writes -----------------------------------------------------------------

    def _unsubscribe(self, request: Request, now: datetime) -> Answer:
        """Bulk Unsubscribe Profiles: SMS marketing consent to UNSUBSCRIBED for up to 100
        numbers; 202 with no body (the job runs at once here)."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in (JSONAPI, "application/json"):
            return errors(
                415,
                "unsupported_media_type",
                "Unsupported media type.",
                f"Unsupported media type {kind!r} in request.",
            )
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return errors(400, "parse_error", "Malformed request.", "JSON parse error.")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get("type") != UNSUBSCRIBE_TYPE:
            return errors(
                409,
                "conflict",
                "Conflict.",
                f"The resource object's type must be {UNSUBSCRIBE_TYPE!r}.",
                pointer="/data/type",
            )
        profiles = ((data.get("attributes") or {}).get("profiles") or {}).get("data")
        if not isinstance(profiles, list) or not profiles:
            return bad("profiles.data must be a non-empty list.", "profiles")
        if len(profiles) > 100:
            return bad("At most 100 profiles may be unsubscribed per call.", "profiles")
        phones: list[str] = []
        for index, item in enumerate(profiles):
            attributes = item.get("attributes") if isinstance(item, dict) else None
            where = f"/data/attributes/profiles/data/{index}"
            if not isinstance(attributes, dict) or item.get("type") != "profile":
                return errors(400, "invalid", "Invalid input.", "Not a profile.", pointer=where)
            sms = ((attributes.get("subscriptions") or {}).get("sms") or {}).get("marketing")
            phone = attributes.get("phone_number")
            if not isinstance(sms, dict) or sms.get("consent") != "UNSUBSCRIBED":
                return errors(
                    400,
                    "invalid",
                    "Invalid input.",
                    "subscriptions.sms.marketing.consent must be 'UNSUBSCRIBED'.",
                    pointer=f"{where}/attributes/subscriptions",
                )
            if not isinstance(phone, str) or not E164.match(phone):
                return errors(
                    400,
                    "invalid",
                    "Invalid input.",
                    f"Invalid phone number format {phone!r}: it must be in E.164 format.",
                    pointer=f"{where}/attributes/phone_number",
                )
            phones.append(phone)
        for phone in phones:
            self.world.unsubscribe_sms(phone, now)
        return Answer(202, b"", JSONAPI)

    # Paging -----------------------------------------------------------------

    def _page(
        self,
        request: Request,
        items: Sequence[T],
        *,
        default: int,
        maximum: int,
        render: Callable[[T], dict[str, Any]],
        extra: dict[str, Any] | None = None,
    ) -> Answer:
        raw = request.param("page[size]")
        try:
            size = int(raw) if raw else default
        except ValueError:
            return bad("page[size] must be an integer", "page[size]")
        if not 1 <= size <= maximum:
            return bad(f"page[size] must be between 1 and {maximum}", "page[size]")
        try:
            start = _offset(request.param("page[cursor]"))
        except ValueError as exc:
            return bad(str(exc), "page[cursor]")
        if request.headers.get("x-sandbox-duplicate") and start > 0:
            start -= 1
        chunk = items[start : start + size]
        kept = [(k, v) for k, v in request.query if k != "page[cursor]"]
        here = f"{request.base_url}{request.path}"
        links: dict[str, Any] = {
            "self": f"{here}?{urlencode(request.query)}" if request.query else here
        }
        if start + size < len(items):
            links["next"] = f"{here}?{urlencode([*kept, ('page[cursor]', _cursor(start + size))])}"
        if start > 0:
            prev = max(start - size, 0)
            links["prev"] = f"{here}?{urlencode([*kept, ('page[cursor]', _cursor(prev))])}"
        body: dict[str, Any] = {"data": [render(item) for item in chunk], "links": links}
        if extra is not None:
            body.update(extra(chunk) if callable(extra) else extra)
        return json_answer(200, body, JSONAPI)

    # Profiles ---------------------------------------------------------------

    def _profiles(self, request: Request) -> Answer:
        conditions = parse_filter(
            request.param("filter"),
            {
                "id": {"equals"},
                "email": {"equals"},
                "phone_number": {"equals"},
                "external_id": {"equals"},
                "created": {"greater-than", "less-than"},
                "updated": {"greater-than", "less-than"},
            },
        )
        subscriptions = "subscriptions" in (request.param("additional-fields[profile]") or "")
        with self.world.lock:
            profiles = list(self.world.profiles.values())
        for op, name, value in conditions:
            wanted: Any = _when(value) if name in ("created", "updated") else value
            profiles = [p for p in profiles if _compare(op, _profile_field(p, name), wanted)]
        sort = request.param("sort") or "id"
        key = sort.lstrip("-")
        if key not in ("id", "created", "updated", "email"):
            return bad(f"'{sort}' is not a valid sort field", "sort")
        profiles.sort(
            key=lambda p: (_profile_field(p, key) or "", p.id), reverse=sort.startswith("-")
        )
        return self._page(
            request,
            profiles,
            default=20,
            maximum=100,
            render=lambda p: self.profile_json(request, p, subscriptions),
        )

    def _profile(self, request: Request, profile_id: str) -> Answer:
        with self.world.lock:
            profile = self.world.profiles.get(profile_id)
        if profile is None:
            return errors(404, "not_found", "Not found.", f"No profile with id {profile_id}.")
        subscriptions = "subscriptions" in (request.param("additional-fields[profile]") or "")
        body = {
            "data": self.profile_json(request, profile, subscriptions),
            "links": {"self": f"{request.base_url}{request.path}"},
        }
        return json_answer(200, body, JSONAPI)

    def profile_json(self, request: Request, p: Profile, subscriptions: bool) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "email": p.email,
            "phone_number": p.phone,
            "external_id": None,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "organization": None,
            "locale": None,
            "title": None,
            "image": None,
            "created": iso(p.created),
            "updated": iso(p.updated),
            "last_event_date": None,
            "location": p.location,
            "properties": {},
        }
        if subscriptions:
            consented = p.consent == "SUBSCRIBED"
            attributes["subscriptions"] = {
                "sms": {
                    "marketing": {
                        "can_receive_sms_marketing": consented,
                        "consent": p.consent,
                        "consent_timestamp": iso(p.consent_at),
                        "method": "TEXT" if p.consent != "NEVER_SUBSCRIBED" else None,
                        "method_detail": None,
                        "last_updated": iso(p.consent_at),
                    }
                }
                if p.phone
                else None
            }
        return {
            "type": "profile",
            "id": p.id,
            "attributes": attributes,
            "links": {"self": f"{request.base_url}/api/profiles/{p.id}/"},
        }

    # Events -----------------------------------------------------------------

    def _events(self, request: Request) -> Answer:
        compare = {"greater-than", "greater-or-equal", "less-than", "less-or-equal"}
        conditions = parse_filter(
            request.param("filter"),
            {
                "datetime": compare,
                "timestamp": compare,
                "metric_id": {"equals"},
                "profile_id": {"equals"},
            },
        )
        events = self.world.events_in_order()
        for op, name, value in conditions:
            if name == "datetime":
                moment = _when(value)
                events = [e for e in events if _compare(op, e.at, moment)]
            elif name == "timestamp":
                stamp = int(value) if value.isdigit() else int(_when(value).timestamp())
                events = [e for e in events if _compare(op, int(e.at.timestamp()), stamp)]
            elif name == "metric_id":
                events = [e for e in events if e.metric_id == value]
            else:
                events = [e for e in events if e.profile_id == value]
        sort = request.param("sort") or "timestamp"
        if sort.lstrip("-") not in ("datetime", "timestamp"):
            return bad(f"'{sort}' is not a valid sort field", "sort")
        if sort.startswith("-"):
            events.reverse()
        include = {part for part in (request.param("include") or "").split(",") if part}
        if include - {"metric", "profile", "attributions"}:
            return bad(f"'{request.param('include')}' is not a valid include", "include")

        def included(chunk: Sequence[Event]) -> dict[str, Any]:
            found: dict[tuple[str, str], dict[str, Any]] = {}
            for event in chunk:
                if "metric" in include:
                    metric = self.world.metrics[event.metric_id]
                    found[("metric", metric.id)] = self.metric_json(request, metric.id)
                if "profile" in include and event.profile_id in self.world.profiles:
                    found[("profile", event.profile_id)] = self.profile_json(
                        request, self.world.profiles[event.profile_id], False
                    )
            return {"included": list(found.values())} if include else {}

        return self._page(
            request,
            events,
            default=200,
            maximum=1000,
            render=lambda e: self.event_json(request, e),
            extra=included,  # type: ignore[arg-type]
        )

    def event_json(self, request: Request, e: Event) -> dict[str, Any]:
        base = f"{request.base_url}/api/events/{e.id}"
        return {
            "type": "event",
            "id": e.id,
            "attributes": {
                "timestamp": int(e.at.timestamp()),
                "event_properties": e.properties,
                "datetime": iso(e.at),
                "uuid": e.uuid,
            },
            "relationships": {
                "profile": {
                    "data": {"type": "profile", "id": e.profile_id},
                    "links": {
                        "self": f"{base}/relationships/profile/",
                        "related": f"{base}/profile/",
                    },
                },
                "metric": {
                    "data": {"type": "metric", "id": e.metric_id},
                    "links": {
                        "self": f"{base}/relationships/metric/",
                        "related": f"{base}/metric/",
                    },
                },
            },
            "links": {"self": f"{base}/"},
        }

    # Metrics ----------------------------------------------------------------

    def _metrics(self, request: Request) -> Answer:
        if request.param("filter"):
            parse_filter(
                request.param("filter"),
                {"integration.name": {"equals"}, "integration.category": {"equals"}},
            )
        with self.world.lock:
            ids = sorted(self.world.metrics)
        return self._page(
            request,
            ids,
            default=200,
            maximum=200,
            render=lambda metric_id: self.metric_json(request, metric_id),
        )

    def metric_json(self, request: Request, metric_id: str) -> dict[str, Any]:
        metric = self.world.metrics[metric_id]
        return {
            "type": "metric",
            "id": metric.id,
            "attributes": {
                "name": metric.name,
                "created": iso(metric.created),
                "updated": iso(metric.created),
                "integration": {
                    "object": "integration",
                    "id": "0eMvjm",
                    "name": "API",
                    "category": "API",
                },
            },
            "links": {"self": f"{request.base_url}/api/metrics/{metric.id}/"},
        }


def _profile_field(profile: Profile, name: str) -> Any:
    return {
        "id": profile.id,
        "email": profile.email,
        "phone_number": profile.phone,
        "external_id": None,
        "created": profile.created,
        "updated": profile.updated,
    }[name]
