"""Probable opt-outs waiting for an agent's decision, and opt-outs Klaviyo has not taken yet.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy of the tables): the inbox tally's triggers stay.
    op.add_column(
        "conversation", sa.Column("possible_opt_out_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_conversation_possible_opt_out_at", "conversation", ["possible_opt_out_at"])
    op.add_column(
        "profile",
        sa.Column("klaviyo_opt_out_pending_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("profile", sa.Column("klaviyo_opt_out_error", sa.String(300), nullable=True))
    op.create_index(
        "ix_profile_klaviyo_opt_out_pending_at", "profile", ["klaviyo_opt_out_pending_at"]
    )
    op.add_column("outbox_item", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "opt_out_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("profile_id", sa.Integer(), sa.ForeignKey("profile.id"), nullable=False),
        sa.Column(
            "message_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=False, unique=True
        ),
        sa.Column("phrase", sa.String(200), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), sa.ForeignKey("agent.id"), nullable=True),
    )
    op.create_index("ix_opt_out_review_profile_id", "opt_out_review", ["profile_id"])
    op.create_index("ix_opt_out_review_open", "opt_out_review", ["resolved_at", "flagged_at"])


def downgrade() -> None:
    op.drop_table("opt_out_review")
    op.drop_column("outbox_item", "expires_at")
    op.drop_index("ix_profile_klaviyo_opt_out_pending_at", "profile")
    op.drop_column("profile", "klaviyo_opt_out_error")
    op.drop_column("profile", "klaviyo_opt_out_pending_at")
    op.drop_index("ix_conversation_possible_opt_out_at", "conversation")
    op.drop_column("conversation", "possible_opt_out_at")
