"""HTTP plumbing shared by the provider clients: timeouts, safe retries, backoff.

A request is retried only when that cannot cause a second effect:
- 429 (the provider did not process it), on any method;
- 5xx, timeouts while reading, dropped connections and broken JSON, on reads only;
- connection errors before the request was sent (connect failures), on any method.
A POST whose fate is unknown (a 5xx, a read timeout, a dropped connection)
raises `Ambiguous`: the caller must look at the provider's own records before
trying again, or it may send the same text twice.

A request gives up after `RetryPolicy.budget` seconds of failed tries (rate-limit
waits the provider asked for do not count), and once a provider could not be
reached it is not asked again until `Transport.reset()` (the next sync round): a
provider that accepts connections and never answers costs a round one request's
tries, not one for every page and every pending delivery.

Every try is bounded whatever the provider does: a deadline for the whole answer
(httpx's timeouts count per read, so a body at one byte a second never trips them),
a size limit (the body is streamed and reading stops past it), and a cap on the
Retry-After a round waits on (above it the request fails at once, to be tried again
next round). Paging loops are refused by the clients (a page link seen before).
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from convo_tui.errors import ConvoError

log = logging.getLogger("convo.providers")
T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
"""Per read (and per connect): a provider silent for 15 s fails the try."""
REQUEST_DEADLINE = 60.0
"""Seconds for one try from connect to the last byte. A page of 1,000 texts is a few
MB, which takes seconds even on a slow link; a body trickling in for longer is a broken
or hostile server, and a sync round must not hang on it."""
MAX_ANSWER_BYTES = 32 * 2**20
"""Bytes of one answer, decoded. The largest real answers (a page of 1,000 texts of
1,600 characters) are under 5 MiB; reading stops past this, so an endless body cannot
grow the process."""
MAX_RETRY_AFTER = 120.0
"""Seconds of Retry-After a request waits on. A provider asking for more is not waited
on: the request fails now and the next round (seconds later) asks again."""


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


OnBad = Callable[[Any, str], None]
"""Told about a record that does not parse (the raw item, the reason), which is then
skipped: one bad record must not stop a stream."""


def short_repr(value: Any) -> str:
    """A provider value for an error line: its repr, cut (shown literally)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def parse_each(items: list[Any], parse: Callable[[Any], T], on_bad: OnBad | None) -> list[T]:
    """The records of a page parsed; a bad one raises BadResponse, or with `on_bad` is
    handed to it and skipped."""
    found = []
    for item in items:
        try:
            found.append(parse(item))
        except BadResponse as exc:
            if on_bad is None:
                raise
            on_bad(item, exc.what)
    return found


class TooLarge(BadResponse):
    """An answer past the size limit (reading it stopped there)."""


class RetryLater(ProviderError):
    """The provider asked for a wait longer than a round waits (a 429 with a long
    Retry-After): not processed, safe to try again next round."""


def mib(size: int) -> str:
    return f"{size / 2**20:g} MiB"


