"""PostgreSQL: a NOTIFY on every change of the tables the change stamp watches, so a
running inbox shows another agent's action at once (LISTEN), polling kept as the
fallback. Nothing on SQLite.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

from convo_tui.store import dialect

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect.create_change_notify(op.get_bind())


def downgrade() -> None:
    dialect.drop_change_notify(op.get_bind())
