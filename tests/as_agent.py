"""Run the terminal inbox as another OS user from a root process: `python -m
tests.as_agent UID GID -- ARGS...` (in a tmux pane, for the two-agent story).

The interpreter lives under a private home on the test machine, which another user
cannot read: everything the inbox may import later is imported here first, as root,
then the process becomes the user (real, effective and saved ids) and runs convo."""

from __future__ import annotations

import os
import sys

from tests.tui_helpers import import_everything


def main() -> None:
    uid, gid = int(sys.argv[1]), int(sys.argv[2])
    args = sys.argv[sys.argv.index("--") + 1 :]
    import_everything()
    os.setgroups([gid])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    from convo_tui.launch import main as convo

    sys.argv = ["convo", *args]
    convo(args)


if __name__ == "__main__":
    main()
