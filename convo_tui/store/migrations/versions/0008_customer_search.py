"""Customer search: names and email by word (FTS5 on SQLite, a GIN tsvector index on
PostgreSQL) and a number by its tail (an index on the number reversed).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

from convo_tui.store import dialect

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect.create_profile_search(op.get_bind())


def downgrade() -> None:
    dialect.drop_profile_search(op.get_bind())
