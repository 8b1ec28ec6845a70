"""Short links, and orders attributed to the message whose link was clicked.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "short_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["profile_id"], ["profile.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("profile_id", "url", name="uq_short_link_profile_url"),
    )
    with op.batch_alter_table("shop_order") as batch_op:
        batch_op.add_column(sa.Column("attributed_message_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_shop_order_attributed_message", "message", ["attributed_message_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("shop_order") as batch_op:
        batch_op.drop_constraint("fk_shop_order_attributed_message", type_="foreignkey")
        batch_op.drop_column("attributed_message_id")
    op.drop_table("short_link")
