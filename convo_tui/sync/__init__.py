"""The sync engine: pulls provider data through the rules, pushes the outbox."""
