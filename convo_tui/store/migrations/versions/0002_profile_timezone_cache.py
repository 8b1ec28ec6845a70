"""Cache each profile's resolved time zone and where it came from.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("profile") as batch_op:
        batch_op.add_column(sa.Column("resolved_timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("timezone_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("timezone_basis", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("profile") as batch_op:
        batch_op.drop_column("timezone_basis")
        batch_op.drop_column("timezone_source")
        batch_op.drop_column("resolved_timezone")
