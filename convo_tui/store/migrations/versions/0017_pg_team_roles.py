"""PostgreSQL team roles: the audit log takes its agent from the session's role, and the
group roles (owner, admin, manager, support, sync, reader) get what each may do
(dialect.TABLE_GRANTS), when the migrating role may create roles; otherwise the
database administrator runs what `convo agents roles` prints. Nothing on SQLite.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

from alembic import op

from convo_tui.store import dialect

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    dialect.create_audit_identity(bind)
    dialect.apply_team_roles(bind)


def downgrade() -> None:
    dialect.drop_audit_identity(op.get_bind())
