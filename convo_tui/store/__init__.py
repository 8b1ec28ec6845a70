"""The store: SQLModel tables, engine set-up, migrations. No UI imports."""
