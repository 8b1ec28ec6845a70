"""Alembic environment: convo runs migrations in-process on a connection it hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import convo_tui.store.models  # noqa: F401  (registers the tables)
from convo_tui.store.dialect import is_search_object

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("convo migrations run through convo_tui.store.schema, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # The full-text search objects are made by hand (migration 0005), not by models.
    include_name=lambda name, _type, _parent: not is_search_object(name),
)
with context.begin_transaction():
    context.run_migrations()
