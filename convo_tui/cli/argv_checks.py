"""Command lines that cannot mean one thing: refused before anything runs.

Click lets the last of a repeated option win, so `--unread --read` lists nothing
and `--status open --status closed` silently means closed. An option that takes
one value, given twice with different values, and both halves of a flag pair are
refused here, read off the command's own declaration (options that take several
values, like `--media`, may repeat).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from convo_tui.errors import BadInput


def check(command: Any, args: Sequence[str]) -> None:
    """`command` is the click command typer builds (its vendored click: duck-typed)."""
    tokens = list(args[: list(args).index("--")] if "--" in args else args)
    seen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    current = command
    options = _options_of(current)
    for n, token in enumerate(tokens):
        commands = getattr(current, "commands", None) or {}
        if token in commands:
            # As click reads it: after a command's name only that command's options count
            # (a value that happens to be a command's name only costs a looser check).
            current = commands[token]
            options = _options_of(current)
            continue
        name, eq, inline = token.partition("=")
        option = options.get(name)
        if option is None:
            continue
        # Keyed by the parameter, so `convo --agent a close --agent b` is refused while
        # `convo audit --agent b`, whose --agent is a filter of its own, is not.
        if option.is_flag:
            seen[option.name or name].append((name, ""))
        else:
            value = inline if eq else (tokens[n + 1] if n + 1 < len(tokens) else "")
            seen[option.name or name].append((name, value))
    for given in seen.values():
        names = list(dict.fromkeys(name for name, _value in given))
        values = list(dict.fromkeys(value for _name, value in given))
        if len(names) > 1:
            raise BadInput(f"{names[0]} and {names[1]} contradict each other", "give one")
        if len(values) > 1:
            raise BadInput(f"{names[0]} is given twice ({', '.join(values)})", "give one, once")


def _options_of(command: Any) -> dict[str, Any]:
    """The single-valued options of `command`, by each of their names."""
    found: dict[str, Any] = {}
    _add(found, command)
    return found


def _add(found: dict[str, Any], command: Any) -> None:
    for param in command.params:
        is_option = getattr(param, "param_type_name", "") == "option"
        if is_option and not param.multiple and not getattr(param, "count", False):
            for name in (*param.opts, *param.secondary_opts):
                found[name] = param
