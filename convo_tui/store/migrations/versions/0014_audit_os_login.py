"""The OS login of the process that made each audit entry, beside the agent it acted as
(they differ only on a demo, bench or test store, where `--agent` picks a stand-in).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("os_login", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "os_login")
