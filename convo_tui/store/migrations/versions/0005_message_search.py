"""Full-text search over message bodies (FTS5 on SQLite, a GIN tsvector index on PostgreSQL).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

from convo_tui.store import dialect

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect.create_message_search(op.get_bind())


def downgrade() -> None:
    dialect.drop_message_search(op.get_bind())
