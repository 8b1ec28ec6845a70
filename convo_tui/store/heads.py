"""The schema revision this convo knows, read from the migration file names (no alembic)."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")


def known_head() -> str:
    """The newest revision, from the migration file names (0001_…, 0002_…: one line of
    history, by convention). Checking a store against it needs no alembic import, which
    is a tenth of a second off every start; a test holds it equal to alembic's head."""
    names = sorted(p.name for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1][:4]
