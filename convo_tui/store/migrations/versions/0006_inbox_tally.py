"""Inbox counts from a tally kept by triggers, so they cost the same at any size.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_tally",
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("unread", sa.Boolean(), nullable=False),
        sa.Column("source_key", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", "unread", "source_key"),
    )
    # Counted, and kept by triggers, from 0015 on (which added a key): an upgrade always
    # goes to the head, so there is no store between the two to keep counted.


def downgrade() -> None:
    op.drop_table("inbox_tally")
