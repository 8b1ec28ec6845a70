"""Who may read convo's files: this user only, or the team in a group folder.

The store holds customers' names, phones, addresses and texts, and the config
provider secrets: other users of the host must not read them, whatever the
umask. A folder with the setgid bit is a group folder (what is made in it takes
its group): there a team shares the store, so files are 0660 and a folder made
in it 0770 with the setgid bit kept. Modes are set with chmod after creating,
since open() and mkdir() only ever take bits away (the umask).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
GROUP_FILE = 0o660
PRIVATE_DIR = 0o700
GROUP_DIR = 0o2770
STORE_SUFFIXES = ("", "-wal", "-shm")
"""The store file and the two SQLite makes beside it (WAL and shared memory)."""


def is_group_dir(directory: Path) -> bool:
    try:
        return bool(directory.stat().st_mode & stat.S_ISGID)
    except OSError:
        return False


def file_mode(directory: Path) -> int:
    """The mode of a file convo makes in `directory`."""
    return GROUP_FILE if is_group_dir(directory) else PRIVATE_FILE


def make_dir(directory: Path) -> None:
    """Create `directory` if missing (its parents as usual): private, or a group folder
    inside a group folder. An existing folder is left as it is (doctor says if it is open)."""
    if directory.is_dir():
        return
    directory.parent.mkdir(parents=True, exist_ok=True)
    mode = GROUP_DIR if is_group_dir(directory.parent) else PRIVATE_DIR
    try:
        directory.mkdir(mode=PRIVATE_DIR)
    except FileExistsError:
        return  # made meanwhile by another process: theirs to set
    os.chmod(directory, mode)


def create_file(path: Path) -> bool:
    """Create `path` empty with its mode unless it exists; True when it was created."""
    mode = file_mode(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return True


def open_file(path: Path, flags: int) -> int:
    """`os.open(path, flags | O_CREAT)` for a file convo keeps (the sync lock): one it
    has just created gets its mode whatever the umask."""
    mode = file_mode(path.parent)
    fd = os.open(path, flags | os.O_CREAT, mode)
    try:
        found = os.fstat(fd)
        if (
            found.st_size == 0
            and found.st_uid == os.geteuid()
            and stat.S_IMODE(found.st_mode) != mode
        ):
            os.fchmod(fd, mode)
    except OSError:
        os.close(fd)
        raise
    return fd


def match_store(database: Path) -> None:
    """Give the store's -wal and -shm files the store file's own mode. SQLite makes them
    so, but a store copied or restored from elsewhere may have kept others."""
    try:
        want = stat.S_IMODE(database.stat().st_mode)
    except OSError:
        return
    for suffix in STORE_SUFFIXES[1:]:
        side = database.with_name(database.name + suffix)
        try:
            found = side.stat()
            if found.st_uid == os.geteuid() and stat.S_IMODE(found.st_mode) != want:
                os.chmod(side, want)
        except OSError:
            continue  # not there (no connection open), or not ours


def open_to_others(path: Path) -> int | None:
    """`path`'s mode when users it is not meant for can read it (or write a folder), else None.

    Others: users outside the file's group; in a folder that is not a group folder,
    the group too (a file in a private folder is for its owner only)."""
    try:
        found = path.stat()
    except OSError:
        return None
    mode = stat.S_IMODE(found.st_mode)
    is_dir = stat.S_ISDIR(found.st_mode)
    group = bool(mode & stat.S_ISGID) if is_dir else is_group_dir(path.parent)
    too_open = stat.S_IRWXO if group else stat.S_IRWXG | stat.S_IRWXO
    return mode if mode & too_open else None


def fix(path: Path) -> str:
    """The command that closes `path` to others."""
    if path.is_dir():
        wanted = "2770" if is_group_dir(path) else "700"
    else:
        wanted = "660" if is_group_dir(path.parent) else "600"
    return f"chmod {wanted} {path}"


def store_warnings(database: Path, data_dir: Path) -> list[str]:
    """A SQLite store's files (and their folder) that users they are not meant for can
    read, each with the command that closes them. `data_dir` is convo's own data folder,
    which is made private: open, it is worth a line even if the files are not."""
    warnings = []
    main = open_to_others(database)
    for suffix in STORE_SUFFIXES:
        path = database.with_name(database.name + suffix)
        mode = open_to_others(path)
        # SQLite gives -wal and -shm the store's mode: one line for the three, unless
        # a side file kept another.
        if mode is not None and (not suffix or mode != main):
            warnings.append(f"other users can read {path} (mode {mode:o}) — {fix(path)}")
    folder = database.parent
    mode = open_to_others(folder)
    # A folder of the user's choosing (--db) may be open if the files are not; a folder
    # others may write (without the sticky bit) is never safe.
    ours = folder == data_dir.absolute()
    if mode is not None and (ours or mode & stat.S_IWOTH) and not mode & stat.S_ISVTX:
        warnings.append(f"other users can open the folder {folder} (mode {mode:o}) — {fix(folder)}")
    return warnings
