"""Role names, the OS login, and who may act as whom: what the terminal UI checks
before the store is loaded."""

from __future__ import annotations

import os
import pwd

from convo_tui.errors import AccessDenied

INBOX_ROLES = ("owner", "admin", "manager", "support")
"""Roles that may open the inbox and act on it."""
KNOWN_ROLES = (*INBOX_ROLES, "analyst", "viewer")
MANAGE_AGENTS = ("owner", "admin")
CHANGE_SETTINGS = ("owner", "admin", "manager")

STAND_IN_KINDS = ("demo", "bench", "test")
"""Store kinds (the `kind` row of store_meta) whose agents are made up, so that one
person may play each of them with `--agent`: `convo demo` marks its store "demo", the
bench's generator "bench", the test suite its stores "test". No command marks a store
so; a real store has no kind."""


def os_login() -> str:
    """The login of this process's real user id, the agent identity on a shared host.

    Not `getpass.getuser()`, which believes $USER and $LOGNAME: `USER=ana convo close`
    would act as Ana."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no passwd entry (a container): still one identity
        return f"uid-{uid}"


def acting_login(
    requested: str | None, store_kind: str | None, *, database_role: str | None = None
) -> str:
    """Who acts: the OS login, or on a database server the role the session logged in
    as (the database vouches for it). `--agent` may only name that one, except on a
    store whose agents are stand-ins (STAND_IN_KINDS), where it picks which to play."""
    me = database_role or os_login()
    if requested is None or requested == me:
        return me
    if store_kind in STAND_IN_KINDS:
        return requested
    if database_role is not None:
        raise AccessDenied(
            f"--agent {requested} is not you: the database knows this session as {me}",
            f"connect as {requested}'s own role (CONVO_DATABASE_URL), or leave --agent out",
        )
    raise AccessDenied(
        f"--agent {requested} is not you: on this store you act as your OS login ({me})",
        f"log in as {requested} to act as them, or leave --agent out",
    )
