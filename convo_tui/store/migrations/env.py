"""Alembic environment: convo runs migrations in-process on a connection it hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import convo_tui.store.models  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("convo migrations run through convo_tui.store.schema, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
