"""The screens of the terminal UI: the inbox, the full profile, search, help and the modals."""
