"""The rules of the product, in plain Python: no UI import, shared by the CLI, sync and TUI."""
