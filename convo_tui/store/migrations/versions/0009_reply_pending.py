"""A conversation knows when its soonest agent reply waiting in the outbox goes out.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table): the inbox tally's triggers stay.
    op.add_column(
        "conversation",
        sa.Column("reply_pending_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute(
        "UPDATE conversation SET reply_pending_at = ("
        "SELECT min(o.send_at) FROM outbox_item AS o "
        "WHERE o.profile_id = conversation.profile_id AND o.agent_id IS NOT NULL "
        "AND o.state IN ('queued', 'sending'))"
    )


def downgrade() -> None:
    op.drop_column("conversation", "reply_pending_at")  # no table copy: the triggers stay
