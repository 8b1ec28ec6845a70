"""HTTP plumbing shared by the provider clients: timeouts, safe retries, backoff.

A request is retried only when that cannot cause a second effect:
- 429 (the provider did not process it), on any method;
- 5xx, timeouts while reading, dropped connections and broken JSON, on reads only;
- connection errors before the request was sent (connect failures), on any method.
A POST whose fate is unknown (a 5xx, a read timeout, a dropped connection)
raises `Ambiguous`: the caller must look at the provider's own records before
trying again, or it may send the same text twice.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from convo_tui.errors import ConvoError

log = logging.getLogger("convo.providers")

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
MAX_RETRY_AFTER = 120.0


class ProviderError(ConvoError):
    """A provider refused or failed a request, with its own code when it gave one."""

    def __init__(
        self, what: str, fix: str = "", *, status: int | None = None, code: int | None = None
    ) -> None:
        super().__init__(what, fix)
        self.status = status
        self.code = code


class Unreachable(ProviderError):
    """The provider could not be reached, or kept failing after the retries."""


class Ambiguous(ProviderError):
    """A request that may or may not have taken effect (a POST whose answer was lost)."""


class BadResponse(ProviderError):
    """The provider answered something that is not what its API promises."""


@dataclass
class RetryPolicy:
    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Jittered exponential backoff; a Retry-After from the provider wins (capped)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        backoff: float = min(self.cap, self.base * 2**attempt)
        return backoff * self.rng.uniform(0.5, 1.0)


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


@dataclass
class Transport:
    """One provider endpoint: base URL, an httpx client, the retry policy."""

    base_url: str
    client: httpx.Client
    name: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    waits: list[float] = field(default_factory=list)
    """Seconds waited on rate limits and backoff, for the progress display."""

    def url(self, path_or_url: str) -> str:
        """An absolute URL under the base URL; a link that leaves it is refused."""
        target = urljoin(self.base_url.rstrip("/") + "/", path_or_url.lstrip("/"))
        if path_or_url.startswith(("http://", "https://")):
            target = path_or_url
        base, other = urlsplit(self.base_url), urlsplit(target)
        if (base.scheme, base.netloc) != (other.scheme, other.netloc) or not other.path.startswith(
            base.path.rstrip("/")
        ):
            raise BadResponse(
                f"{self.name} gave a link outside its base URL ({other.scheme}://{other.netloc})",
                "refused to follow it; check the provider base URL setting",
            )
        return target

    def request(
        self, method: str, path_or_url: str, *, idempotent: bool, **kwargs: Any
    ) -> httpx.Response:
        url = self.url(path_or_url)
        last: str = ""
        for attempt in range(self.policy.attempts):
            retry_after: float | None = None
            try:
                response = self.client.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = f"cannot connect ({type(exc).__name__})"
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                if not idempotent:
                    raise Ambiguous(
                        f"{self.name}: the answer to {method} was lost ({type(exc).__name__})",
                        "its outcome is checked against the provider before any retry",
                    ) from None
                last = f"{type(exc).__name__}"
            else:
                if response.status_code == 429:
                    retry_after = retry_after_seconds(response)
                    last = "rate limited (429)"
                elif response.status_code >= 500:
                    if not idempotent:
                        raise Ambiguous(
                            f"{self.name}: {method} answered {response.status_code}",
                            "its outcome is checked against the provider before any retry",
                            status=response.status_code,
                        )
                    last = f"server error {response.status_code}"
                else:
                    return response
            if attempt + 1 < self.policy.attempts:
                wait = self.policy.delay(attempt, retry_after)
                log.info("%s: %s; retrying in %.1fs", self.name, last, wait)
                self.waits.append(wait)
                self.policy.sleep(wait)
        raise Unreachable(
            f"{self.name} at {self.base_url}: {last} after {self.policy.attempts} attempts",
            "check the network and the provider's status; sync tries again next round",
        )

    def get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        """GET and decode JSON; a truncated or invalid body is retried like a 5xx."""
        for attempt in range(self.policy.attempts):
            response = self.request("GET", path_or_url, idempotent=True, **kwargs)
            if response.status_code >= 400:
                raise error_from(self.name, response)
            try:
                return response.json()
            except ValueError:
                if attempt + 1 == self.policy.attempts:
                    raise BadResponse(
                        f"{self.name} answered invalid JSON for {path_or_url}",
                        "sync tries again next round",
                    ) from None
                self.policy.sleep(self.policy.delay(attempt, None))
        raise AssertionError("unreachable")


def error_from(name: str, response: httpx.Response) -> ProviderError:
    """A ProviderError from an error answer, with the provider's code and message."""
    code: int | None = None
    message = response.reason_phrase
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if "code" in body:  # Twilio: {"code", "message", "more_info", "status"}
            raw = body.get("code")
            code = int(raw) if isinstance(raw, int | str) and str(raw).isdigit() else None
            message = str(body.get("message") or message)
        elif isinstance(body.get("errors"), list) and body["errors"]:  # Klaviyo JSON:API
            first = body["errors"][0]
            message = str(first.get("detail") or first.get("title") or message)
    fix = "check the credentials in the config file" if response.status_code in (401, 403) else ""
    return ProviderError(
        f"{name} answered {response.status_code}"
        + (f" (code {code})" if code else "")
        + f": {message}",
        fix,
        status=response.status_code,
        code=code,
    )
