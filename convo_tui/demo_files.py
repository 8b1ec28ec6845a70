"""Where the demo data set's files are, for both of its loaders.

The JSON files are committed once, at data/demo/, and shipped as the package
`convo_tui.demo_data` (pyproject.toml maps that package onto data/demo), so
the wheel carries them and an installed convo finds them exactly as the
editable install of a checkout does. A base module: no ORM, no store, so the
sandbox (`sandbox.demo_loader`) and the store's loader (`convo_tui.demo`) can
both use it.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from convo_tui.errors import ConvoError

PACKAGE = "convo_tui.demo_data"
ENV = "CONVO_DEMO_DATA"
"""A folder of demo data files to load instead (e.g. a data set under test)."""


def folder() -> Path:
    """The demo data folder: $CONVO_DEMO_DATA, else the package data."""
    explicit = os.environ.get(ENV)
    if explicit:
        return Path(explicit)
    try:
        found = resources.files(PACKAGE)
    except ModuleNotFoundError:  # a checkout on sys.path that was never installed
        raise ConvoError(
            "the demo data is not installed", f"install convo (make install) or set {ENV}"
        ) from None
    if not isinstance(found, Path):  # the loaders read files from disk, not from an archive
        raise ConvoError(f"the demo data is inside an archive ({found})", f"set {ENV}")
    return found
