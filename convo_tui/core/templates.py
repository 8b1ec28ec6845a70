"""The template engine of auto-replies, the opt-out confirmation and saved replies:
`{{ name }}` variables filled from a mapping. Pure (no store), so the saved-reply picker
fills a reply in on every key."""

from __future__ import annotations

import re
from collections.abc import Mapping

TEMPLATE_VAR = re.compile(r"\{\{\s*([A-Za-z_.]+)\s*\}\}")


def template_variables(template: str) -> list[str]:
    """The variables a template uses, each once, in order."""
    return list(dict.fromkeys(TEMPLATE_VAR.findall(template)))


def render_template(template: str, variables: Mapping[str, str]) -> str:
    """Fill `{{ organization.prefix }}`-style variables; unknown ones become empty.

    A template that starts with a variable left empty (no prefix configured)
    does not start with its dangling separator (": thanks...").
    """
    text = TEMPLATE_VAR.sub(lambda m: variables.get(m.group(1), ""), template)
    return text.strip().lstrip(":-–— ").strip()


def substitute(template: str, variables: Mapping[str, str]) -> str:
    """Fill the variables that have a value and leave the others as they are written."""
    return TEMPLATE_VAR.sub(lambda m: variables.get(m.group(1), m.group(0)), template).strip()
