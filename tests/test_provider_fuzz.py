"""A bad provider answer is an error, never a traceback (issue 14, point 11).

The clients' parsers are fed answers that follow the official documents' schemas
(Twilio's Message, Klaviyo's profile and event: /work/shared/PROVIDERS.md) with any
value in any field, and answers that are any JSON at all. The real clients read them
off an httpx transport that answers with the generated body (the network is the only
thing replaced): the only exception allowed out is BadResponse, and a document-
shaped answer with document-typed values parses.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convo_tui.providers.http import BadResponse, ProviderError, RetryPolicy
from convo_tui.providers.klaviyo import KlaviyoClient, parse_profile
from convo_tui.providers.twilio import TwilioClient, parse_message

from .cli_helpers import run_process

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
BASE = "http://provider.test"
ACCOUNT = "AC" + "2" * 32

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
any_json = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
# A value that is sometimes what the document says and sometimes anything.
moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1))
rfc2822 = moments.map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S +0000"))  # GMT, as documented
iso8601 = moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+00:00")) | moments.map(
    lambda d: d.isoformat(timespec="microseconds") + "Z"
)
sid = st.from_regex(r"\A(SM|MM)[0-9a-f]{32}\Z")
phone = st.from_regex(r"\A\+1[2-9][0-9]{9}\Z")


def twilio_message(typed: bool) -> st.SearchStrategy[dict[str, Any]]:
    """The Message resource's fields with their documented types (typed), or with
    documented-or-any values (not typed)."""

    def field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return good if typed else good | any_json

    return st.fixed_dictionaries(
        {
            "sid": field(sid),
            "account_sid": field(st.just(ACCOUNT)),
            "body": field(st.text(max_size=40)),
            "from": field(phone),
            "to": field(phone),
            "direction": field(
                st.sampled_from(["inbound", "outbound-api", "outbound-call", "outbound-reply"])
            ),
            "status": field(st.sampled_from(["queued", "sent", "delivered", "received"])),
            "num_segments": field(st.integers(0, 10).map(str)),
            "num_media": field(st.integers(0, 10).map(str)),
            "error_code": field(st.none() | st.integers(10000, 99999)),
            "error_message": field(st.none() | st.text(max_size=20)),
            "date_created": field(rfc2822),
            "date_sent": field(st.none() | rfc2822),
            "date_updated": field(rfc2822),
            "uri": field(st.just(f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM1.json")),
        }
    )


def klaviyo_profile(typed: bool) -> st.SearchStrategy[dict[str, Any]]:
    def field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return good if typed else good | any_json

    location = st.fixed_dictionaries(
        {
            "city": field(st.none() | st.text(max_size=10)),
            "country": field(st.none() | st.text(max_size=10)),
            "timezone": field(st.none() | st.sampled_from(["America/New_York", "Europe/Paris"])),
            "latitude": field(st.none() | st.floats(-90, 90) | st.floats(-90, 90).map(str)),
            "longitude": field(st.none() | st.floats(-180, 180)),
        }
    )
    marketing = st.fixed_dictionaries(
        {
            "can_receive_sms_marketing": field(st.booleans()),
            "consent": field(st.sampled_from(["SUBSCRIBED", "UNSUBSCRIBED", "NEVER_SUBSCRIBED"])),
            "consent_timestamp": field(st.none() | iso8601),
        }
    )
    attributes = st.fixed_dictionaries(
        {
            "phone_number": field(st.none() | phone),
            "email": field(st.none() | st.emails()),
            "first_name": field(st.none() | st.text(max_size=10)),
            "last_name": field(st.none() | st.text(max_size=10)),
            "location": field(location),
            "subscriptions": field(
                st.fixed_dictionaries(
                    {"sms": field(st.fixed_dictionaries({"marketing": marketing}))}
                )
            ),
            "updated": field(iso8601),
        }
    )
    return st.fixed_dictionaries(
        {"type": field(st.just("profile")), "id": field(st.text(min_size=1, max_size=26)),
         "attributes": field(attributes)}
    )  # fmt: skip


def klaviyo_event(typed: bool) -> st.SearchStrategy[dict[str, Any]]:
    def field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return good if typed else good | any_json

    def relation(kind: str) -> st.SearchStrategy[Any]:
        data = st.fixed_dictionaries(
            {"type": st.just(kind), "id": field(st.sampled_from(["M1", "P1"]))}
        )
        return field(st.fixed_dictionaries({"data": field(data)}))

    return st.fixed_dictionaries(
        {
            "type": field(st.just("event")),
            "id": field(st.text(min_size=1, max_size=26)),
            "attributes": field(
                st.fixed_dictionaries(
                    {
                        "datetime": field(iso8601),
                        "timestamp": field(st.integers(0, 2**33)),
                        "event_properties": field(st.dictionaries(st.text(max_size=8), scalars)),
                        "uuid": field(st.uuids().map(str)),
                    }
                )
            ),
            "relationships": field(
                st.fixed_dictionaries(
                    {"metric": relation("metric"), "profile": relation("profile")}
                )
            ),
        }
    )


def included(typed: bool) -> st.SearchStrategy[list[Any]]:
    def field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return good if typed else good | any_json

    name = field(st.sampled_from(["Placed Order", "Received SMS"]))
    metric = st.fixed_dictionaries(
        {"type": st.just("metric"), "id": st.just("M1"),
         "attributes": field(st.fixed_dictionaries({"name": name}))}
    )  # fmt: skip
    profile = st.fixed_dictionaries(
        {"type": st.just("profile"), "id": st.just("P1"),
         "attributes": field(st.fixed_dictionaries({"phone_number": field(phone)}))}
    )  # fmt: skip
    return st.lists(metric | profile | (st.nothing() if typed else any_json), max_size=3)


def answering(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.MockTransport:
    """A network that answers every request with this JSON (or these bytes)."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, content=content, headers={"Content-Type": "application/json", **(headers or {})}
        )

    return httpx.MockTransport(handle)


