"""Opening a store: the engine for a URL, its schema created or upgraded, the file's mode.

Kept apart from `engine` (the handle) so that `schema`, which works on a handle,
and the opening, which needs the schema, import in one direction.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from convo_tui import file_modes
from convo_tui.store.engine import Store, make_engine
from convo_tui.store.schema import ensure_schema


def open_store(url: str, *, migrate: bool = True, create: bool = True) -> Store:
    """Open (and by default create or upgrade) the store at `url`.

    With `create=False` only an existing convo store opens (an older one is still
    upgraded): a missing SQLite file or a database without convo's tables is a
    MissingStore. The CLI opens so; `convo init`, `convo demo` and tests create."""
    engine = make_engine(url, create=create)
    store = Store(engine=engine, url=url)
    if migrate:
        try:
            ensure_schema(store, create=create)
        except BaseException:
            engine.dispose()
            raise
    if create and make_url(url).get_backend_name() == "sqlite":
        database = make_url(url).database
        if database not in (None, "", ":memory:"):
            file_modes.match_store(Path(database).expanduser())
    return store
