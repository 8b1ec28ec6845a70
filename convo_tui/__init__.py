"""convo: a keyboard-driven terminal inbox for two-way SMS customer support."""

__version__ = "0.1.0"