def policy() -> RetryPolicy:
    return RetryPolicy(attempts=1, sleep=lambda _s: None)


def twilio(transport: httpx.BaseTransport) -> TwilioClient:
    return TwilioClient(BASE, ACCOUNT, ACCOUNT, "token", policy=policy(), transport=transport)


def klaviyo(transport: httpx.BaseTransport) -> KlaviyoClient:
    return KlaviyoClient(BASE, "pk_fuzz", policy=policy(), transport=transport)


def only_bad_response(call: Callable[[], object]) -> None:
    """Run it: a BadResponse is fine, any other exception fails the test."""
    with contextlib.suppress(BadResponse):
        call()


def drain(pages: Any) -> None:
    for _page in pages:
        pass


# Twilio --------------------------------------------------------------------------


@FUZZ
@given(twilio_message(typed=True))
def test_a_documented_message_parses(data: dict[str, Any]) -> None:
    message = parse_message(data)
    assert message.sid == data["sid"]
    assert message.when is None or message.when.tzinfo is not None


@FUZZ
@given(twilio_message(typed=False) | any_json)
def test_a_message_of_any_shape_parses_or_is_a_bad_response(data: Any) -> None:
    only_bad_response(lambda: parse_message(data))


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "messages": st.lists(twilio_message(typed=False), max_size=3) | any_json,
            "next_page_uri": st.none() | any_json | st.just("/2010-04-01/next"),
            "page": any_json,
        }
    )
    | any_json
)
def test_a_message_list_of_any_shape_is_read_or_a_bad_response(data: Any) -> None:
    client = twilio(answering(data))
    only_bad_response(lambda: drain(client.list_pages()))
    only_bad_response(lambda: client.fetch("SM" + "0" * 32))


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "media_list": st.lists(
                st.fixed_dictionaries({"sid": any_json, "content_type": any_json, "uri": any_json})
                | any_json,
                max_size=3,
            )
            | any_json
        }
    )
    | any_json
)
def test_a_media_list_of_any_shape_is_read_or_a_bad_response(data: Any) -> None:
    client = twilio(answering(data))
    only_bad_response(lambda: client.media("SM" + "0" * 32))


@FUZZ
@given(
    st.fixed_dictionaries({"code": any_json, "message": any_json, "status": any_json}) | any_json,
    st.sampled_from([400, 401, 404, 429, 500]),
    st.none() | st.text(max_size=12) | st.sampled_from(["nan", "inf", "-1", "1e400"]),
)
def test_an_error_answer_of_any_shape_is_a_provider_error(
    data: Any, status: int, after: str | None
) -> None:
    headers = (
        {"Retry-After": after}
        if after is not None and after.isascii() and after.isprintable()
        else {}
    )
    client = twilio(answering(data, status, headers))
    with pytest.raises(ProviderError):
        drain(client.list_pages())
    with pytest.raises(ProviderError):
        klaviyo(answering(data, status, headers)).metrics()


