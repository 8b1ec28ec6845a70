"""An agent's speed tools: saved replies, tags on conversations; the profile's locale
(a saved reply in the customer's language) and an order's number and tracking (saved
replies' order variables). The new tables get their PostgreSQL grants.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from convo_tui.store import dialect
from convo_tui.store.types import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("profile", sa.Column("locale", sa.String(35), nullable=True))
    op.add_column("shop_order", sa.Column("number", sa.String(64), nullable=True))
    op.add_column("shop_order", sa.Column("tracking_number", sa.String(100), nullable=True))
    op.add_column("shop_order", sa.Column("tracking_url", sa.String(500), nullable=True))
    op.create_table(
        "saved_reply",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("category", sa.String(60), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("body", sa.String(1600), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("agent.id"), nullable=True),
        sa.UniqueConstraint("name", "language", name="uq_saved_reply_name_language"),
    )
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "conversation_tag",
        sa.Column(
            "conversation_id", sa.Integer(), sa.ForeignKey("conversation.id"), primary_key=True
        ),
        sa.Column("tag_id", sa.Integer(), sa.ForeignKey("tag.id"), primary_key=True),
    )
    op.create_index("ix_conversation_tag_tag", "conversation_tag", ["tag_id", "conversation_id"])
    dialect.apply_team_roles(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_conversation_tag_tag", "conversation_tag")
    op.drop_table("conversation_tag")
    op.drop_table("tag")
    op.drop_table("saved_reply")
    for table, column in (
        ("shop_order", "tracking_url"),
        ("shop_order", "tracking_number"),
        ("shop_order", "number"),
        ("profile", "locale"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
