"""Where convo keeps its files. Functions, so nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "convo"


def data_dir() -> Path:
    """The per-user data directory (the default store lives here)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The per-user configuration directory."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    return config_dir() / "config.toml"


def default_database_path() -> Path:
    return data_dir() / "convo.sqlite3"