@FUZZ
@given(st.binary(max_size=40))
def test_bytes_that_are_not_json_are_a_bad_response(body: bytes) -> None:
    only_bad_response(lambda: drain(twilio(answering(body)).list_pages()))


def test_deeply_nested_json_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        drain(twilio(answering(b"[" * 100_000)).list_pages())


# Klaviyo -------------------------------------------------------------------------


@FUZZ
@given(klaviyo_profile(typed=True))
def test_a_documented_profile_parses(data: dict[str, Any]) -> None:
    profile = parse_profile(data)
    assert profile.id == data["id"]
    _ = profile.latitude, profile.longitude


@FUZZ
@given(klaviyo_profile(typed=False) | any_json)
def test_a_profile_of_any_shape_parses_or_is_a_bad_response(data: Any) -> None:
    def parse() -> None:
        profile = parse_profile(data)
        _ = profile.latitude, profile.longitude

    only_bad_response(parse)


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "data": st.lists(klaviyo_profile(typed=False), max_size=3) | any_json,
            "links": st.fixed_dictionaries({"next": st.none() | any_json}) | any_json,
        }
    )
    | any_json
)
def test_a_profile_page_of_any_shape_is_read_or_a_bad_response(data: Any) -> None:
    only_bad_response(lambda: drain(klaviyo(answering(data)).profile_pages()))


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "data": st.lists(klaviyo_event(typed=True), max_size=3),
            "included": included(typed=True),
        }
    )
)
def test_a_documented_event_page_is_read(data: dict[str, Any]) -> None:
    (events,) = list(klaviyo(answering(data)).event_pages())
    assert [e.id for e in events] == [item["id"] for item in data["data"]]


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "data": st.lists(klaviyo_event(typed=False) | any_json, max_size=3) | any_json,
            "included": included(typed=False) | any_json,
            "links": any_json,
        }
    )
    | any_json
)
def test_an_event_page_of_any_shape_is_read_or_a_bad_response(data: Any) -> None:
    only_bad_response(lambda: drain(klaviyo(answering(data)).event_pages()))


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "data": st.lists(
                st.fixed_dictionaries({"id": any_json, "attributes": any_json}) | any_json,
                max_size=3,
            )
            | any_json
        }
    )
    | any_json
)
def test_a_metric_list_of_any_shape_is_read_or_a_bad_response(data: Any) -> None:
    only_bad_response(lambda: klaviyo(answering(data)).metrics())


# The examples the issue names ----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"sid": "SM" + "1" * 32, "error_code": "abc"}, "error_code"),
        ({"sid": "SM" + "1" * 32, "date_sent": "not a date"}, "not a date"),
        ({"sid": None}, "sid"),
    ],
)
def test_the_named_bad_messages_are_bad_responses(data: dict[str, Any], says: str) -> None:
    with pytest.raises(BadResponse, match=says):
        parse_message(data)


def test_a_next_page_uri_that_is_a_number_is_a_bad_response() -> None:
    client = twilio(answering({"messages": [], "next_page_uri": 42}))
    with pytest.raises(BadResponse, match="next_page_uri"):
        drain(client.list_pages())


@pytest.mark.parametrize("variable", ["CONVO_TWILIO_BASE_URL", "CONVO_KLAVIYO_BASE_URL"])
@pytest.mark.parametrize("url", ["ftp://api.twilio.com", "file:///etc/passwd", "api.twilio.com"])
def test_a_base_url_that_is_not_http_is_refused_in_one_line(
    db_path: Path, store: Any, variable: str, url: str
) -> None:
    env = {
        **os.environ,
        "CONVO_TWILIO_BASE_URL": "http://127.0.0.1:9",
        "CONVO_TWILIO_ACCOUNT_SID": ACCOUNT,
        "CONVO_TWILIO_AUTH_TOKEN": "token",
        "CONVO_TWILIO_FROM": "+14155550199",
        "CONVO_KLAVIYO_API_KEY": "pk_x",
        variable: url,
    }
    result = run_process("sync", "--once", "--db", db_path, env=env)
    result.assert_one_line_error(variable, url, "http")
