"""Role names and the OS login: what the terminal UI checks before the store is loaded."""

from __future__ import annotations

import getpass

INBOX_ROLES = ("owner", "admin", "manager", "support")
"""Roles that may open the inbox and act on it."""
KNOWN_ROLES = (*INBOX_ROLES, "analyst", "viewer")
MANAGE_AGENTS = ("owner", "admin")
CHANGE_SETTINGS = ("owner", "admin", "manager")


def os_login() -> str:
    """The OS login of this process, the default agent identity on a shared host."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
