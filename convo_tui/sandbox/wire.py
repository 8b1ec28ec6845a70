"""Requests and answers as the sandbox's route handlers see them (no sockets here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes = b""
    base_url: str = ""

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None

    def form(self) -> list[tuple[str, str]]:
        """The form-encoded body; any other content type reads as an empty form."""
        kind = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return []
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(status: int, data: Any, content_type: str = "application/json") -> Answer:
    return Answer(status, json.dumps(data, ensure_ascii=False).encode(), content_type)