@dataclass
class RetryPolicy:
    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    sleep: Callable[[float], object] = field(default=time.sleep)
    rng: random.Random = field(default_factory=random.Random)
    budget: float = 45.0
    """Seconds of failed tries (timeouts, backoff) after which a request gives up."""
    deadline: float = REQUEST_DEADLINE
    """Seconds for one try, connect to last byte (REQUEST_DEADLINE)."""
    max_bytes: int = MAX_ANSWER_BYTES
    """Bytes of one answer (MAX_ANSWER_BYTES)."""
    max_retry_after: float = MAX_RETRY_AFTER
    """Seconds of Retry-After waited on; more fails the request as retry-later."""

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Jittered exponential backoff; a Retry-After from the provider wins (capped)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        backoff: float = min(self.cap, self.base * 2**attempt)
        return backoff * self.rng.uniform(0.5, 1.0)


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(seconds, 0.0)  # "inf" is over any cap
    try:
        moment = parsedate_to_datetime(value)
        return max(moment.timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class DeadlinePassed(Exception):
    """The try's deadline passed while its answer was still coming (internal)."""


@dataclass(frozen=True)
class Attempt:
    """One try of a request, for whoever watches sync health (no secrets in it: the
    path without its query, the status, a short reason)."""

    provider: str
    method: str
    path: str
    outcome: str
    """answered (any HTTP answer but a 429), rate_limited or failed (no answer, a 5xx)."""
    status: int | None = None
    reason: str = ""
    wait: float = 0.0
    """Seconds the client now waits before trying again (0: it does not)."""
    retry_after: float | None = None
    """The provider's Retry-After, when it gave one."""


@dataclass
class Transport:
    """One provider endpoint: base URL, an httpx client, the retry policy."""

    base_url: str
    client: httpx.Client
    name: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    waits: list[float] = field(default_factory=list)
    """Seconds waited on rate limits and backoff, for the progress display."""
    observer: Callable[[Attempt], None] | None = None
    """Told about every try as it ends (sync health)."""
    down: str | None = None
    """Why the provider could not be reached; requests fail at once until `reset()`."""

    def reset(self) -> None:
        """A new round: try the provider again."""
        self.down = None

    def _tell(self, attempt: Attempt) -> None:
        if self.observer is not None:
            self.observer(attempt)

    def url(self, path_or_url: str) -> str:
        """An absolute URL under the base URL; a link that leaves it is refused."""
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise ProviderError(
                f"the {self.name} base URL {self.base_url!r} is not an http(s) URL",
                "set it to https://… (or the sandbox's http://127.0.0.1:…)",
            )
        if not isinstance(path_or_url, str):
            raise BadResponse(f"{self.name} gave a link that is not text: {path_or_url!r}", "")
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
        if self.down is not None:
            raise Unreachable(
                f"{self.name} at {self.base_url}: not asked again this round ({self.down})",
                "sync tries again next round",
            )
        path = urlsplit(url).path
        last: str = ""
        spent = 0.0  # seconds of failed tries and backoff, not rate-limit waits
        tries = 0
        for attempt in range(self.policy.attempts):
            tries = attempt + 1
            retry_after: float | None = None
            status: int | None = None
            began = time.monotonic()
            try:
                response = self._try(method, url, path, began, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = f"cannot connect ({type(exc).__name__})"
            except TooLarge as exc:
                self.down = exc.what
                self._tell(Attempt(self.name, method, path, "failed", exc.status, exc.what))
                if not idempotent:
                    raise Ambiguous(exc.what, "its outcome is checked against the provider "
                                    "before any retry", status=exc.status) from None  # fmt: skip
                raise
            except (httpx.TransportError, httpx.DecodingError, DeadlinePassed) as exc:
                last = (
                    f"no complete answer within {self.policy.deadline:g}s (the request deadline)"
                    if isinstance(exc, DeadlinePassed)
                    else f"no answer ({type(exc).__name__})"
                )
                if not idempotent:
                    self._tell(Attempt(self.name, method, path, "failed", reason=last))
                    raise Ambiguous(
                        f"{self.name}: the answer to {method} was lost ({type(exc).__name__})",
                        "its outcome is checked against the provider before any retry",
                    ) from None
            else:
                status = response.status_code
                if status == 429:
                    retry_after = retry_after_seconds(response)
                    last = "rate limited (429)"
                    if retry_after is not None and retry_after > self.policy.max_retry_after:
                        self._refuse_wait(method, path, retry_after)
                elif status >= 500:
                    last = f"server error {status}"
                    if not idempotent:
                        self._tell(Attempt(self.name, method, path, "failed", status, last))
                        raise Ambiguous(
                            f"{self.name}: {method} answered {status}",
                            "its outcome is checked against the provider before any retry",
                            status=status,
                        )
                else:
                    self._tell(Attempt(self.name, method, path, "answered", status))
                    return response
            limited = status == 429
            if not limited:
                spent += time.monotonic() - began
            more = attempt + 1 < self.policy.attempts and (limited or spent < self.policy.budget)
            wait = self.policy.delay(attempt, retry_after) if more else 0.0
            outcome = "rate_limited" if limited else "failed"
            self._tell(Attempt(self.name, method, path, outcome, status, last, wait, retry_after))
            if not more:
                break
            log.info("%s: %s; retrying in %.1fs", self.name, last, wait)
            self.waits.append(wait)
            if not limited:
                spent += wait
            self.policy.sleep(wait)
        self.down = last
        raise Unreachable(
            f"{self.name} at {self.base_url}: {last} after {tries} attempt{'s' * (tries != 1)}",
            "check the network and the provider's status; sync tries again next round",
        )

    def _try(self, method: str, url: str, path: str, began: float, **kwargs: Any) -> httpx.Response:
        """One try, its answer read whole within the deadline and the size limit."""
        policy = self.policy
        ends = began + policy.deadline
        per_read = self.client.timeout.read
        timeout = httpx.Timeout(
            self.client.timeout.connect,
            read=min(per_read, policy.deadline) if per_read is not None else policy.deadline,
            write=self.client.timeout.write,
            pool=self.client.timeout.pool,
        )
        try:
            request = self.client.build_request(method, url, timeout=timeout, **kwargs)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            # The base URL is checked in url(): what is left came from the provider.
            raise BadResponse(
                f"{self.name} gave a link convo cannot ask: {url!r} ({exc})", ""
            ) from None
        response = self.client.send(request, stream=True)
        try:
            limit = f"{method} {path} is larger than the size limit ({mib(policy.max_bytes)})"
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > policy.max_bytes:
                raise TooLarge(
                    f"{self.name}'s answer to {limit}: not read",
                    "sync tries again next round",
                    status=response.status_code,
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():  # decoded: a gzip bomb counts in full
                size += len(chunk)
                if size > policy.max_bytes:
                    raise TooLarge(
                        f"{self.name}'s answer to {limit}: stopped reading it",
                        "sync tries again next round",
                        status=response.status_code,
                    )
                if time.monotonic() > ends:
                    raise DeadlinePassed
                chunks.append(chunk)
            response._content = b"".join(chunks)  # what response.read() would keep
        finally:
            response.close()
        return response

    def _refuse_wait(self, method: str, path: str, retry_after: float) -> None:
        """A 429 asking for longer than a round waits: fail now, as retry-later."""
        cap = self.policy.max_retry_after
        asked = f"{retry_after:.0f}s" if math.isfinite(retry_after) else "for ever"
        what = (
            f"{self.name} asked to wait {asked} (Retry-After) on {method} {path}, "
            f"more than the {cap:g}s a round waits"
        )
        self.down = what
        self._tell(Attempt(self.name, method, path, "failed", 429, what, 0.0, retry_after))
        raise RetryLater(what, "not waited on: the next round tries again", status=429)

    def get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        """GET and decode JSON; a truncated or invalid body is retried like a 5xx."""
        for attempt in range(self.policy.attempts):
            response = self.request("GET", path_or_url, idempotent=True, **kwargs)
            if response.status_code >= 400:
                raise error_from(self.name, response)
            try:
                return response.json()
            except (ValueError, RecursionError):  # RecursionError: nested too deep
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
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        if "code" in body:  # Twilio: {"code", "message", "more_info", "status"}
            raw = body.get("code")
            if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
                code = raw
            elif isinstance(raw, str) and raw.isascii() and raw.isdigit():
                code = int(raw)
            message = str(body.get("message") or message)
        elif isinstance(body.get("errors"), list) and body["errors"]:  # Klaviyo JSON:API
            first = body["errors"][0]
            if isinstance(first, dict):
                message = str(first.get("detail") or first.get("title") or message)
    message = message[:300]
    fix = "check the credentials in the config file" if response.status_code in (401, 403) else ""
    return ProviderError(
        f"{name} answered {response.status_code}"
        + (f" (code {code})" if code else "")
        + f": {message}",
        fix,
        status=response.status_code,
        code=code,
    )
